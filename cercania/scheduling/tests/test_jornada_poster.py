"""The printable jornada poster and the list of jornadas for coordination."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
import segno
from django.conf import settings
from django.test import Client

from cercania.accounts.roles import Role
from cercania.scheduling.models import Jornada

from .helpers import password_only_client, staff_user, verified_client

pytestmark = pytest.mark.django_db

LIST_URL = "/personal/agenda/jornadas/"


def poster_url(jornada: Jornada) -> str:
    return f"/personal/agenda/jornadas/{jornada.public_id}/cartel/"


@pytest.fixture
def jornada(make_jornada) -> Jornada:
    return make_jornada(starts_on=date(2026, 12, 7), ends_on=date(2026, 12, 11))


@pytest.fixture
def coordinator(db) -> Client:
    return verified_client(staff_user(Role.COORDINACION))


class TestPoster:
    def test_it_shows_the_jornada_and_its_code_in_large_letters(self, coordinator, jornada) -> None:
        response = coordinator.get(poster_url(jornada))
        assert response.status_code == 200
        assert "Jornada de asesorías" in response.text
        assert "Emerson Termotec" in response.text
        assert "Instituto Municipal de las Mujeres de Chihuahua" in response.text
        assert f'<p class="poster__code">{jornada.code}</p>' in response.text
        assert (
            "lunes 7 de diciembre" in response.text
            and "viernes 11 de diciembre de 2026" in response.text
        )

    def test_its_qr_code_is_an_inline_svg_of_the_absolute_booking_link(
        self, coordinator, jornada
    ) -> None:
        response = coordinator.get(poster_url(jornada))
        link = f"http://testserver/jornada/{jornada.code}/"
        assert link in response.text
        match = re.search(
            r'<img class="poster__qr" src="(data:image/svg\+xml[^"]+)"', response.text
        )
        assert match is not None
        expected = segno.make(link, error="m").svg_data_uri(scale=8, border=2)
        assert match.group(1) == expected.replace("&", "&amp;").replace("'", "&#x27;")

    def test_it_shows_both_phone_lines_and_the_emergency_numbers(
        self, coordinator, jornada
    ) -> None:
        text = coordinator.get(poster_url(jornada)).text
        assert "614-4-90-07-89" in text and "614-4-10-23-05" in text
        for number in ("911", "089", "079"):
            assert f'<strong class="poster__number">{number}</strong>' in text

    def test_it_loads_nothing_from_other_sites_and_has_no_inline_styles(
        self, coordinator, jornada
    ) -> None:
        text = coordinator.get(poster_url(jornada)).text
        for address in re.findall(r'(?:src|href)="([^"]*)"', text):
            assert address.startswith(("/", "data:image/svg+xml")), address
        assert "facebook" not in text.lower()
        assert "style=" not in text and "<style" not in text and "<script" not in text
        assert '<link rel="stylesheet" href="/static/css/poster.css">' in text
        assert (Path(settings.BASE_DIR) / "static" / "css" / "poster.css").is_file()

    def test_a_jornada_that_is_not_open_carries_a_warning_on_screen(
        self, coordinator, make_jornada
    ) -> None:
        draft = make_jornada(
            starts_on=date(2026, 12, 7), ends_on=date(2026, 12, 7), status=Jornada.Status.DRAFT
        )
        text = coordinator.get(poster_url(draft)).text
        assert "solo funcionan mientras está abierta" in text
        assert "Lunes 7 de diciembre de 2026" in text

    def test_an_unknown_jornada_is_not_found(self, coordinator, institute_config) -> None:
        url = "/personal/agenda/jornadas/00000000-0000-4000-8000-000000000000/cartel/"
        assert coordinator.get(url).status_code == 404


class TestJornadaList:
    def test_it_lists_the_jornadas_with_a_link_to_each_poster(self, coordinator, jornada) -> None:
        response = coordinator.get(LIST_URL)
        assert response.status_code == 200
        assert "Jornada de asesorías" in response.text and jornada.code in response.text
        assert f'href="{poster_url(jornada)}"' in response.text

    def test_it_says_so_when_there_are_none(self, coordinator) -> None:
        assert "Todavía no hay jornadas." in coordinator.get(LIST_URL).text


class TestAccess:
    @pytest.mark.parametrize(
        "role", [Role.JURIDICO, Role.VIOLENCIA, Role.LINEA, Role.ENLACE, Role.SISTEMAS]
    )
    def test_only_coordination_opens_them(self, jornada, role) -> None:
        client = verified_client(staff_user(role))
        assert client.get(LIST_URL).status_code == 403
        assert client.get(poster_url(jornada)).status_code == 403

    def test_an_anonymous_visitor_is_sent_to_log_in(self, client: Client, jornada) -> None:
        response = client.get(poster_url(jornada))
        assert response.status_code == 302
        assert response["Location"].startswith("/personal/entrar/")

    def test_a_password_alone_is_not_enough(self, jornada) -> None:
        response = password_only_client(staff_user(Role.COORDINACION)).get(poster_url(jornada))
        assert response.status_code == 302
        assert response["Location"] == "/personal/verificar/"

    def test_it_answers_only_get(self, coordinator, jornada) -> None:
        assert coordinator.post(poster_url(jornada)).status_code == 405
