"""Every report read through the site runs its aggregates under the analytic settings
(lib/analytic.py: JIT off, more work_mem), not only the dashboard's tables."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's settings"),
]
WEEK = {"desde": "2026-12-01", "hasta": "2026-12-07"}
JIT_OFF = "SET LOCAL jit = off"


def read_under_analytic_settings(client, url: str, params: dict, table: str) -> list[str]:
    """The queries of one request; asserts that the first one reading `table` comes
    after the analytic settings were taken."""
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params)
    assert response.status_code == 200
    queries = [q["sql"] for q in captured.captured_queries]
    assert JIT_OFF in queries, "the request never took the analytic settings"
    first_read = next(n for n, sql in enumerate(queries) if f'"{table}"' in sql)
    assert queries.index(JIT_OFF) < first_read
    return queries


def test_a_table_exported_alone_is_read_under_the_analytic_settings(world, coordinator, client_for):
    read_under_analytic_settings(
        client_for(coordinator),
        reverse("reports:export"),
        {**WEEK, "tabla": "sesiones", "formato": "csv"},
        "scheduling_appointment",
    )


def test_the_dashboards_rates_are_read_under_the_analytic_settings(world, coordinator, client_for):
    queries = read_under_analytic_settings(
        client_for(coordinator), reverse("reports:dashboard"), WEEK, "scheduling_appointment"
    )
    # The tables of both periods (2), their medians (2), and each of the three other
    # rates of both periods (no-shows, referrals concluded, occupancy: 6).
    assert queries.count(JIT_OFF) >= 2 + 2 + 6


def test_the_open_data_file_is_read_under_the_analytic_settings(world, coordinator, client_for):
    read_under_analytic_settings(
        client_for(coordinator),
        reverse("reports:open_data"),
        {"desde": "2026-12-01", "hasta": "2026-12-31", "archivo": "datos"},
        "cases_case",
    )


def test_the_partner_report_is_read_under_the_analytic_settings(world, liaison, client_for):
    from cercania.partners.models import Liaison, Organization

    Liaison.objects.create(
        user=liaison, organization=Organization.objects.get(name="Emerson Termotec")
    )
    read_under_analytic_settings(
        client_for(liaison), reverse("reports:partner"), {}, "scheduling_appointment"
    )
