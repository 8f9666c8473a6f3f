"""A line operator logs two calls of the same woman and hands the second over to the
violence line, from the keyboard, in a real browser without JavaScript; the
violence-line worker then opens the case and applies the risk screening."""

from __future__ import annotations

import pytest
import time_machine
from django.conf import settings
from django.test import Client
from playwright.sync_api import expect

from cercania.accounts.testing import login_verified
from cercania.cases.models import Case, Contact
from cercania.conftest import local

pytestmark = [
    pytest.mark.browser,
    # The live server needs committed data, so these tests flush the database when they
    # end; serialized_rollback restores what migrations created (role groups, catalogues).
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    # Django's live server closes the shared SQLite connection from request threads.
    pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning"),
    pytest.mark.usefixtures("migration_data"),
]


def signed_in_page(browser, live_server, user):
    client = Client()
    login_verified(client, user)
    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, java_script_enabled=False
    )
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    return context.new_page()


def test_the_line_console_from_the_keyboard(
    browser, live_server, screenshot, operator, violence_worker
):
    with time_machine.travel(local(2026, 12, 1, 10, 0), tick=False):
        page = signed_in_page(browser, live_server, operator)
        page.goto(live_server.url + "/personal/expedientes/linea/")
        # The search field takes the focus by itself (autofocus): wait for it, then type.
        expect(page.get_by_label("Teléfono de quien llama")).to_be_focused()
        page.keyboard.type("614 321 0987")
        page.keyboard.press("Enter")
        # Enter sends the search: wait for its answer, not the page it leaves (a picture
        # taken while the browser navigates fails).
        register = page.get_by_role("button", name="Registrar a una persona nueva con este número")
        expect(register).to_be_visible()
        screenshot(page, "console-01-nobody")
        register.click()
        page.get_by_label("Nombre o alias").fill("Martha Ruiz")
        page.get_by_label("Se le puede llamar").check()
        screenshot(page, "console-02-register")
        page.get_by_label("Nombre o alias").press("Enter")  # Enter submits: no mouse needed
        page.get_by_label("Orientación", exact=True).check()
        page.get_by_label("Resumen de la llamada").fill("Dudas sobre pensión alimenticia")
        screenshot(page, "console-03-call")
        page.get_by_role("button", name="Guardar llamada (Alt+G)").click()
        expect(page.get_by_text("Llamada registrada.")).to_be_visible()

        page.get_by_label("Teléfono de quien llama").fill("(614) 321-09-87")
        page.get_by_role("button", name="Buscar").click()
        expect(page.get_by_text("Martha Ruiz").first).to_be_visible()
        expect(page.locator("body")).not_to_contain_text("Dudas sobre pensión")
        screenshot(page, "console-04-found")
        page.get_by_role("link", name="Es ella: registrar la llamada").click()
        page.get_by_role(
            "button", name="Guardar y transferir a la línea de violencia (Alt+V)"
        ).click()
        expect(page.get_by_text("Llamada transferida a la línea de violencia")).to_be_visible()
        screenshot(page, "console-05-handed-over")
    assert Contact.objects.count() == 2
    case = Case.objects.get()

    with time_machine.travel(local(2026, 12, 1, 10, 10), tick=False):
        page = signed_in_page(browser, live_server, violence_worker)
        page.goto(live_server.url + "/personal/expedientes/mi-trabajo/")
        page.get_by_role("link", name=case.folio).click()
        screening = page.get_by_role("link", name="Aplicar el tamizaje pendiente")
        expect(screening).to_be_visible()  # the case page, not the list it leaves
        screenshot(page, "console-06-case")
        screening.click()
        for number in (1, 3, 4, 6, 7, 8, 9):
            page.locator(f"#id_item_{number}").check()
        page.get_by_role("button", name="Calcular y guardar").click()
        expect(
            page.get_by_text("No se puede guardar sin registrar al menos una acción")
        ).to_be_visible()
        screenshot(page, "console-07-high-refused")
        page.get_by_label("Plan de seguridad").check()
        page.get_by_role("button", name="Calcular y guardar").click()
        expect(page.get_by_role("heading", name="Riesgo alto: números a la vista")).to_be_visible()
        screenshot(page, "console-08-high-saved")
