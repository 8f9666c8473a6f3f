"""The interactive docs in a real headless Chromium: Swagger UI runs under the site's CSP."""

import pytest

pytestmark = [
    pytest.mark.browser,
    # The live server needs committed data, so these tests flush the database when they
    # end; serialized_rollback restores what migrations created (role groups, catalogues).
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.usefixtures("institute_config"),
    # Django's live server closes the shared SQLite connection from its request
    # threads; the close is refused and nothing is lost.
    pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning"),
]


def test_the_docs_render_every_operation_with_no_csp_violation_and_no_outside_request(
    browser, live_server, screenshot
):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    outside: list[str] = []
    page.on(
        "request", lambda r: None if r.url.startswith(live_server.url) else outside.append(r.url)
    )
    console_errors: list[str] = []
    page.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)
    page.add_init_script(
        "window.__csp = [];"
        "document.addEventListener('securitypolicyviolation',"
        " e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));"
    )

    page.goto(live_server.url + "/api/v1/docs")
    page.locator(".opblock").first.wait_for(timeout=15_000)

    assert page.locator(".opblock").count() == 8
    assert page.get_by_text("/api/v1/bookings/{token}/reschedule").first.is_visible()
    # Opening an operation renders its schema (React, syntax highlighting) too.
    page.locator(".opblock-summary").nth(3).click()
    page.locator(".opblock-body").first.wait_for()
    screenshot(page, "api-docs")
    assert page.evaluate("window.__csp") == []
    assert [e for e in console_errors if "Content Security Policy" in e] == []
    assert outside == []
    context.close()
