from __future__ import annotations

import re
from datetime import date, time

import pytest
from django.test import Client

from cercania.accounts.models import User
from cercania.accounts.testing import login_verified
from cercania.institute.models import (
    ClosedDay,
    Institute,
    Modality,
    OpeningHours,
    PrivacyNotice,
    Service,
)
from cercania.institute.services import institute_configure

pytestmark = pytest.mark.django_db

PROFILE = {
    "institute": {"name": "Instituto Municipal de las Mujeres", "short_name": "IMM"},
    "emergency_lines": [
        {"label": "Emergencias", "number": "911"},
        {"label": "Denuncia anónima", "number": "089"},
    ],
}


@pytest.fixture
def admin_client(client: Client) -> Client:
    # The admin requires a verified second factor.
    login_verified(client, User.objects.create_superuser(email="sistemas@example.mx"))
    return client


@pytest.fixture
def institute() -> Institute:
    institute_configure(profile=PROFILE)
    return Institute.objects.get()


@pytest.fixture
def legal() -> Service:
    service = Service.objects.create(
        code="juridico",
        name="Asesoría jurídica",
        modalities=[Modality.VIDEO, Modality.PHONE],
        session_minutes=50,
        bookable_online=True,
    )
    OpeningHours.objects.create(service=service, weekday=1, opens=time(9), closes=time(15))
    return service


@pytest.fixture
def violence() -> Service:
    return Service.objects.create(
        code="violencia",
        name="Atención a la violencia",
        modalities=[Modality.PHONE],
        session_minutes=60,
        active=False,
    )


def service_form_data(**changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "name": "Orientación psicológica",
        "code": "psicologia",
        "description": "",
        "phone_display": "614 490 0789",
        "modalities": [Modality.PHONE, Modality.VIDEO],
        "session_minutes": "45",
        "bookable_online": "on",
        "active": "on",
        "position": "3",
        "opening_hours-TOTAL_FORMS": "1",
        "opening_hours-INITIAL_FORMS": "0",
        "opening_hours-MIN_NUM_FORMS": "0",
        "opening_hours-MAX_NUM_FORMS": "1000",
        "opening_hours-0-weekday": "2",
        "opening_hours-0-opens": "09:00",
        "opening_hours-0-closes": "14:00",
    }
    data.update(changes)
    return data


class TestAdminSite:
    def test_it_shows_the_spanish_header(self, admin_client: Client) -> None:
        response = admin_client.get("/admin/")
        assert response.status_code == 200
        assert "Cercanía · administración" in response.text


class TestInstituteAdmin:
    def test_it_lists_the_institute_with_a_search(
        self, admin_client: Client, institute: Institute
    ) -> None:
        response = admin_client.get("/admin/institute/institute/", {"q": "Mujeres"})
        assert response.status_code == 200
        assert "Instituto Municipal de las Mujeres" in response.text

    def test_it_edits_emergency_lines_inline(
        self, admin_client: Client, institute: Institute
    ) -> None:
        response = admin_client.get(f"/admin/institute/institute/{institute.pk}/change/")
        assert response.status_code == 200
        assert 'name="emergency_lines-TOTAL_FORMS"' in response.text
        assert 'value="089"' in response.text

    def test_it_renders_the_add_page_while_there_is_no_institute(
        self, admin_client: Client
    ) -> None:
        response = admin_client.get("/admin/institute/institute/add/")
        assert response.status_code == 200

    def test_it_forbids_adding_a_second_institute(
        self, admin_client: Client, institute: Institute
    ) -> None:
        assert admin_client.get("/admin/institute/institute/add/").status_code == 403
        response = admin_client.post(
            "/admin/institute/institute/add/",
            {
                "name": "Otro instituto",
                "short_name": "OI",
                "emergency_lines-TOTAL_FORMS": "0",
                "emergency_lines-INITIAL_FORMS": "0",
            },
        )
        assert response.status_code == 403
        assert Institute.objects.count() == 1

    def test_it_hides_the_add_button_once_the_institute_exists(
        self, admin_client: Client, institute: Institute
    ) -> None:
        response = admin_client.get("/admin/institute/institute/")
        assert "/admin/institute/institute/add/" not in response.text


