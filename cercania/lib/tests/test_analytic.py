"""Report queries run with their own PostgreSQL settings, for their transaction only."""

from __future__ import annotations

import pytest
from django.db import connection

from cercania.lib.analytic import REPORT_WORK_MEM, analytic_queries

# Autocommit outside the block, as in a request: SET LOCAL ends with the transaction
# (inside a test's own transaction it would last until the test's rollback).
pytestmark = pytest.mark.django_db(transaction=True)


def _show(setting: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SHOW {setting}")
        return str(cursor.fetchone()[0])


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL settings")
def test_reports_run_without_jit_and_with_more_work_mem_only_inside():
    before = (_show("jit"), _show("work_mem"))
    with analytic_queries():
        assert _show("jit") == "off"
        assert _show("work_mem") == REPORT_WORK_MEM
    assert (_show("jit"), _show("work_mem")) == before


def test_it_is_a_transaction_on_every_database():
    assert not connection.in_atomic_block
    with analytic_queries():
        assert connection.in_atomic_block
