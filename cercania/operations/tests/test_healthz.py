from datetime import timedelta
from unittest import mock

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import OperationalError
from django.utils import timezone

from cercania.notifications.tests.fakes import FakeSMTP, free_port
from cercania.operations.services import worker_heartbeat_record

MEMORY_MAIL = "django.core.mail.backends.locmem.EmailBackend"
SMTP_MAIL = "django.core.mail.backends.smtp.EmailBackend"


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()  # the SMTP probe is cached between requests
    yield
    cache.clear()


@pytest.fixture
def beating_worker():
    return worker_heartbeat_record(worker_id="w1", started_at=timezone.now())


@pytest.mark.django_db
def test_it_answers_200_ok_when_the_database_answers_and_the_worker_beats(
    client, settings, beating_worker
):
    settings.EMAIL_BACKEND = MEMORY_MAIL
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"] == "ok"
    assert body["worker"]["status"] == "ok"
    assert 0 <= body["worker"]["age_seconds"] < 60  # a busy test machine is slow
    assert body["worker"]["stale_after_seconds"] == settings.WORKER_STALE_SECONDS
    assert body["mail"] == {"backend": "memory", "status": "not_checked"}
    assert "no-store" in response["Cache-Control"]


@pytest.mark.django_db
def test_it_answers_503_when_the_database_is_unreachable(client):
    with mock.patch(
        "django.db.backends.utils.CursorWrapper.execute", side_effect=OperationalError("down")
    ):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "error", "database": "unreachable"}


@pytest.mark.django_db
def test_a_worker_that_never_ran_is_reported_but_the_check_stays_200(client, settings):
    settings.EMAIL_BACKEND = MEMORY_MAIL
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "degraded"
    assert body["worker"] == {
        "status": "never",
        "age_seconds": None,
        "stale_after_seconds": settings.WORKER_STALE_SECONDS,
    }


@pytest.mark.django_db
def test_a_worker_silent_past_the_setting_is_stale_with_its_age(client, settings):
    settings.EMAIL_BACKEND = MEMORY_MAIL
    settings.WORKER_STALE_SECONDS = 120
    now = timezone.now()
    worker_heartbeat_record(worker_id="old", started_at=now, now=now - timedelta(seconds=600))
    body = client.get("/healthz").json()
    assert body["status"] == "degraded"
    assert body["worker"]["status"] == "stale"
    assert 600 <= body["worker"]["age_seconds"] < 660
    # Another worker beating now makes the service healthy again: any live worker sends.
    worker_heartbeat_record(worker_id="new", started_at=now)
    assert client.get("/healthz").json()["worker"]["status"] == "ok"


@pytest.mark.django_db
def test_a_beat_forgets_workers_gone_for_a_day():
    from cercania.operations.models import WorkerHeartbeat

    now = timezone.now()
    worker_heartbeat_record(worker_id="gone", started_at=now, now=now - timedelta(days=2))
    worker_heartbeat_record(worker_id="live", started_at=now, now=now)
    assert list(WorkerHeartbeat.objects.values_list("worker_id", flat=True)) == ["live"]


# The worker recycles its database connections: only a transactional test survives that.
@pytest.mark.django_db(transaction=True)
def test_a_batch_run_of_the_worker_command_records_a_heartbeat(client, settings):
    settings.EMAIL_BACKEND = MEMORY_MAIL
    assert client.get("/healthz").json()["worker"]["status"] == "never"
    call_command("worker", "--batch", "--worker-id", "cron-1", verbosity=0)
    body = client.get("/healthz").json()
    assert body["worker"]["status"] == "ok"
    assert body["status"] == "ok"


@pytest.mark.django_db
def test_an_smtp_server_that_accepts_is_ok_and_the_answer_is_cached(
    client, settings, beating_worker
):
    server = FakeSMTP().start()
    settings.EMAIL_BACKEND = SMTP_MAIL
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", server.port
    try:
        assert client.get("/healthz").json()["mail"] == {"backend": "smtp", "status": "ok"}
    finally:
        server.stop()
    # Within a minute the cached answer stands: no connection per request.
    assert client.get("/healthz").json()["mail"]["status"] == "ok"
    cache.clear()
    body = client.get("/healthz").json()
    assert body["mail"] == {"backend": "smtp", "status": "unreachable"}
    assert body["status"] == "degraded"


@pytest.mark.django_db
def test_an_unreachable_smtp_server_is_reported_without_its_address_or_login(
    client, settings, beating_worker, caplog
):
    settings.EMAIL_BACKEND = SMTP_MAIL
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()
    settings.EMAIL_HOST_USER = "buzon-citas@example.org"
    settings.EMAIL_HOST_PASSWORD = "contrasena-smtp-secreta"
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["mail"] == {"backend": "smtp", "status": "unreachable"}
    said = response.content.decode() + caplog.text
    for secret in ("buzon-citas", "contrasena-smtp-secreta", str(settings.EMAIL_PORT)):
        assert secret not in said


@pytest.mark.django_db
def test_a_custom_mail_backend_is_reported_as_other(client, settings, beating_worker):
    settings.EMAIL_BACKEND = "somewhere.else.MailBackend"
    assert client.get("/healthz").json()["mail"] == {"backend": "other", "status": "not_checked"}


# ---------------------------------------------------------------- the audit trail's copy


@pytest.mark.django_db
def test_without_an_audit_copy_it_says_so_and_stays_ok(client, settings, beating_worker):
    settings.EMAIL_BACKEND = MEMORY_MAIL
    body = client.get("/healthz").json()
    assert body["audit_copy"] == {"destination": "off", "status": "not_checked"}
    assert body["status"] == "ok"


@pytest.mark.django_db
def test_a_listening_syslog_socket_is_ok(client, settings, beating_worker, audit_copy_to, tmp_path):
    import socket

    settings.EMAIL_BACKEND = MEMORY_MAIL
    address = str(tmp_path / "log.sock")
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as syslog:
        syslog.bind(address)
        audit_copy_to(f"syslog:{address}")
        body = client.get("/healthz").json()
    assert body["audit_copy"] == {"destination": "syslog", "status": "ok"}
    assert body["status"] == "ok"


@pytest.mark.django_db
def test_a_syslog_nobody_listens_on_degrades_without_naming_the_socket(
    client, settings, beating_worker, audit_copy_to, tmp_path
):
    settings.EMAIL_BACKEND = MEMORY_MAIL
    address = str(tmp_path / "nobody-here.sock")
    audit_copy_to(f"syslog:{address}")
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["audit_copy"] == {"destination": "syslog", "status": "unreachable"}
    assert response.json()["status"] == "degraded"
    assert "nobody-here" not in response.content.decode()


@pytest.mark.django_db
def test_a_copy_file_is_ok_while_its_folder_is_there(
    client, settings, beating_worker, audit_copy_to, tmp_path
):
    import shutil

    settings.EMAIL_BACKEND = MEMORY_MAIL
    folder = tmp_path / "copia"
    folder.mkdir()
    audit_copy_to(f"file:{folder / 'audit.jsonl'}")
    assert client.get("/healthz").json()["audit_copy"] == {"destination": "file", "status": "ok"}
    (folder / "audit.jsonl").unlink()  # logrotate moved it: it is opened again
    assert client.get("/healthz").json()["audit_copy"]["status"] == "ok"
    shutil.rmtree(folder)
    body = client.get("/healthz").json()
    assert body["audit_copy"] == {"destination": "file", "status": "unreachable"}
    assert body["status"] == "degraded"
