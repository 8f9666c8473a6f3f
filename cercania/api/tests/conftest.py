"""Fixtures of the API tests (helpers.py has the rest)."""

from __future__ import annotations

import pytest
import time_machine

from .helpers import NOW, Api


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def advisor(make_advisor):
    return make_advisor()


@pytest.fixture
def api(client) -> Api:
    return Api(client)
