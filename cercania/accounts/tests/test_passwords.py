"""A staff password may not contain the names a guesser tries first (ASVS 6.2.11)."""

from __future__ import annotations

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client

from cercania.accounts.models import User

from .test_password_reset import request_reset

pytestmark = pytest.mark.django_db


def refused(password: str) -> bool:
    try:
        validate_password(password)
    except ValidationError as error:
        return any(e.code == "password_context_word" for e in error.error_list)
    return False


class TestContextWords:
    def test_it_refuses_the_institute_its_town_and_the_system(self, institute_config) -> None:
        assert refused("el instituto nunca cierra")
        assert refused("Chihuahua es mi ciudad 2026")
        assert refused("imm-en-tu-empresa-2026")
        assert refused("mi cercanía de cada día")

    def test_it_sees_through_accents_case_and_lookalike_digits(self, institute_config) -> None:
        assert refused("MUJ3R3S que ayudan a otras")
        assert refused("trabajo en el Mun1c1p4l, sí")
        assert refused("CERCANIA!!! para siempre")

    def test_it_lets_a_long_unrelated_phrase_through(self, institute_config) -> None:
        validate_password("caballo batería grapa correcta")
        assert not refused("los lunes siempre llueve en abril")

    def test_the_words_come_from_the_profile_not_from_the_code(self, institute_config) -> None:
        from cercania.institute.models import Institute

        Institute.objects.update(
            name="Instituto de la Mujer Juarense", short_name="IMMJ", municipality="Juárez"
        )
        assert refused("vivo en juarez desde siempre")
        assert refused("el immj abre temprano hoy")
        assert not refused("chihuahua queda lejos de aquí")

    def test_the_password_reset_form_refuses_it_in_spanish(
        self, client: Client, adviser: User, institute_config
    ) -> None:
        link = request_reset(client, adviser.email)
        form_page = client.get(link, follow=True)
        password = "Instituto Municipal 2026"
        response = client.post(
            form_page.request["PATH_INFO"],
            {"new_password1": password, "new_password2": password},
        )
        assert response.status_code == 200
        assert "no puede contener el nombre del instituto" in response.content.decode()
        adviser.refresh_from_db()
        assert not adviser.check_password(password)
