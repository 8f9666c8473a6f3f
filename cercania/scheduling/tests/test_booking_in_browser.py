"""A woman books, sees, reschedules and cancels a session in a real browser on a
360 px phone screen and a 1280 px laptop, with JavaScript on and off."""

import re

import pytest
import time_machine
from playwright.sync_api import expect

from cercania.conftest import local

pytestmark = [
    pytest.mark.browser,
    # The live server needs committed data, so these tests flush the database when they
    # end; serialized_rollback restores what migrations created (role groups, catalogues).
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    # Django's live server closes the shared SQLite connection from request threads.
    pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning"),
]


SIZES = {"phone": (360, 740), "laptop": (1280, 800)}


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("javascript", [True, False], ids=["js", "nojs"])
def test_she_books_sees_reschedules_and_cancels(
    browser, live_server, screenshot, make_advisor, javascript, size
):
    make_advisor()
    width, height = SIZES[size]
    context = browser.new_context(
        viewport={"width": width, "height": height}, java_script_enabled=javascript
    )
    page = context.new_page()
    tag = f"{size}-{'js' if javascript else 'nojs'}"
    shots = 0

    def shot(name):
        nonlocal shots
        shots += 1
        # A click that submits returns once the next page starts loading, not when it
        # has loaded: the picture and the checks wait for the whole page.
        page.wait_for_load_state()
        screenshot(page, f"booking-{tag}-{shots:02d}-{name}")
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), name
        expect(page.get_by_role("link", name="Salir rápido"), name).to_be_visible()

    def choose_and_continue(label):
        page.get_by_label(label, exact=True).check()
        page.get_by_role("button", name="Continuar").click()

    with time_machine.travel(local(2026, 11, 30, 8, 0), tick=False):
        page.goto(live_server.url + "/agendar/")
        shot("modalidad")
        page.get_by_role("button", name="Continuar").click()  # nothing chosen: the error pattern
        expect(page).to_have_title(re.compile(r"^Error:"))
        expect(page.locator(".error-summary")).to_be_visible()
        shot("modalidad-error")
        choose_and_continue("Llamada telefónica")
        shot("dia")
        choose_and_continue("lunes 30 de noviembre · 6 horarios")
        shot("hora")
        choose_and_continue("10:30")
        page.get_by_label("¿Cómo quieres que te llamemos?").fill("Ana")
        page.get_by_role("button", name="Continuar").click()
        page.get_by_label("Teléfono", exact=True).fill("614 123 4567")
        page.get_by_label("Me pueden llamar a este teléfono").check()
        shot("contacto")
        page.get_by_role("button", name="Continuar").click()
        page.get_by_label("Leí el aviso de privacidad").check()
        shot("aviso")
        page.get_by_role("button", name="Continuar").click()
        shot("revisar")
        page.get_by_role("button", name="Confirmar cita").click()
        expect(page.get_by_role("heading", name="Cita confirmada")).to_be_visible()
        reference = page.locator(".reference").inner_text()
        shot("confirmada")

        page.locator(".manage-link a").click()
        expect(page.locator("main")).to_contain_text(reference)
        shot("mi-cita")
        page.get_by_role("link", name="Cambiar día u hora").click()
        choose = page.get_by_label("martes 1 de diciembre · 8 horarios")
        choose.check()
        page.get_by_role("button", name="Ver horas").click()
        page.get_by_label("9:00", exact=True).check()
        shot("cambiar")
        page.get_by_role("button", name="Cambiar a esta hora").click()
        expect(page.get_by_text("Listo: cambiamos tu cita.")).to_be_visible()
        expect(page.locator("main")).to_contain_text("martes 1 de diciembre, 9:00")
        page.get_by_role("link", name="Cancelar cita").click()
        shot("cancelar")
        page.get_by_role("button", name="Sí, cancelar la cita").click()
        expect(page.get_by_text("Cancelada por ella")).to_be_visible()
        shot("cancelada")
    context.close()
