"""The logs and the audit trail's copy leave the server, for real (`-m deploy`).

Debian's rsyslogd runs the shipped deploy/rsyslog/60-cercania-audit.conf, with only
the log server's address, its CA certificate and the folders changed to this test's,
and forwards over TLS to a log server played by this test. The app writes its audit
copy to rsyslog's socket through the site's own logging configuration
(CERCANIA_AUDIT_COPY=syslog:<socket>); what the log server receives is then given to
`cercania audit_verify`.
"""

from __future__ import annotations

import shutil
import socket
import ssl
import subprocess
import threading
import time
from collections.abc import Iterator
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from cercania.accounts.roles import Role
from cercania.accounts.services import staff_user_create
from cercania.notifications.tests.fakes import free_port
from cercania.privacy.models import AuditEvent
from cercania.privacy.services import audit_record

from .test_deploy import DEPLOY, self_signed_certificate

RSYSLOGD = shutil.which("rsyslogd") or "/usr/sbin/rsyslogd"
SHIPPED = DEPLOY / "rsyslog" / "60-cercania-audit.conf"

pytestmark = [
    pytest.mark.deploy,
    pytest.mark.django_db,
    pytest.mark.skipif(not Path(RSYSLOGD).exists(), reason="needs Debian's rsyslog"),
]


class LogServer:
    """A TLS listener that keeps every byte sent to it, as the institute's would."""

    def __init__(self, tls: Path) -> None:
        self.port = free_port()
        self.received = bytearray()
        self._lock = threading.Lock()
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(tls / "fullchain.pem", tls / "privkey.pem")
        self._listener = socket.create_server(("127.0.0.1", self.port))
        self._listener.settimeout(0.5)
        self._context = context
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stopped.is_set():
            try:
                raw, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:  # closed by stop()
                return
            threading.Thread(target=self._receive, args=(raw,), daemon=True).start()

    def _receive(self, raw: socket.socket) -> None:
        try:
            with self._context.wrap_socket(raw, server_side=True) as conn:
                conn.settimeout(0.5)
                while not self._stopped.is_set():
                    try:
                        chunk = conn.recv(65536)
                    except TimeoutError:
                        continue
                    if not chunk:
                        return
                    with self._lock:
                        self.received.extend(chunk)
        except (OSError, ssl.SSLError):
            return

    def text(self) -> str:
        with self._lock:
            return self.received.decode("utf-8", "replace")

    def stop(self) -> None:
        self._stopped.set()
        self._listener.close()
        self._thread.join(timeout=5)


def wait_until(what: str, check, seconds: float = 30):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if found := check():
            return found
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture
def relay(tmp_path: Path) -> Iterator[tuple[Path, Path, LogServer]]:
    """rsyslogd with the shipped rules; yields its socket, the app's log folder and the
    log server."""
    tls = self_signed_certificate(tmp_path / "tls").parent
    server = LogServer(tls)
    logs = tmp_path / "logs"
    logs.mkdir()
    spool = tmp_path / "spool"
    spool.mkdir()
    rules = (
        SHIPPED.read_text()
        .replace("logs.example.org", "127.0.0.1")
        .replace('port="6514"', f'port="{server.port}"')
        .replace("/etc/rsyslog.d/cercania-logs-ca.pem", str(tls / "fullchain.pem"))
        .replace("/var/log/cercania/", f"{logs}/")
    )
    assert rules.count("127.0.0.1") == 2 and str(server.port) in rules
    (tmp_path / "60-cercania-audit.conf").write_text(rules)
    sock = tmp_path / "log.sock"
    # What Debian's /etc/rsyslog.conf provides around the files of /etc/rsyslog.d/.
    main = tmp_path / "rsyslog.conf"
    main.write_text(
        f'global(workDirectory="{spool}")\n'
        'module(load="imuxsock" SysSock.Use="off")\n'
        f'input(type="imuxsock" Socket="{sock}")\n'
        f'include(file="{tmp_path / "60-cercania-audit.conf"}")\n'
        f'*.* action(type="omfile" file="{tmp_path / "local-syslog"}")\n'
    )
    checked = subprocess.run(
        [RSYSLOGD, "-N1", "-f", str(main)], capture_output=True, text=True, timeout=30
    )
    assert checked.returncode == 0, checked.stderr
    daemon = subprocess.Popen(
        [RSYSLOGD, "-n", "-f", str(main), "-i", str(tmp_path / "rsyslogd.pid")],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_until("rsyslog's socket", sock.exists)
        yield sock, logs, server
    finally:
        daemon.terminate()
        daemon.wait(timeout=15)
        server.stop()


def test_the_audit_copy_and_the_app_logs_reach_the_log_server_over_tls(
    relay, audit_copy_to, tmp_path: Path, django_capture_on_commit_callbacks
) -> None:
    sock, logs, server = relay
    audit_copy_to(f"syslog:{sock}")
    actor = staff_user_create(
        email="coordinacion@example.org", display_name="Coordinadora", roles=[Role.COORDINACION]
    )
    with django_capture_on_commit_callbacks(execute=True):
        rows = [
            audit_record(
                actor=actor, action="view", object_type="cases.case", object_public_id=f"c{n}"
            )
            for n in range(3)
        ]
    (logs / "web.log").write_text('{"level": "WARNING", "message": "a line of web.log"}\n')

    wait_until(
        "the audit rows and web.log at the log server",
        lambda: (
            all(str(row.public_id) in server.text() for row in rows)
            and "a line of web.log" in server.text()
        ),
    )
    received = server.text()
    assert "cercania-audit" in received and "cercania-log" in received
    # Kept out of this server's own syslog (the rules end with `stop`).
    local = tmp_path / "local-syslog"
    assert not local.exists() or str(rows[0].public_id) not in local.read_text()

    copy = tmp_path / "received.log"
    copy.write_text(received)
    out = StringIO()
    call_command("audit_verify", str(copy), stdout=out)
    assert "3 registros coinciden con la copia." in out.getvalue()
    assert AuditEvent.objects.filter(object_type="cases.case").count() == 3