class TestServiceAdmin:
    def test_it_lists_services_with_search_and_filters(
        self, admin_client: Client, legal: Service, violence: Service
    ) -> None:
        response = admin_client.get(
            "/admin/institute/service/",
            {"q": "jur", "active__exact": "1", "bookable_online__exact": "1"},
        )
        assert response.status_code == 200
        assert list(response.context["cl"].result_list) == [legal]
        assert "Videollamada, Llamada telefónica" in response.text

    def test_it_renders_the_add_page_with_modality_checkboxes(self, admin_client: Client) -> None:
        response = admin_client.get("/admin/institute/service/add/")
        assert response.status_code == 200
        assert response.text.count('type="checkbox" name="modalities"') == 2

    def test_it_creates_a_service_with_both_modalities(self, admin_client: Client) -> None:
        response = admin_client.post("/admin/institute/service/add/", service_form_data())
        assert response.status_code == 302
        service = Service.objects.get(code="psicologia")
        assert service.modalities == ["video", "phone"]
        hours = service.opening_hours.get()
        assert (hours.weekday, hours.opens, hours.closes) == (2, time(9), time(14))

    def test_it_requires_at_least_one_modality(self, admin_client: Client) -> None:
        data = service_form_data()
        del data["modalities"]
        response = admin_client.post("/admin/institute/service/add/", data)
        assert response.status_code == 200
        assert "errornote" in response.text
        assert not Service.objects.filter(code="psicologia").exists()

    def test_it_rejects_an_unknown_modality(self, admin_client: Client) -> None:
        response = admin_client.post(
            "/admin/institute/service/add/", service_form_data(modalities=["video", "fax"])
        )
        assert response.status_code == 200
        assert not Service.objects.filter(code="psicologia").exists()

    def test_it_checks_the_stored_modalities_on_the_change_page(
        self, admin_client: Client, violence: Service
    ) -> None:
        response = admin_client.get(f"/admin/institute/service/{violence.pk}/change/")
        assert response.status_code == 200
        assert re.search(r'value="phone"[^>]* checked', response.text)
        assert not re.search(r'value="video"[^>]* checked', response.text)

    def test_it_changes_the_modalities(self, admin_client: Client, violence: Service) -> None:
        data = service_form_data(
            name=violence.name,
            code=violence.code,
            modalities=["video"],
            **{"opening_hours-TOTAL_FORMS": "0"},
        )
        response = admin_client.post(f"/admin/institute/service/{violence.pk}/change/", data)
        assert response.status_code == 302
        violence.refresh_from_db()
        assert violence.modalities == ["video"]


class TestClosedDayAdmin:
    @pytest.fixture
    def days(self) -> None:
        ClosedDay.objects.create(
            date=date(2026, 12, 25), reason="Navidad", origin=ClosedDay.Origin.FEDERAL
        )
        ClosedDay.objects.create(date=date(2026, 6, 7), reason="Jornada electoral")
        ClosedDay.objects.create(date=date(2025, 6, 1), reason="Jornada electoral 2025")

    def test_it_lists_days_by_year_origin_and_reason(
        self, admin_client: Client, days: None
    ) -> None:
        response = admin_client.get(
            "/admin/institute/closedday/",
            {"date__year": "2026", "origin__exact": "local", "q": "electoral"},
        )
        assert response.status_code == 200
        assert [day.reason for day in response.context["cl"].result_list] == ["Jornada electoral"]

    def test_it_explains_where_federal_days_come_from(self, admin_client: Client) -> None:
        for url in ("/admin/institute/closedday/", "/admin/institute/closedday/add/"):
            response = admin_client.get(url)
            assert response.status_code == 200
            assert "cercania sync_closed_days" in response.text

    def test_it_adds_a_local_day(self, admin_client: Client) -> None:
        response = admin_client.post(
            "/admin/institute/closedday/add/",
            {"date": "2026-06-07", "reason": "Jornada electoral", "origin": "local"},
        )
        assert response.status_code == 302
        assert ClosedDay.objects.get().origin == ClosedDay.Origin.LOCAL


class TestPrivacyNoticeAdmin:
    def test_it_lists_notices_filtered_by_kind(self, admin_client: Client) -> None:
        PrivacyNotice.objects.create(
            kind=PrivacyNotice.Kind.INTEGRAL,
            version="2.1",
            body="Texto integral.",
            published_on=date(2026, 1, 15),
        )
        PrivacyNotice.objects.create(
            kind=PrivacyNotice.Kind.SIMPLIFIED,
            version="1.4",
            body="Texto simplificado.",
            published_on=date(2026, 1, 15),
        )
        response = admin_client.get(
            "/admin/institute/privacynotice/", {"kind__exact": "integral", "q": "2.1"}
        )
        assert response.status_code == 200
        assert [str(notice) for notice in response.context["cl"].result_list] == [
            "Aviso de privacidad integral v2.1"
        ]

    def test_it_renders_the_add_page(self, admin_client: Client) -> None:
        assert admin_client.get("/admin/institute/privacynotice/add/").status_code == 200
