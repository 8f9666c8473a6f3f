"""Every public page and the main staff pages in a real Chromium, at a phone's and a
laptop's size: axe-core finds no WCAG 2.2 A/AA violation, targets are at least 24×24
CSS px (SC 2.5.8), pages reflow at 320 px (SC 1.4.10), the keyboard focus is visible
(SC 2.4.7) and never hidden under the sticky exit bar (SC 2.4.11).

axe-core is vendored test tooling (vendor/axe-core/README.md), injected into each page;
the app never serves it. The app's Content-Security-Policy forbids any script it did not
serve (rightly), so these contexts bypass the CSP: it is the only way to run an injected
auditor. The CSP itself is tested apart (institute/tests/test_public_pages.py), and the
other browser tests run under it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.conf import settings
from django.test import Client
from playwright.sync_api import expect

from cercania.accounts.roles import Role
from cercania.accounts.services import staff_user_create
from cercania.accounts.testing import login_verified
from cercania.cases.models import Area, CreatedVia
from cercania.cases.services import ContactChoices, case_open, person_register
from cercania.conftest import local
from cercania.privacy.services import arco_request_register

pytestmark = [
    pytest.mark.browser,
    # The live server needs committed data, so these tests flush the database when they
    # end; serialized_rollback restores what migrations created (role groups, catalogues).
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    # Django's live server closes the shared SQLite connection from request threads.
    pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning"),
]

AXE = Path(__file__).resolve().parent / "vendor" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
SIZES = {"phone": (360, 740), "laptop": (1280, 800)}
NOW = local(2026, 11, 30, 8, 0)  # a Monday morning, before opening
MAX_TABS = 60  # enough for every control of these pages; bounds the runtime

CHECKS = Path(__file__).resolve().parent / "a11y_checks.js"


def _inject(page) -> None:
    """axe-core and our own checks, once per document."""
    if not page.evaluate("typeof window.axe !== 'undefined' && !!window.a11yChecks"):
        page.add_script_tag(path=str(AXE))
        page.add_script_tag(path=str(CHECKS))


def _axe_violations(page) -> list[str]:
    _inject(page)
    result = page.evaluate(
        "(tags) => axe.run(document,"
        " {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
        AXE_TAGS,
    )
    return [
        f"{v['id']} ({v['impact']}): {v['help']} → "
        + "; ".join(" ".join(node["target"]) for node in v["nodes"][:5])
        for v in result["violations"]
    ]


def _small_targets(page) -> list[str]:
    _inject(page)
    return [f"target under 24×24: {t}" for t in page.evaluate("a11yChecks.smallTargets()")]


def _reflow_problems(page) -> list[str]:
    _inject(page)
    size = page.viewport_size
    page.set_viewport_size({"width": 320, "height": 640})
    try:
        if not page.evaluate("document.documentElement.scrollWidth > window.innerWidth"):
            return []
        culprits = page.evaluate("a11yChecks.wideElements()")
        return [f"scrolls sideways at 320 px: {', '.join(culprits)}"]
    finally:
        page.set_viewport_size(size)


def _focus_problems(page, *, sticky_exit: bool) -> list[str]:
    """Tab through the page: each stop must look different focused than unfocused,
    and (on public pages) must not sit under the sticky exit bar, tabbing forwards
    or backwards (backwards is when a field scrolls in from under the bar)."""
    _inject(page)
    problems = []
    unfocused = page.evaluate("a11yChecks.markStops()")
    steps = min(len(unfocused) + 1, MAX_TABS)
    seen: set[int] = set()
    covered: set[str] = set()
    for key in ["Tab"] * steps + (["Shift+Tab"] * steps if sticky_exit else []):
        page.keyboard.press(key)
        stop = page.evaluate("(sticky) => a11yChecks.focused(sticky)", sticky_exit)
        if stop is None:
            continue
        if stop["covered"] and stop["name"] not in covered:
            covered.add(stop["name"])
            problems.append(f"focus hidden under the exit bar: {stop['name']}")
        if key == "Tab" and stop["index"] not in seen:
            seen.add(stop["index"])
            if stop["look"] == unfocused[stop["index"]]:
                problems.append(f"focus not visible on {stop['name']}")
    if not seen and unfocused:
        problems.append("the keyboard reaches no control")
    return problems


class Auditor:
    """Runs every check on a page at both sizes and collects the findings of the whole
    walk, so that one run lists everything to fix rather than stopping at the first page.

    The page is checked at the phone's size, then resized to the laptop's and checked
    again: the same document under the other media queries, without walking the flow
    twice (which would double the runtime)."""

    def __init__(self, screenshot: Callable[..., Path], prefix: str) -> None:
        self.screenshot, self.prefix = screenshot, prefix
        self.findings: dict[str, list[str]] = {}
        self.pages: list[str] = []

    def check(self, page, name: str, *, public: bool = True) -> None:
        self.pages.append(name)
        # A click that submits returns once the next page starts loading: the checks
        # wait for the whole page.
        page.wait_for_load_state()
        for size, (width, height) in SIZES.items():
            page.set_viewport_size({"width": width, "height": height})
            # The picture shows the page as it opens, not where the focus walk left it.
            page.evaluate("document.activeElement && document.activeElement.blur()")
            page.evaluate("window.scrollTo(0, 0)")
            self.screenshot(page, f"a11y-{self.prefix}-{len(self.pages):02d}-{name}-{size}")
            problems = _axe_violations(page)
            problems += _small_targets(page)
            if size == "phone":
                problems += _reflow_problems(page)
                # Focus styles do not change with the width; the exit bar's cover
                # matters most on the small screen.
                problems += _focus_problems(page, sticky_exit=public)
            if problems:
                self.findings[f"{name} at {size} ({page.url})"] = problems
        page.set_viewport_size(dict(zip(("width", "height"), SIZES["phone"], strict=True)))

    def assert_clean(self) -> None:
        report = "\n".join(
            f"{page}:\n  " + "\n  ".join(problems) for page, problems in self.findings.items()
        )
        assert not self.findings, f"accessibility problems:\n{report}"


@pytest.fixture
def jornada_code(make_jornada) -> str:
    return make_jornada(starts_on=date(2026, 11, 30), ends_on=date(2026, 12, 4)).code


def _new_context(browser):
    width, height = SIZES["phone"]
    return browser.new_context(viewport={"width": width, "height": height}, bypass_csp=True)


def test_every_public_page_passes_the_accessibility_checks(
    browser, live_server, screenshot, make_advisor, book, legal_service, jornada_code
):
    make_advisor()
    auditor = Auditor(screenshot, "public")
    with time_machine.travel(NOW, tick=False):
        token = book(legal_service, local(2026, 12, 1, 9, 0)).token
        context = _new_context(browser)
        page = context.new_page()
        url = live_server.url

        def visit(path: str, name: str) -> None:
            page.goto(url + path)
            auditor.check(page, name)

        def submit_empty(name: str) -> None:
            page.get_by_role("button", name="Continuar").click()
            expect(page, name).to_have_title(re.compile(r"^Error:"))
            auditor.check(page, name)

        def choose(label: str) -> None:
            page.get_by_label(label, exact=True).check()
            page.get_by_role("button", name="Continuar").click()

        visit("/", "inicio")
        visit("/seguridad/", "seguridad")
        visit("/privacidad/", "aviso-simplificado")
        visit("/privacidad/integral/", "aviso-integral")
        visit("/no-existe/", "404")

        # The booking flow, each step and its error state.
        visit("/agendar/", "modalidad")
        submit_empty("modalidad-error")
        choose("Llamada telefónica")
        auditor.check(page, "dia")
        submit_empty("dia-error")
        choose("lunes 30 de noviembre · 6 horarios")
        auditor.check(page, "hora")
        submit_empty("hora-error")
        choose("10:30")
        auditor.check(page, "nombre")
        submit_empty("nombre-error")
        # The browser lost its CSRF cookie with the page open (closed and restored):
        # the page that refuses the answer, then the same question again.
        context.clear_cookies(name=settings.CSRF_COOKIE_NAME)
        page.get_by_role("button", name="Continuar").click()
        auditor.check(page, "pagina-caducada")
        page.get_by_role("link", name="Abrir la página de nuevo").click()
        expect(page).to_have_url(re.compile(r"/agendar/nombre/$"))
        page.get_by_label("¿Cómo quieres que te llamemos?").fill("Ana")
        page.get_by_role("button", name="Continuar").click()
        auditor.check(page, "contacto")
        submit_empty("contacto-error")
        page.get_by_label("Teléfono", exact=True).fill("614 123 4567")
        page.get_by_label("Me pueden llamar a este teléfono").check()
        page.get_by_role("button", name="Continuar").click()
        auditor.check(page, "aviso")
        submit_empty("aviso-error")
        page.get_by_label("Leí el aviso de privacidad").check()
        page.get_by_role("button", name="Continuar").click()
        auditor.check(page, "revisar")
        page.get_by_role("button", name="Confirmar cita").click()
        auditor.check(page, "confirmada")

        visit(f"/jornada/{jornada_code}/", "jornada")
        visit("/jornada/NOEXISTE/", "jornada-desconocida")

        # Her manage link.
        visit(f"/cita/{token}/", "mi-cita")
        visit(f"/cita/{token}/cambiar/", "cambiar-dia")
        # Eight times that Tuesday, less her own 9:00 (never offered as a change).
        page.get_by_label("martes 1 de diciembre · 7 horarios").check()
        page.get_by_role("button", name="Ver horas").click()
        auditor.check(page, "cambiar-hora")
        visit(f"/cita/{token}/cancelar/", "cancelar")
        visit("/cita/un-enlace-que-no-existe/", "enlace-desconocido")
        context.close()
    auditor.assert_clean()


@pytest.fixture
def staff_world(migration_data, make_advisor, book, legal_service, jornada_code) -> dict[str, Any]:
    """An advisor with sessions today, a coordinator, a line operator, a woman with a
    legal case and an ARCO request: everything the main staff pages list."""
    with time_machine.travel(NOW, tick=False):
        advisor = make_advisor()
        book(legal_service, local(2026, 11, 30, 10, 30))
        book(legal_service, local(2026, 12, 2, 12, 0), modality="video")
        coordinator = staff_user_create(
            email="coordinacion@example.org",
            display_name="Coordinadora",
            roles=[Role.COORDINACION],
        )
        operator = staff_user_create(
            email="linea@example.org", display_name="Operadora", roles=[Role.LINEA]
        )
        person = person_register(
            name="Lucía Ramírez",
            phone="614 555 0101",
            email="",
            birth_year=1990,
            contact=ContactChoices(call=True),
            created_via=CreatedVia.STAFF,
            actor=coordinator,
        )
        case = case_open(person=person, area=Area.LEGAL, assignee=advisor.user, actor=coordinator)
        arco = arco_request_register(
            right="access",
            received_on=date(2026, 11, 27),
            description="Pide copia de sus datos.",
            by=coordinator,
            person=person,
        )
    return {
        "advisor": advisor.user,
        "coordinator": coordinator,
        "operator": operator,
        "person": person.public_id,
        "case": case.public_id,
        "arco": arco.public_id,
    }


@pytest.fixture
def staff_page(browser, live_server) -> Iterator[Callable[..., Any]]:
    contexts = []

    def open_for(user, *, verified: bool = True):
        client = Client()
        if verified:
            login_verified(client, user)
        else:
            from cercania.accounts.testing import totp_device_for

            totp_device_for(user)
            client.force_login(user)
        context = _new_context(browser)
        contexts.append(context)
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

    yield open_for
    for context in contexts:
        context.close()


def test_the_main_staff_pages_pass_the_accessibility_checks(
    browser, live_server, screenshot, staff_world, staff_page
):
    auditor = Auditor(screenshot, "staff")
    url = live_server.url
    world = staff_world
    with time_machine.travel(NOW, tick=False):
        anonymous = _new_context(browser)
        page = anonymous.new_page()
        for path, name in [
            ("/personal/entrar/", "entrar"),
            ("/personal/contrasena/", "contrasena"),
        ]:
            page.goto(url + path)
            auditor.check(page, name, public=False)
        page.goto(url + "/personal/entrar/")
        page.get_by_role("button", name="Entrar").click()
        auditor.check(page, "entrar-error", public=False)
        anonymous.close()

        page = staff_page(world["coordinator"], verified=False)
        page.goto(url + "/personal/verificar/")
        auditor.check(page, "verificar", public=False)

        page = staff_page(world["advisor"])
        for path, name in [
            ("/personal/", "inicio-personal"),
            ("/personal/agenda/", "agenda-dia"),
            ("/personal/agenda/?semana=2026-11-30", "agenda-semana"),
            ("/personal/expedientes/mi-trabajo/", "mi-trabajo"),
        ]:
            page.goto(url + path)
            auditor.check(page, name, public=False)

        page = staff_page(world["coordinator"])
        for path, name in [
            ("/personal/agenda/todas/", "agendas-coordinacion"),
            ("/personal/agenda/todas/?semana=2026-11-30", "agendas-coordinacion-semana"),
            ("/personal/agenda/jornadas/", "jornadas"),
            ("/personal/expedientes/", "expedientes"),
            (f"/personal/expedientes/casos/{world['case']}/", "expediente"),
            (f"/personal/expedientes/personas/{world['person']}/", "persona"),
            ("/personal/informes/", "informes"),
            ("/personal/bitacora/", "bitacora"),
            ("/personal/privacidad/arco/", "arco"),
            (f"/personal/privacidad/arco/{world['arco']}/", "arco-solicitud"),
        ]:
            page.goto(url + path)
            auditor.check(page, name, public=False)

        page = staff_page(world["operator"])
        page.goto(url + "/personal/expedientes/linea/")
        auditor.check(page, "linea", public=False)
        page.get_by_label("Teléfono de quien llama").fill("614 555 0101")
        with page.expect_navigation():
            page.keyboard.press("Enter")
        auditor.check(page, "linea-busqueda", public=False)
    auditor.assert_clean()


def test_the_checks_catch_what_they_look_for(browser, live_server, institute_config):
    """The auditor itself can fail: planted faults on a real page are each reported."""
    context = _new_context(browser)
    page = context.new_page()
    page.goto(live_server.url + "/seguridad/")
    page.evaluate(
        """() => {
          const main = document.querySelector('main');
          main.insertAdjacentHTML('afterbegin',
            '<img src="/static/none.png" width="10" height="10">'
            + '<button id="tiny" style="width:12px;height:12px;padding:0;border:0;'
            + 'outline:none;box-shadow:none">x</button>'
            + '<button id="near" style="width:12px;height:12px;padding:0">y</button>'
            + '<div style="width:900px">ancho</div>'
            + '<a id="under" href="#" style="position:fixed;top:8px;left:8px;z-index:1">bajo</a>');
          const style = document.createElement('style');
          style.textContent = '#tiny:focus-visible { outline: none; box-shadow: none; }';
          document.head.append(style);
        }"""
    )
    assert any(v.startswith("image-alt") for v in _axe_violations(page))
    assert any('"x" 12×12' in t for t in _small_targets(page))
    assert _reflow_problems(page) == ["scrolls sideways at 320 px: div (916 px)"]
    focus = _focus_problems(page, sticky_exit=True)
    assert 'focus not visible on button "x"' in focus
    assert 'focus hidden under the exit bar: a "bajo"' in focus
    context.close()
