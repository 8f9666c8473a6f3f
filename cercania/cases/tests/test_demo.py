"""The fictional demo case files."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from cercania.cases.demo import FICTIONAL, cases_demo
from cercania.cases.models import Case, Contact, Person, RiskAssessment
from cercania.conftest import local
from cercania.operations.demo import demo_setup

pytestmark = pytest.mark.django_db

TODAY = date(2026, 12, 2)


@pytest.fixture
def demo(time_machine):
    time_machine.move_to(local(2026, 12, 2, 8, 0), tick=False)
    # The demo setup creates the staff and then the case files (cases_demo).
    return demo_setup(today=TODAY).created


def test_it_creates_30_fictional_people_with_mixed_cases(demo):
    assert demo["people"] == 30 and Person.objects.count() == 30
    assert all(p.name.endswith(FICTIONAL) for p in Person.objects.all())
    assert all(p.phone.startswith("+52614000") for p in Person.objects.all())
    areas = set(Case.objects.values_list("area", flat=True))
    assert areas == {"legal", "violence"}
    assert Case.objects.filter(status="closed").exists()
    assert RiskAssessment.objects.filter(status="pending").exists()
    assert RiskAssessment.objects.filter(level="high").exists()


def test_contacts_spread_over_the_last_three_months(demo):
    moments = sorted(Contact.objects.values_list("started_at", flat=True))
    first, last = moments[0].date(), moments[-1].date()
    assert TODAY - timedelta(days=95) <= first and last <= TODAY
    assert (last - first).days > 45
    assert Contact.objects.filter(person__isnull=True).count() == 3
    assert Contact.objects.filter(out_of_hours=True).exists()


def test_it_runs_once(demo):
    assert cases_demo(today=TODAY) == {}
    assert Person.objects.count() == 30
