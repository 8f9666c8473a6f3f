"""The files in deploy/ stay in step with the code (fast; the real run is test_deploy.py)."""

import re
import runpy
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
VARIABLE = re.compile(r"\b(?:CERCANIA_[A-Z0-9_]+|DATABASE_URL)\b")


def template_variables() -> set[str]:
    text = (ROOT / "deploy" / "cercania.env.example").read_text()
    # "KEY=" or "# KEY=": every variable appears as an assignment, set or commented.
    return set(re.findall(r"^#? ?([A-Z][A-Z0-9_]+)=", text, flags=re.MULTILINE))


def test_the_environment_template_lists_every_variable_settings_read():
    read = set(VARIABLE.findall((ROOT / "cercania" / "settings.py").read_text()))
    assert len(read) > 50
    assert read - template_variables() == set()


def test_the_environment_template_lists_every_variable_of_the_readme():
    readme = (ROOT / "README.md").read_text()
    table = readme[readme.index("## Configuration") :]
    documented = set(VARIABLE.findall(table))
    assert documented - template_variables() == set()


def test_gunicorn_runs_two_workers_per_core_plus_one(monkeypatch):
    monkeypatch.delenv("WEB_CONCURRENCY", raising=False)
    monkeypatch.setattr("os.sched_getaffinity", lambda pid: {0, 1, 2})
    config = runpy.run_path(str(ROOT / "deploy" / "gunicorn.conf.py"))
    assert config["workers"] == 7
    assert config["bind"] == ["unix:/run/cercania/web.sock"]
    assert config["accesslog"] is None  # paths carry her manage token
    monkeypatch.setenv("WEB_CONCURRENCY", "3")
    assert runpy.run_path(str(ROOT / "deploy" / "gunicorn.conf.py"))["workers"] == 3


def test_gunicorn_refuses_an_unknown_log_format(monkeypatch):
    monkeypatch.setenv("CERCANIA_LOG_FORMAT", "yaml")
    with pytest.raises(RuntimeError, match="CERCANIA_LOG_FORMAT must be one of"):
        runpy.run_path(str(ROOT / "deploy" / "gunicorn.conf.py"))


def test_the_socket_gunicorn_binds_is_the_one_systemd_and_nginx_use():
    socket_unit = (ROOT / "deploy" / "systemd" / "cercania-web.socket").read_text()
    nginx = (ROOT / "deploy" / "nginx" / "cercania.conf").read_text()
    assert "ListenStream=/run/cercania/web.sock" in socket_unit
    assert "server unix:/run/cercania/web.sock" in nginx
