"""The monthly PDF report through HTTP: it renders, reads back as text with the
institute's name (from its profile), the period and known figures; it is audited."""

from __future__ import annotations

import io
import re
from datetime import date

import pytest
import time_machine
from django.urls import reverse
from pypdf import PdfReader

from cercania.conftest import local
from cercania.privacy.models import AuditEvent

pytestmark = pytest.mark.django_db


def _text(response) -> tuple[int, str]:
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(response.content))
    text = "\n".join(page.extract_text() for page in reader.pages)
    return len(reader.pages), re.sub(r"[ \t]+", " ", text)


def _monthly(client, **query):
    return client.get(reverse("reports:monthly"), query)


def test_the_pdf_has_the_institute_the_period_and_the_figures(world, coordinator, client_for):
    from cercania.institute.models import Institute

    # The name comes from the institute's profile, whatever it is.
    Institute.objects.update(name="Instituto de las Mujeres de Prueba")
    pages, text = _text(_monthly(client_for(coordinator), mes="2026-12"))
    assert pages >= 1
    assert "Instituto de las Mujeres de Prueba" in text
    assert "diciembre de 2026" in text and "01/12/2026" in text and "31/12/2026" in text
    assert re.search(r"Atendidas\s+3\b", text)  # sessions attended that week
    assert re.search(r"Llamada recibida\s+2\b", text)
    assert "Del primer contacto a la primera sesión" in text
    assert "Contactos por canal" in text
    assert "Tasa de inasistencia" in text and "25 %" in text
    assert "Sentinela" not in text


def test_the_pdf_draws_the_dashboard_charts(world):
    from django.template.loader import render_to_string

    from cercania.reports.monthly import monthly_context

    # The HTML WeasyPrint is given: the dashboard's SVG charts, nothing to fetch.
    page = render_to_string("reports/monthly_pdf.html", monthly_context(month=date(2026, 12, 1)))
    assert page.count('<svg class="chart"') >= 10
    assert "<title>Atendidas: 3</title>" in page
    assert "http" not in page.replace("http://www.w3.org/2000/svg", "")


def test_without_a_month_it_is_last_month(world, coordinator, client_for):
    with time_machine.travel(local(2027, 1, 15, 10), tick=False):
        response = _monthly(client_for(coordinator))
        _pages, text = _text(response)
    assert "diciembre de 2026" in text
    assert response["Content-Disposition"] == 'attachment; filename="informe_2026-12.pdf"'


def test_the_version_for_distribution_hides_small_figures(world, coordinator, client_for):
    _pages, text = _text(_monthly(client_for(coordinator), mes="2026-12", difusion="on"))
    assert "Versión para difusión" in text
    assert not re.search(r"Atendidas\s+\d", text)  # 2 consenting women's 3 sessions
    assert "n. d." in text
    assert "Tasa de inasistencia" not in text


def test_a_pdf_download_is_audited(world, coordinator, client_for):
    _monthly(client_for(coordinator), mes="2026-12")
    event = AuditEvent.objects.get(action=AuditEvent.Action.EXPORT, actor=coordinator)
    assert event.object_type == "reports.monthly"
    assert event.detail["format"] == "pdf"
    assert event.detail["filters"] == {"mes": "2026-12", "difusion": False}


@pytest.mark.parametrize("month", ["diciembre", "2026-13", "2999-01"])
def test_a_bad_month_is_refused_in_spanish(month, coordinator, client_for):
    response = _monthly(client_for(coordinator), mes=month)
    assert response.status_code == 400
    assert "mes" in response.content.decode().lower()
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT).exists()


@pytest.mark.parametrize(
    "persona", ["lawyer", "violence_worker", "operator", "liaison", "sysadmin"]
)
def test_only_coordination_downloads_the_monthly_report(request, persona, client_for):
    response = _monthly(client_for(request.getfixturevalue(persona)), mes="2026-12")
    assert response.status_code == 403


def test_the_dashboard_offers_the_monthly_report(coordinator, client_for):
    html = client_for(coordinator).get(reverse("reports:dashboard")).content.decode()
    assert f'action="{reverse("reports:monthly")}"' in html
    assert 'type="month"' in html
