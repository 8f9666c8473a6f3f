from io import StringIO

import pytest
from django.apps import apps
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command

from cercania.accounts.roles import Role


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


@pytest.mark.django_db(transaction=True)
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


@pytest.mark.django_db(transaction=True)
def test_it_prints_a_working_login_for_every_role(settings):
    output = StringIO()
    call_command("demo", "--no-serve", stdout=output)
    lines = [
        line.split() for line in output.getvalue().splitlines() if "@demo.cercania.invalid" in line
    ]
    assert {line[0] for line in lines} == set(Role.values)
    for _role, email, password in lines:
        assert authenticate(username=email, password=password) is not None
    # A second run prints the same credentials again (kept in var/).
    again = StringIO()
    call_command("demo", "--no-serve", stdout=again)
    assert [
        line.split() for line in again.getvalue().splitlines() if "@demo.cercania.invalid" in line
    ] == lines


@pytest.mark.django_db
def test_it_refuses_to_run_with_debug_off(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="CERCANIA_DEBUG"):
        call_command("demo", "--no-serve")
