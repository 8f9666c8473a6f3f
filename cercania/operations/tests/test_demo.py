from base64 import b32decode
from io import StringIO

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from cercania.accounts.models import StaffTOTPDevice
from cercania.accounts.roles import Role
from cercania.operations.demo import DEMO_STAFF, credentials_path


def row_counts() -> dict[str, int]:
    return {
        m._meta.label: m._default_manager.count()
        for m in apps.get_models()
        if m._meta.label != "sessions.Session"
    }


@pytest.fixture(autouse=True)
def _debug_on(settings):
    # pytest-django runs with DEBUG off; the demo only runs in development mode.
    settings.DEBUG = True


@pytest.mark.django_db
def test_running_it_twice_duplicates_nothing(settings):
    first_output = StringIO()
    call_command("demo", "--no-serve", stdout=first_output)
    first = row_counts()
    call_command("demo", "--no-serve", stdout=StringIO())
    assert row_counts() == first
    assert first["institute.Service"] == 2
    assert first["partners.Organization"] == 2
    assert first["partners.Agreement"] == 1
    assert first["institute.ClosedDay"] >= 14


def demo_logins(output: str) -> list[list[str]]:
    return [line.split() for line in output.splitlines() if "@demo.cercania.invalid" in line]


@pytest.mark.django_db
def test_it_prints_a_working_login_for_every_role(settings):
    output = StringIO()
    call_command("demo", "--no-serve", stdout=output)
    lines = demo_logins(output.getvalue())
    assert {line[0] for line in lines} == set(Role.values)
    assert "cercania demo_otp" in output.getvalue()
    for _role, email, password in lines:
        # Through HTTP, as a newcomer would: password, then the code demo_otp prints.
        client = Client()
        response = client.post(reverse("accounts:login"), {"username": email, "password": password})
        assert response.status_code == 302
        assert response["Location"] == reverse("accounts:verify")
        code = StringIO()
        call_command("demo_otp", email, stdout=code, stderr=StringIO())
        response = client.post(reverse("accounts:verify"), {"code": code.getvalue().strip()})
        assert response.status_code == 302
        assert response["Location"] == reverse("accounts:home")
        assert client.get(reverse("accounts:home")).status_code == 200
    # A second run prints the same credentials again (kept in var/).
    again = StringIO()
    call_command("demo", "--no-serve", stdout=again)
    assert demo_logins(again.getvalue()) == lines


@pytest.mark.django_db
def test_it_keeps_passwords_and_totp_keys_in_a_private_file(settings):
    call_command("demo", "--no-serve", stdout=StringIO())
    path = credentials_path()
    assert path.stat().st_mode & 0o777 == 0o600
    rows = [line.split("\t") for line in path.read_text().splitlines()]
    assert len(rows) == len(DEMO_STAFF)
    for _role, email, _password, key in rows:
        device = StaffTOTPDevice.objects.get(user__email=email, confirmed=True)
        assert b32decode(key) == device.bin_key
    call_command("demo", "--no-serve", stdout=StringIO())
    assert [line.split("\t") for line in path.read_text().splitlines()] == rows
    assert StaffTOTPDevice.objects.count() == len(DEMO_STAFF)


@pytest.mark.django_db
def test_it_refuses_to_run_with_debug_off(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="CERCANIA_DEBUG"):
        call_command("demo", "--no-serve")


@pytest.mark.django_db
def test_it_sets_up_agendas_and_an_open_jornada_with_bookable_times(settings):
    from datetime import timedelta

    from django.utils import timezone

    from cercania.scheduling.models import Advisor, Jornada
    from cercania.scheduling.selectors import bookable_slots

    output = StringIO()
    call_command("demo", "--no-serve", stdout=output)
    jornada = Jornada.objects.get(status=Jornada.Status.OPEN)
    assert f"/jornada/{jornada.code}/" in output.getvalue()
    assert jornada.organization.name == "Emerson Termotec"
    assert Advisor.objects.filter(services__code="juridico").count() == 2
    assert Advisor.objects.filter(services__code="violencia").count() == 1
    legal = jornada.services.get()
    slots = bookable_slots(
        service=legal, first_day=jornada.starts_on, last_day=jornada.ends_on, jornada=jornada
    )
    assert slots
    general = bookable_slots(
        service=legal,
        first_day=timezone.localdate(),
        last_day=timezone.localdate() + timedelta(days=14),
    )
    assert general
    # An advisor held for the jornada is never offered on the general agenda then.
    held = {(s.start, a) for s in slots for a in s.advisor_ids}
    assert not held & {(s.start, a) for s in general for a in s.advisor_ids}
