"""A local fake of Zoom's token and meeting endpoints, with scriptable failures.

Behaves as Zoom's documentation says: Server-to-Server OAuth token by Basic auth and
the account credentials grant; meetings under /v2 with int64 ids, 201 on create, 204
on PATCH and DELETE; errors as {"code", "message"}: 401 code 124 for a bad token,
404 code 3001 for an unknown meeting, 400 code 300 for a validation error.
"""

from __future__ import annotations

import base64
import json
import re
import secrets
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

START_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")
PASSWORD = re.compile(r"[A-Za-z0-9@\-_*]{1,10}")
FIRST_ID = 2**62 + 12345  # far beyond 2**53: a float or a JS number would mangle it


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    body: Any  # parsed JSON, the parsed form of the token request, or None
    raw: bytes


@dataclass
class FakeZoom:
    account_id: str = "acct-1"
    client_id: str = "client-1"
    client_secret: str = "secret-1"
    expires_in: int = 3600
    requests: list[Recorded] = field(default_factory=list)
    meetings: dict[int, dict[str, Any]] = field(default_factory=dict)
    tokens: set[str] = field(default_factory=set)
    failures: list[int] = field(default_factory=list)
    delay: float = 0.0
    redirect_to: str = ""  # when set, API calls answer 302 to this address
    _next_id: int = FIRST_ID
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _server: ThreadingHTTPServer | None = None
    _thread: threading.Thread | None = None

    # Lifecycle.

    def start(self) -> FakeZoom:
        fake = self

        class Handler(FakeZoomHandler):
            zoom = fake

        self._server = FakeZoomServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = self._thread = None

    @property
    def base(self) -> str:
        assert self._server is not None, "the fake Zoom server is not running"
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def api_base(self) -> str:
        return f"{self.base}/v2"

    @property
    def oauth_url(self) -> str:
        return f"{self.base}/oauth/token"

    # Scripting.

    def expire_tokens(self) -> None:
        """Every token issued so far is now invalid: the next API call gets 401 code 124."""
        with self._lock:
            self.tokens.clear()

    def fail_next(self, status: int, times: int = 1) -> None:
        """The next `times` API calls (not token requests) answer `status`."""
        with self._lock:
            self.failures.extend([status] * times)

    def forget_meeting(self, meeting_id: int | str) -> None:
        """As if someone deleted it in Zoom's web portal."""
        with self._lock:
            self.meetings.pop(int(meeting_id), None)

    # Inspection.

    def calls(self, method: str | None = None, path: str | None = None) -> list[Recorded]:
        return [
            r
            for r in self.requests
            if (method is None or r.method == method) and (path is None or r.path == path)
        ]

    @property
    def token_requests(self) -> list[Recorded]:
        return self.calls("POST", "/oauth/token")

    @property
    def api_requests(self) -> list[Recorded]:
        return [r for r in self.requests if r.path.startswith("/v2/")]

    # Behaviour, called by the handler under the lock.

    def issue_token(self, headers: dict[str, str], form: dict[str, str]) -> tuple[int, Any]:
        expected = base64.b64encode(f"{self.client_id}:{self.client_secret}".encode()).decode()
        if headers.get("Authorization") != f"Basic {expected}":
            return 400, {"reason": "Invalid client_id or client_secret", "error": "invalid_client"}
        if form.get("grant_type") != "account_credentials":
            return 400, {"reason": "Unsupported grant type", "error": "unsupported_grant_type"}
        if form.get("account_id") != self.account_id:
            return 400, {"reason": "Invalid account_id", "error": "invalid_request"}
        token = secrets.token_urlsafe(24)
        self.tokens.add(token)
        return 200, {
            "access_token": token,
            "token_type": "bearer",
            "expires_in": self.expires_in,
            "scope": "meeting:write:admin meeting:read:admin",
        }

    def api(self, method: str, path: str, headers: dict[str, str], body: Any) -> tuple[int, Any]:
        authorization = headers.get("Authorization", "")
        if not authorization.startswith("Bearer ") or authorization[7:] not in self.tokens:
            return 401, {"code": 124, "message": "Invalid access token."}
        if self.failures:
            status = self.failures.pop(0)
            if status == 429:
                return 429, {"code": 429, "message": "You have exceeded the daily rate limit."}
            return status, {"code": status, "message": "Internal server error."}
        if method == "POST" and (match := re.fullmatch(r"/v2/users/([^/]+)/meetings", path)):
            return self.create(match.group(1), body)
        if match := re.fullmatch(r"/v2/meetings/(\d+)", path):
            meeting = self.meetings.get(int(match.group(1)))
            if meeting is None:
                return 404, {"code": 3001, "message": "Meeting does not exist: {id}."}
            if method == "GET":
                # Zoom signs a new start_url on each read; the old one dies after 2 h.
                meeting["start_url"] = self._start_url(meeting["id"])
                return 200, meeting
            if method == "PATCH":
                error = self._invalid(body, partial=True)
                if error:
                    return 400, {"code": 300, "message": error}
                meeting.update(body)
                return 204, None
            if method == "DELETE":
                del self.meetings[meeting["id"]]
                return 204, None
        return 404, {"code": 404, "message": "Not found."}

    def create(self, host: str, body: Any) -> tuple[int, Any]:
        error = self._invalid(body, partial=False)
        if error:
            return 400, {"code": 300, "message": error}
        meeting_id = self._next_id
        self._next_id += 1
        meeting = {
            **body,
            "id": meeting_id,
            "host_id": host,
            "join_url": f"https://fake-zoom.invalid/j/{meeting_id}?pwd={secrets.token_hex(8)}",
            "start_url": self._start_url(meeting_id),
        }
        self.meetings[meeting_id] = meeting
        return 201, meeting

    @staticmethod
    def _start_url(meeting_id: int) -> str:
        return f"https://fake-zoom.invalid/s/{meeting_id}?zak={secrets.token_hex(8)}"

    @staticmethod
    def _invalid(body: Any, *, partial: bool) -> str:
        if not isinstance(body, dict):
            return "Request body must be JSON."
        required = () if partial else ("topic", "type", "start_time", "duration")
        for name in required:
            if name not in body:
                return f"Missing field: {name}."
        if "topic" in body and len(body["topic"]) > 200:
            return "Invalid field: topic."
        if "start_time" in body and not START_TIME.fullmatch(str(body["start_time"])):
            return "Invalid field: start_time."
        if "password" in body and not PASSWORD.fullmatch(str(body["password"])):
            return "Invalid field: password."
        if "duration" in body and not isinstance(body["duration"], int):
            return "Invalid field: duration."
        return ""


class FakeZoomServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 64  # the default 5 makes concurrent tests wait for SYN retries

    def handle_error(self, request: Any, client_address: Any) -> None:
        return None  # a client that timed out and hung up is expected in the tests


class FakeZoomHandler(BaseHTTPRequestHandler):
    zoom: FakeZoom

    def do_GET(self) -> None:
        self._handle()

    def do_POST(self) -> None:
        self._handle()

    def do_PATCH(self) -> None:
        self._handle()

    def do_DELETE(self) -> None:
        self._handle()

    def log_message(self, format: str, *args: Any) -> None:
        return None  # quiet test output

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        path = urlsplit(self.path).path
        headers = dict(self.headers.items())
        zoom = self.zoom
        if zoom.delay:
            threading.Event().wait(zoom.delay)
        with zoom._lock:
            if path == "/oauth/token" and self.command == "POST":
                form = {k: v[0] for k, v in parse_qs(raw.decode()).items()}
                zoom.requests.append(Recorded(self.command, path, headers, form, raw))
                status, answer = zoom.issue_token(headers, form)
            else:
                try:
                    body = json.loads(raw) if raw else None
                except ValueError:
                    body = raw
                zoom.requests.append(Recorded(self.command, path, headers, body, raw))
                status, answer = zoom.api(self.command, path, headers, body)
        payload = b"" if answer is None else json.dumps(answer).encode()
        if zoom.redirect_to and path.startswith("/v2/"):
            status, payload = 302, b""
        self.send_response(status)
        if status == 302:
            self.send_header("Location", zoom.redirect_to)
        if payload:
            self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if payload:
            self.wfile.write(payload)
