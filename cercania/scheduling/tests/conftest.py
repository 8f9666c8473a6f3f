from __future__ import annotations

import pytest

from cercania.scheduling.tests.fake_zoom import FakeZoom


@pytest.fixture
def fake_zoom():
    """A running fake Zoom server on 127.0.0.1 (random port), stopped after the test."""
    zoom = FakeZoom().start()
    yield zoom
    zoom.stop()
