"""CERCANIA_LOG_FORMAT, checked through the handler settings.LOGGING configures.

Each case starts a fresh interpreter: the logging configuration is made once, at
django.setup(), from the environment.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
TOKEN = "dQlfdUHNh9TK9Qtak3ILHvOWI2Hh_bA-doAWi5EaAPo"

# Logs as Django does: a 404 record with the request attached (its repr has the path),
# then an error whose exception text quotes the path.
LOG_SOME_LINES = f"""
import django, logging
django.setup()
from django.test import RequestFactory
request = RequestFactory().get("/cita/{TOKEN}/")
logging.getLogger("django.request").warning(
    "Not Found: %s", request.path, extra={{"status_code": 404, "request": request}}
)
try:
    raise ValueError("no se pudo leer /api/v1/bookings/{TOKEN}")
except ValueError:
    logging.getLogger("cercania.test").exception("falló la lectura")
"""


def run(code: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v for k, v in os.environ.items() if not k.startswith("CERCANIA_") and k != "DATABASE_URL"
    }
    clean |= {"DJANGO_SETTINGS_MODULE": "cercania.settings", **env}
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=180,  # a fresh interpreter imports Django: slow on a busy machine
        check=False,
    )


def test_json_format_writes_one_object_per_line_without_the_token(tmp_path):
    result = run(LOG_SOME_LINES, CERCANIA_LOG_FORMAT="json", CERCANIA_VAR_DIR=str(tmp_path))
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 2
    not_found, failure = lines
    assert not_found["level"] == "WARNING"
    assert not_found["logger"] == "django.request"
    assert not_found["message"] == "Not Found: /cita/[redactado]/"
    assert not_found["status_code"] == 404
    assert set(not_found) == {"time", "level", "logger", "message", "process", "status_code"}
    assert failure["level"] == "ERROR"
    assert failure["message"] == "falló la lectura"
    assert "ValueError: no se pudo leer /api/v1/bookings/[redactado]" in failure["exception"]
    assert failure["time"].endswith("+00:00")
    assert TOKEN not in result.stderr


def test_text_format_is_the_default_and_redacts_tracebacks_too(tmp_path):
    result = run(LOG_SOME_LINES, CERCANIA_VAR_DIR=str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert "WARNING django.request Not Found: /cita/[redactado]/" in result.stderr
    assert "ValueError: no se pudo leer /api/v1/bookings/[redactado]" in result.stderr
    assert TOKEN not in result.stderr
    assert not result.stderr.lstrip().startswith("{")


def test_an_unknown_log_format_refuses_to_start_naming_the_variable(tmp_path):
    result = run(
        "import django; django.setup()", CERCANIA_LOG_FORMAT="xml", CERCANIA_VAR_DIR=str(tmp_path)
    )
    assert result.returncode != 0
    assert "CERCANIA_LOG_FORMAT must be one of ['json', 'text'], got 'xml'" in result.stderr
