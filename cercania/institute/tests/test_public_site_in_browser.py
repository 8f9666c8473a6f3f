"""The public site in a real headless Chromium, at a phone's and a laptop's width."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

pytestmark = [
    pytest.mark.browser,
    # The live server needs committed data, so these tests flush the database when they
    # end; serialized_rollback restores what migrations created (role groups, catalogues).
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.usefixtures("institute_config"),
    # Django's live server closes the shared in-memory SQLite connection from its
    # request threads; the close is refused and nothing is lost.
    pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning"),
]
SIZES = {"phone": (360, 740), "laptop": (1280, 800)}


@pytest.mark.parametrize("size", SIZES)
def test_the_home_page_shows_the_lines_the_hours_state_and_the_exit_button(
    browser, live_server, screenshot, size
):
    width, height = SIZES[size]
    # An English-language phone still gets Spanish: only the selector switches it.
    context = browser.new_context(viewport={"width": width, "height": height}, locale="en-US")
    page = context.new_page()
    outside_requests: list[str] = []
    page.on(
        "request",
        lambda r: None if r.url.startswith(live_server.url) else outside_requests.append(r.url),
    )

    page.goto(live_server.url + "/")

    exit_button = page.get_by_role("link", name="Salir rápido")
    assert exit_button.is_visible()
    box = exit_button.bounding_box()
    assert box is not None and box["y"] < 80 and box["height"] >= 24
    assert page.get_by_role("link", name="Llamar al 614-4-90-07-89").is_visible()
    assert page.get_by_text("614-4-10-23-05").first.is_visible()
    assert page.locator(".status").first.inner_text().startswith(("Abierto ahora", "Cerrado"))
    # Reflows without sideways scrolling at a phone's width.
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    screenshot(page, f"home-{size}")
    # Still at the top of the viewport after scrolling: the exit stays one tap away.
    page.mouse.wheel(0, 2000)
    assert exit_button.bounding_box()["y"] < 60
    assert outside_requests == []
    context.close()


@pytest.mark.parametrize("how", ["click", "shift-three-times"])
def test_the_exit_leaves_the_site_and_back_does_not_return_to_the_page(
    browser, live_server, settings, how
):
    settings.EXIT_URL = live_server.url + "/healthz"
    context = browser.new_context()
    page = context.new_page()
    page.goto(live_server.url + "/")
    page.get_by_role("link", name="Navegar con seguridad").click()
    page.wait_for_url("**/seguridad/")
    entries_before = page.evaluate("history.length")
    if how == "click":
        page.get_by_role("link", name="Salir rápido").click()
    else:
        for _ in range(3):
            page.keyboard.press("Shift")
    page.wait_for_url("**/healthz")
    # location.replace: the page she was reading is no longer in the tab's history, so
    # "Back" skips it. (Pages read before it stay: no script can erase those; the
    # safety page tells her how to clear the history.)
    assert page.evaluate("history.length") == entries_before
    page.go_back()
    assert page.url == live_server.url + "/"
    assert "/seguridad/" not in page.url
    context.close()


def test_shift_pressed_with_other_keys_does_not_leave(browser, live_server):
    """Typing capitals (Shift held with letters) in a field is not the shortcut."""
    context = browser.new_context()
    page = context.new_page()
    page.goto(live_server.url + "/seguridad/")
    page.keyboard.press("Shift+A")
    page.keyboard.press("Shift+N")
    page.keyboard.press("Shift+A")
    page.wait_for_timeout(300)
    assert page.url == live_server.url + "/seguridad/"
    context.close()


def test_the_exit_button_works_with_javascript_off(browser, live_server, settings):
    settings.EXIT_URL = live_server.url + "/healthz"
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(live_server.url + "/")
    page.get_by_role("link", name="Salir rápido").click()
    page.wait_for_url("**/healthz")
    context.close()


def test_a_saturday_shows_closed_until_monday(browser, live_server):
    context = browser.new_context()
    page = context.new_page()
    with time_machine.travel(
        datetime(2026, 11, 28, 11, 0, tzinfo=ZoneInfo("America/Chihuahua")), tick=False
    ):
        page.goto(live_server.url + "/")
        status = page.locator(".status").first.inner_text()
    assert status == "Cerrado · abre el lunes 30 de noviembre a las 9:00"
    context.close()
