"""The institute's profile is read once per process; every change still shows.

Transactional tests: inside the usual test transaction the copy is never kept (see
public_profile.py), so these are the tests where the cache is really in use.
"""

from __future__ import annotations

import pytest
import time_machine
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext

from cercania.accounts.models import User
from cercania.accounts.testing import login_verified
from cercania.conftest import local
from cercania.institute import public_profile
from cercania.institute.models import Institute, Service
from cercania.institute.services import institute_configure

pytestmark = pytest.mark.django_db(transaction=True)

PROFILE = {
    "institute": {"name": "Instituto Municipal de las Mujeres", "short_name": "IMM"},
    "emergency_lines": [{"label": "Emergencias", "number": "911"}],
}


def queries_of(client: Client, path: str) -> tuple[str, int]:
    with CaptureQueriesContext(connection) as captured:
        html = client.get(path).content.decode()
    return html, len(captured)


@pytest.fixture
def admin_client() -> Client:
    client = Client()
    login_verified(client, User.objects.create_superuser(email="sistemas@example.mx"))
    return client


def institute_form(institute: Institute, **changes: str) -> dict[str, str]:
    data = {
        "name": institute.name,
        "short_name": institute.short_name,
        "municipality": "",
        "state": "",
        "folio_prefix": institute.folio_prefix,
        "website_url": "",
        "facebook_url": "",
        "emergency_lines-TOTAL_FORMS": "0",
        "emergency_lines-INITIAL_FORMS": "0",
        "emergency_lines-MIN_NUM_FORMS": "0",
        "emergency_lines-MAX_NUM_FORMS": "1000",
    }
    data.update(changes)
    return data


def test_the_public_pages_read_the_profile_once_then_reuse_it(client):
    institute_configure(profile=PROFILE)
    _html, first = queries_of(client, "/seguridad/")
    html, again = queries_of(client, "/seguridad/")

    assert "Instituto Municipal de las Mujeres" in html and "911" in html
    assert first > 0
    assert again == 0


def test_the_institute_configured_through_its_service_shows_at_once(client):
    assert "Instituto Municipal de las Mujeres" not in client.get("/").content.decode()

    institute_configure(profile=PROFILE)

    html = client.get("/").content.decode()
    assert "Instituto Municipal de las Mujeres" in html and "911" in html


def test_a_name_changed_in_the_admin_shows_on_the_next_public_page(client, admin_client):
    institute_configure(profile=PROFILE)
    institute = Institute.objects.get()
    assert "Instituto Municipal de las Mujeres" in client.get("/").content.decode()

    response = admin_client.post(
        f"/admin/institute/institute/{institute.pk}/change/",
        institute_form(institute, name="Instituto de las Mujeres de Prueba"),
    )

    assert response.status_code == 302
    html = client.get("/").content.decode()
    assert "Instituto de las Mujeres de Prueba" in html
    assert "Instituto Municipal de las Mujeres" not in html


def test_a_service_taken_offline_leaves_the_booking_flow_at_once(client, legal_service):
    assert client.get("/agendar/")["Location"] == "/agendar/modalidad/"

    legal_service.bookable_online = False
    legal_service.save(update_fields=["bookable_online"])

    assert "Por ahora no se puede agendar en línea" in client.get("/agendar/").content.decode()


def test_a_closed_day_added_in_the_admin_leaves_the_days_offered_at_once(
    client, admin_client, make_advisor
):
    make_advisor()
    with time_machine.travel(local(2026, 11, 30, 8, 0), tick=False):
        client.get("/agendar/")
        client.post("/agendar/modalidad/", {"modality": "phone"})
        assert 'value="2026-12-03"' in client.get("/agendar/dia/").content.decode()

        response = admin_client.post(
            "/admin/institute/closedday/add/",
            {"date": "2026-12-03", "reason": "Día del instituto", "origin": "local"},
        )

        assert response.status_code == 302
        html = client.get("/agendar/dia/").content.decode()
        assert 'value="2026-12-03"' not in html and 'value="2026-12-04"' in html


def test_another_process_change_shows_within_the_documented_time(client, monkeypatch):
    # Another gunicorn worker's write sends no signal to this process: an UPDATE
    # stands for it (no signal either). The old name stays until the copy is too old.
    institute_configure(profile=PROFILE)
    clock = [1000.0]
    monkeypatch.setattr(public_profile, "_monotonic", lambda: clock[0])
    public_profile.profile_changed()
    assert "Instituto Municipal de las Mujeres" in client.get("/").content.decode()

    Institute.objects.update(name="Instituto de las Mujeres de Prueba")
    clock[0] += public_profile.MAX_AGE_SECONDS - 1
    assert "Instituto Municipal de las Mujeres" in client.get("/").content.decode()

    clock[0] += 1
    assert "Instituto de las Mujeres de Prueba" in client.get("/").content.decode()


def test_a_copy_read_inside_a_transaction_is_not_kept():
    institute_configure(profile=PROFILE)
    with transaction.atomic():
        Institute.objects.update(name="Nombre que nunca se confirma")
        inside = public_profile.public_profile().institute
        assert inside is not None and inside.name == "Nombre que nunca se confirma"
        transaction.set_rollback(True)

    after = public_profile.public_profile().institute
    assert after is not None and after.name == "Instituto Municipal de las Mujeres"


def test_a_copy_loaded_while_a_change_happens_is_not_kept(monkeypatch):
    institute_configure(profile=PROFILE)
    real_first = Institute.objects.first

    def first_then_a_change_elsewhere():
        found = real_first()
        Service.objects.create(code="x", name="X", session_minutes=30)  # bumps the version
        return found

    monkeypatch.setattr(Institute.objects, "first", first_then_a_change_elsewhere)
    public_profile.public_profile()
    monkeypatch.undo()

    assert [s.code for s in public_profile.public_profile().services] == ["x"]


def test_the_parts_kept_with_the_profile_follow_her_language(client):
    institute_configure(profile=PROFILE)
    assert "Salir rápido" in client.get("/").content.decode()

    client.post("/i18n/setlang/", {"language": "en", "next": "/"})

    html = client.get("/").content.decode()
    assert "Quick exit" in html and "Salir rápido" not in html
    # The language choices are kept the same way: each language marks itself.
    assert '<label for="idioma">Language</label>' in html
    assert '<option value="en" selected>' in html and '<option value="es-mx">' in html
    spanish = Client().get("/").content.decode()
    assert "Salir rápido" in spanish and '<label for="idioma">Idioma</label>' in spanish
    assert '<option value="es-mx" selected>' in spanish and '<option value="en">' in spanish


def test_an_emergency_line_added_shows_in_every_page_footer_at_once(client):
    institute_configure(profile=PROFILE)
    assert "089" not in client.get("/seguridad/").content.decode()

    institute_configure(
        profile={**PROFILE, "emergency_lines": [{"label": "Denuncia anónima", "number": "089"}]}
    )

    html = client.get("/seguridad/").content.decode()
    assert 'href="tel:089"' in html and 'href="tel:911"' in html
