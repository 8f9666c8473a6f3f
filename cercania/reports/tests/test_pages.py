"""The reports through HTTP: dashboard, exports, partner report, press draft."""

from __future__ import annotations

import csv
import io
import re

import pytest
import yaml
from django.urls import reverse
from openpyxl import load_workbook

from cercania.privacy.models import AuditEvent
from cercania.reports.exports import neutralise, to_csv

pytestmark = pytest.mark.django_db
WEEK = {"desde": "2026-12-01", "hasta": "2026-12-07"}


# ---------------------------------------------------------------- dashboard


def test_the_dashboard_shows_each_indicator_with_the_previous_period(
    world, coordinator, client_for
):
    response = client_for(coordinator).get(reverse("reports:dashboard"), WEEK)
    assert response.status_code == 200
    html = response.content.decode()
    assert "24/11/2026 a 30/11/2026" in html  # the previous week, same length
    sessions = response.context["sections"][1]
    assert sessions["table"].title == "Sesiones"
    assert ("Atendidas", 3, 0) in sessions["rows"]
    women = response.context["sections"][0]
    assert women["table"].total == 2 and women["previous_total"] == 1
    assert ("Tasa de inasistencia", "25 %", "—") in response.context["rates"]


def test_charts_are_accessible_svg_without_inline_style_or_script(world, coordinator, client_for):
    html = client_for(coordinator).get(reverse("reports:dashboard"), WEEK).content.decode()
    assert html.count('<svg class="chart" role="img" aria-label=') >= 10
    assert "<title>Atendidas: 3</title>" in html
    assert "style=" not in html
    assert "<script" not in html or "src=" in html.split("<script")[1].split(">")[0]


def test_filters_accept_only_known_public_ids(world, coordinator, client_for):
    client = client_for(coordinator)
    narrowed = client.get(
        reverse("reports:dashboard"), {**WEEK, "jornada": str(world.jornada.public_id)}
    )
    assert narrowed.context["sections"][1]["table"].total == 2
    assert client.get(reverse("reports:dashboard"), {**WEEK, "jornada": "7"}).status_code == 400


@pytest.mark.parametrize(
    "persona", ["lawyer", "violence_worker", "operator", "liaison", "sysadmin"]
)
def test_only_coordination_opens_the_dashboard_exports_and_press_draft(
    request, persona, client_for
):
    client = client_for(request.getfixturevalue(persona))
    for name in ("reports:dashboard", "reports:export", "reports:press"):
        assert client.get(reverse(name)).status_code == 403


# ---------------------------------------------------------------- exports


def test_a_csv_export_has_a_bom_spanish_headers_and_is_audited(world, coordinator, client_for):
    response = client_for(coordinator).get(
        reverse("reports:export"), {**WEEK, "tabla": "sesiones", "formato": "csv"}
    )
    assert response.status_code == 200
    assert response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == ["Concepto", "Número"]
    assert ["Atendidas", "3"] in rows and ["Total", "6"] in rows
    event = AuditEvent.objects.get(action=AuditEvent.Action.EXPORT, actor=coordinator)
    assert event.detail["format"] == "csv"
    assert event.detail["filters"]["desde"] == "2026-12-01"


