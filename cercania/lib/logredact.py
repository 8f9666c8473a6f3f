"""Keep secrets that travel in paths (her manage link) out of every log line.

Django logs "Not Found: /cita/<token>/" for a 404 and the path of any error; the
token is a password to her booking, so it is replaced before any handler writes.
"""

from __future__ import annotations

import logging
import re

SECRET_PATHS = re.compile(r"/(cita|api/v1/bookings)/[A-Za-z0-9_\-]{8,}")


def redact(text: str) -> str:
    return SECRET_PATHS.sub(lambda m: f"/{m.group(1)}/[redactado]", text)


class RedactSecretsFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        if record.exc_info and not record.exc_text:
            # Formatters write the traceback after the filters ran: render it now
            # (they reuse exc_text) so an exception quoting a path is redacted too.
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True
