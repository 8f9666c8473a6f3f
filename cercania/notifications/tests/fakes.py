"""Local fakes of the providers: an SMTP server (aiosmtpd) and Twilio's Messages API."""

from __future__ import annotations

import base64
import json
import secrets
import socket
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    data: bytes


class FakeSMTP:
    """A real SMTP server on 127.0.0.1 and a random port, keeping what it receives."""

    def __init__(self) -> None:
        self.messages: list[Received] = []
        self.port = free_port()
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(
            Received(
                mail_from=envelope.mail_from,
                rcpt_tos=list(envelope.rcpt_tos),
                data=envelope.original_content or envelope.content,
            )
        )
        return "250 OK"

    def start(self) -> FakeSMTP:
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()


@dataclass
class TwilioRequest:
    path: str
    authorization: str
    form: dict[str, str]


@dataclass
class FakeTwilio:
    """Twilio's POST /2010-04-01/Accounts/{sid}/Messages.json, as documented."""

    account_sid: str = "AC" + "0" * 32
    auth_token: str = "token-1"
    requests: list[TwilioRequest] = field(default_factory=list)
    failures: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    _server: ThreadingHTTPServer | None = None
    _thread: threading.Thread | None = None

    def start(self) -> FakeTwilio:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                fake.requests.append(
                    TwilioRequest(
                        path=self.path,
                        authorization=self.headers.get("Authorization", ""),
                        form=form,
                    )
                )
                status, answer = fake.answer(self.path, self.headers.get("Authorization", ""), form)
                body = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    @property
    def base(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def fail_next(self, status: int, code: int, message: str, times: int = 1) -> None:
        self.failures.extend(
            [(status, {"code": code, "message": message, "status": status})] * times
        )

    def answer(self, path: str, authorization: str, form: dict[str, str]) -> tuple[int, Any]:
        expected = base64.b64encode(f"{self.account_sid}:{self.auth_token}".encode()).decode()
        if authorization != f"Basic {expected}":
            return 401, {"code": 20003, "message": "Authenticate", "status": 401}
        if path != f"/2010-04-01/Accounts/{self.account_sid}/Messages.json":
            return 404, {"code": 20404, "message": "Not found", "status": 404}
        if self.failures:
            return self.failures.pop(0)
        if not all(form.get(k) for k in ("To", "From", "Body")):
            return 400, {
                "code": 21604,
                "message": "A 'To' phone number is required.",
                "status": 400,
            }
        return 201, {
            "sid": "SM" + secrets.token_hex(16),
            "status": "queued",
            "to": form["To"],
            "from": form["From"],
            "body": form["Body"],
        }