@pytest.mark.parametrize("danger", ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"])
def test_formula_injection_is_neutralised(danger):
    assert neutralise(danger) == "'" + danger
    text = to_csv(["Concepto"], [[danger]]).decode("utf-8-sig")
    assert list(csv.reader(io.StringIO(text)))[1][0] == "'" + danger


def test_numbers_and_plain_text_are_left_alone():
    assert neutralise(-3) == -3
    assert neutralise("Ana") == "Ana"


def test_an_xlsx_export_opens_with_openpyxl(world, coordinator, client_for):
    response = client_for(coordinator).get(
        reverse("reports:export"), {**WEEK, "tabla": "contactos_tipo", "formato": "xlsx"}
    )
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = list(sheet.values)
    assert values[0] == ("Concepto", "Número")
    assert ("Llamada recibida", 2) in values
    assert AuditEvent.objects.filter(action="export", detail__format="xlsx").exists()


def test_an_unknown_table_is_not_found(coordinator, client_for):
    response = client_for(coordinator).get(reverse("reports:export"), {"tabla": "nombres"})
    assert response.status_code == 404


# ---------------------------------------------------------------- partner report


def _link(user, organization_name):
    from cercania.partners.models import Liaison, Organization

    Liaison.objects.create(user=user, organization=Organization.objects.get(name=organization_name))


def test_a_liaison_sees_her_organisation_counts_and_no_names(world, liaison, client_for, settings):
    settings.REPORTS_MIN_CELL = 1  # to see the counting itself; suppression is below
    _link(liaison, "Emerson Termotec")
    response = client_for(liaison).get(reverse("reports:partner"))
    assert response.status_code == 200
    html = response.content.decode()
    assert world.jornada.title in html
    for sentinel in ("Sentinela", "Bea", "Carla", "614"):
        assert sentinel not in html
    report = response.context["reports"][0]
    # Bea (consented) and Carla (did not) booked on 3 Dec: only Bea is counted.
    assert report.booked_per_day.rows == [("03/12/2026", 1)]


def test_a_liaison_sees_small_counts_suppressed(world, liaison, client_for):
    _link(liaison, "Emerson Termotec")
    report = client_for(liaison).get(reverse("reports:partner")).context["reports"][0]
    assert report.booked_per_day.total is None
    assert report.women.total is None
    assert "n. d." in client_for(liaison).get(reverse("reports:partner")).content.decode()


def test_a_liaison_of_another_company_never_sees_this_one(world, liaison, client_for):
    from cercania.partners.models import Organization

    other = Organization.objects.exclude(name="Emerson Termotec").first()
    assert other is not None
    _link(liaison, other.name)
    response = client_for(liaison).get(reverse("reports:partner"))
    assert response.status_code == 200
    assert world.jornada.title not in response.content.decode()
    assert response.context["reports"] == []


def test_a_liaison_without_an_organisation_finds_nothing(liaison, client_for):
    assert client_for(liaison).get(reverse("reports:partner")).status_code == 404


def test_coordination_does_not_open_the_partner_view(coordinator, client_for):
    assert client_for(coordinator).get(reverse("reports:partner")).status_code == 403


# ---------------------------------------------------------------- press draft


def _close(jornada):
    from cercania.scheduling.models import Jornada
    from cercania.scheduling.services import jornada_set_status

    return jornada_set_status(jornada=jornada, status=Jornada.Status.CLOSED)


def front_matter(text: str) -> dict:
    _start, front, _body = text.split("---\n", 2)
    return yaml.safe_load(front)


def test_the_press_draft_has_the_municipal_front_matter(world, coordinator, client_for):
    _close(world.jornada)
    response = client_for(coordinator).get(
        reverse("reports:press"), {"jornada": str(world.jornada.public_id)}
    )
    assert response.status_code == 200
    draft = response.context["draft"]
    meta = front_matter(draft)
    assert set(meta) == {
        "layout", "title", "date", "tags", "author", "description",
        "image", "video", "audio", "alt", "front", "section",
    }  # fmt: skip
    assert meta["layout"] == "post"
    assert meta["front"] is False and meta["section"] == "Local"
    assert "Emerson Termotec" in meta["title"] and meta["alt"] == meta["title"]
    assert re.search(r"^date: 2026-12-03T12:00:00\.000-06:00$", draft, re.M)
    assert "IMM en tu empresa" in draft


def test_the_press_draft_shows_no_figure_below_k(world, coordinator, client_for):
    _close(world.jornada)
    draft = (
        client_for(coordinator)
        .get(reverse("reports:press"), {"jornada": str(world.jornada.public_id)})
        .context["draft"]
    )
    body = draft.split("---\n", 2)[2]
    # One woman came: the draft says "fewer than five", never the figure itself.
    assert "menos de cinco mujeres" in body
    for n in range(1, 5):
        assert not re.search(rf"\b{n} (mujer|sesi)", body)
    assert "Sentinela" not in draft and "Bea" not in draft


def test_the_edited_draft_downloads_as_markdown_and_is_audited(world, coordinator, client_for):
    _close(world.jornada)
    response = client_for(coordinator).post(
        reverse("reports:press"),
        {"jornada": str(world.jornada.public_id), "texto": "---\nlayout: post\n---\r\nHola"},
    )
    assert response.status_code == 200
    assert response["Content-Disposition"].endswith('.md"')
    assert response.content.decode() == "---\nlayout: post\n---\nHola"
    assert AuditEvent.objects.filter(action="export", detail__format="md").exists()


def test_an_open_jornada_has_no_press_draft(world, coordinator, client_for):
    response = client_for(coordinator).get(
        reverse("reports:press"), {"jornada": str(world.jornada.public_id)}
    )
    assert response.status_code == 404
