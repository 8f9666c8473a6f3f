"""gunicorn's settings for Cercanía behind nginx (docs/deploy.md).

Started by deploy/systemd/cercania-web.service as
`gunicorn --config /srv/cercania/deploy/gunicorn.conf.py`; command-line options
override anything here (the deploy test binds its own socket that way).
"""

import os

from cercania.lib.logformat import LOG_FORMATS, console_logging

wsgi_app = "cercania.wsgi:application"

# systemd hands over this socket (cercania-web.socket, owned by nginx's user, mode
# 600): only nginx can reach gunicorn, which is what lets the app trust X-Real-IP
# (cercania/lib/proxyaddr.py). Never bind a public address.
bind = ["unix:/run/cercania/web.sock"]


def _cores() -> int:
    # The cores this process may run on (a container or a cpuset may allow fewer
    # than the machine has).
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


# gunicorn's rule of thumb for synchronous workers: 2 × cores + 1. Each worker holds
# about 100 MB; WEB_CONCURRENCY overrides the count on a small machine. A request here
# is mostly Python on a core (bench/pagecost.py: 1–15 ms of CPU, well under 1 ms of it
# waiting for the local PostgreSQL), so more workers than this add memory, not
# throughput; with only one per core a core would sit idle while its worker waits on
# PostgreSQL or a slot booking's lock.
workers = int(os.environ.get("WEB_CONCURRENCY") or 2 * _cores() + 1)
# Sync, not gthread or gevent: nginx buffers slow clients, so a sync worker is never
# held by one; threads would share one GIL over CPU-bound requests, and nginx talks to
# gunicorn one request per connection over the socket, so keep-alive would gain nothing.
worker_class = "sync"
timeout = 30  # a request past this is killed and logged (exports included: see docs/deploy.md)
graceful_timeout = 30  # on restart, requests in flight get this long to finish
max_requests = 1000  # recycle workers now and then: a slow leak never grows for weeks
max_requests_jitter = 100  # ... but not all at the same moment
control_socket_disable = True  # gunicorn's control socket would want a home directory
forwarded_allow_ips = "127.0.0.1,::1"  # unix-socket peers (nginx) are trusted anyway

# No access log: paths carry her manage token. nginx writes a redacted one.
accesslog = None
errorlog = "-"
loglevel = "info"

_log_format = os.environ.get("CERCANIA_LOG_FORMAT") or "text"
if _log_format not in LOG_FORMATS:
    raise RuntimeError(
        f"CERCANIA_LOG_FORMAT must be one of {sorted(LOG_FORMATS)}, got {_log_format!r}"
    )
# gunicorn's own lines (start, worker timeouts, errors) go through the same redaction
# and format as the app's: the one configuration of cercania/lib/logformat.py.
logconfig_dict = console_logging(
    log_format=_log_format,
    loggers={
        "gunicorn.error": {"level": "INFO", "handlers": ["console"], "propagate": False},
        # A logging config turns gunicorn's access log on: keep it off (see above).
        "gunicorn.access": {"level": "CRITICAL", "handlers": [], "propagate": False},
    },
)
