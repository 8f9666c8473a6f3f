"""One JSON object per log line (CERCANIA_LOG_FORMAT=json), for log collectors.

Hand-written rather than a JSON-logging library on purpose: those serialise every
`extra` attribute of a record, and Django attaches the request to its error records,
whose repr carries the path (her manage token). Here the fields are a fixed list of
things that are never personal; the text still passes the redaction filter first and
is redacted once more here, tracebacks included.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime

from .logredact import redact


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, tz=UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": redact(record.getMessage()),
            "process": record.process,
        }
        status_code = getattr(record, "status_code", None)
        if isinstance(status_code, int):
            entry["status_code"] = status_code
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["exception"] = redact(record.exc_text)
        return json.dumps(entry, ensure_ascii=False)
