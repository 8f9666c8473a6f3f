"""The woman's address behind nginx: REMOTE_ADDR from X-Real-IP, over the unix socket only.

Rate limits, login throttling (django-axes) and the access log read REMOTE_ADDR. Behind
nginx, gunicorn listens on a unix socket and leaves REMOTE_ADDR empty, so every visitor
would share one rate-limit bucket. nginx sets `X-Real-IP: $remote_addr` (replacing
whatever the client sent, deploy/nginx/cercania.conf); only a connection on the unix
socket, which only nginx may open, is trusted to carry it. Over TCP (runserver, a
gunicorn bound to a port) REMOTE_ADDR is the peer's and nothing here changes it.
"""

from __future__ import annotations

import contextlib
import ipaddress
import socket
from collections.abc import Callable, Iterable
from typing import Any

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class ClientAddressFromProxy:
    def __init__(self, app: WSGIApp) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        peer = environ.get("gunicorn.socket")
        if getattr(peer, "family", None) == socket.AF_UNIX:
            # No or a malformed header: the address stays unknown.
            with contextlib.suppress(ValueError):
                environ["REMOTE_ADDR"] = str(
                    ipaddress.ip_address(environ.get("HTTP_X_REAL_IP", "").strip())
                )
        return self.app(environ, start_response)
