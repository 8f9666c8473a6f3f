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
import logging.handlers
import sys
from datetime import UTC, datetime
from typing import Any

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


LOG_FORMATS = frozenset({"text", "json"})
AUDIT_COPY_LOGGER = "cercania.audit.copy"  # written by cercania/privacy/audit_copy.py
SYSLOG_SOCKET = "/dev/log"


# Where a copy destination's outage and recovery are said (the console, as any warning).
outage_logger = logging.getLogger("cercania.audit.copy_destination")


class _OutageSaidOnce(logging.Handler):
    """For the audit copy's handlers: a destination that cannot be written (nothing
    listens on the syslog socket, the file's folder is gone) never fails what is being
    done, and is said once when it starts failing and once when it works again.

    Logging's own answer is a `--- Logging error ---` traceback on stderr for every
    line, and WatchedFileHandler reopens a moved file outside logging's guard, so a
    missing folder raised into the on_commit callback of whatever wrote the row: her
    request answered 500 after its transaction had committed. Meanwhile /healthz says
    `audit_copy: unreachable`, and `cercania audit_verify` lists the rows not shipped.
    """

    _outage = False
    _failed = False

    def emit(self, record: logging.LogRecord) -> None:
        self._failed = False
        try:
            super().emit(record)
        except Exception:  # any failure to write is the destination's outage
            self.handleError(record)
        if self._outage and not self._failed:
            self._outage = False
            outage_logger.warning("The audit copy is written again.")

    def handleError(self, record: logging.LogRecord) -> None:
        self._failed = True
        if not self._outage:
            self._outage = True
            error = sys.exc_info()[1]
            outage_logger.warning(
                "The audit copy cannot be written (%s): its rows stay in the database; "
                "`cercania audit_verify` lists those it missed.",
                type(error).__name__,
            )


class AuditCopySysLogHandler(_OutageSaidOnce, logging.handlers.SysLogHandler):
    pass


class AuditCopyFileHandler(_OutageSaidOnce, logging.handlers.WatchedFileHandler):
    pass


def audit_copy_handler(destination: str) -> dict[str, Any] | None:
    """The handler (dictConfig) that ships the audit copy to `destination`:
    "syslog" or "syslog:/socket/path", "file:/absolute/path", or "" for none."""
    if not destination:
        return None
    kind, _, where = destination.partition(":")
    if kind == "syslog":
        return {
            "class": "cercania.lib.logformat.AuditCopySysLogHandler",
            "address": where or SYSLOG_SOCKET,
            "facility": "local5",
            "formatter": "audit_copy_syslog",
        }
    if kind == "file" and where.startswith("/"):
        # Reopened when logrotate moves the file away.
        return {
            "class": "cercania.lib.logformat.AuditCopyFileHandler",
            "filename": where,
            "encoding": "utf-8",
            "formatter": "audit_copy",
        }
    raise ValueError(
        'the audit copy goes to "syslog", "syslog:/socket/path" or "file:/absolute/path", '
        f"got {destination!r}"
    )


def console_logging(
    *,
    log_format: str,
    level: str = "INFO",
    loggers: dict[str, Any] | None = None,
    audit_copy: str = "",
) -> dict[str, Any]:
    """The logging configuration (dictConfig) of the app and of gunicorn itself
    (deploy/gunicorn.conf.py): one console handler on stderr, in text or JSON, that
    redacts every record before it is written; and, when `audit_copy` names one, the
    destination of the audit trail's copy (a handler of its own: its lines are the
    rows' JSON, already free of content, and never go to the console)."""
    if log_format not in LOG_FORMATS:
        raise ValueError(f"log format must be one of {sorted(LOG_FORMATS)}, got {log_format!r}")
    copy_handler = audit_copy_handler(audit_copy)
    config: dict[str, Any] = {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            "text": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
            "json": {"()": "cercania.lib.logformat.JsonFormatter"},
        },
        "filters": {"redact": {"()": "cercania.lib.logredact.RedactSecretsFilter"}},
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "formatter": log_format,
                "filters": ["redact"],
                "stream": "ext://sys.stderr",
            },
        },
        "root": {"level": level, "handlers": ["console"]},
        "loggers": dict(loggers or {}),
    }
    if copy_handler is not None:
        config["formatters"]["audit_copy"] = {"format": "%(message)s"}
        # The program name rsyslog routes on (deploy/rsyslog/60-cercania-audit.conf).
        config["formatters"]["audit_copy_syslog"] = {"format": "cercania-audit: %(message)s"}
        config["handlers"]["audit_copy"] = copy_handler
        config["loggers"][AUDIT_COPY_LOGGER] = {
            "level": "INFO",
            "handlers": ["audit_copy"],
            "propagate": False,
        }
    return config
