"""The dashboard read on two connections at once gives the tables it gives on one."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection

from cercania.reports import selectors
from cercania.reports.selectors import Filters

# Committed rows (not a test transaction): the second connection must see them.
pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="several connections"),
]
WEEK = Filters(start=date(2026, 12, 1), end=date(2026, 12, 7))


def test_two_connections_give_the_same_tables_in_the_same_order(world, settings):
    settings.REPORT_QUERY_CONNECTIONS = 1
    one_by_one = selectors.dashboard(WEEK)
    settings.REPORT_QUERY_CONNECTIONS = 2
    at_once = selectors.dashboard(WEEK)
    assert [t.key for t in at_once] == [t.key for t in one_by_one]
    assert [(t.rows, t.total) for t in at_once] == [(t.rows, t.total) for t in one_by_one]
    women = at_once[0]
    assert (women.key, women.total) == ("mujeres", 2)  # the week's known answer
