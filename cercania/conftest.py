"""Fixtures shared by every app's tests. Data is built through the service functions."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from cercania.institute.services import closed_days_sync_federal, institute_configure, load_profile
from cercania.operations.demo import PROFILE
from cercania.partners.services import partners_configure


@pytest.fixture
def imm_profile() -> dict:
    return load_profile(PROFILE)


@pytest.fixture
def institute_config(db, imm_profile):
    """The IMM Chihuahua configuration with the federal closed days of 2026–2027."""
    institute_configure(profile=imm_profile)
    partners_configure(profile=imm_profile)
    closed_days_sync_federal(years=range(2026, 2028))
    return imm_profile


@pytest.fixture(autouse=True)
def _isolated_var_dir(tmp_path, settings):
    # Commands that write to var/ (demo credentials) write to a per-test folder.
    settings.VAR_DIR = tmp_path


@pytest.fixture
def a_monday() -> date:
    return date(2026, 11, 30)


BROWSER_ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


@pytest.fixture(scope="session")
def browser():
    """Debian's chromium driven by Playwright (no browser download)."""
    import os

    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the ORM calls the
    # tests make between page actions are still synchronous and safe.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    executable = os.environ.get("CHROMIUM", "/usr/bin/chromium")
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(
            executable_path=executable,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield instance
        instance.close()


@pytest.fixture
def screenshot():
    def take(page, name: str) -> Path:
        BROWSER_ARTIFACTS.mkdir(exist_ok=True)
        path = BROWSER_ARTIFACTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take
