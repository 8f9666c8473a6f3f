from __future__ import annotations

from datetime import date

import pytest
from django.test import Client

from cercania.accounts.models import User
from cercania.accounts.roles import Role
from cercania.accounts.services import staff_user_create
from cercania.accounts.testing import login_verified
from cercania.institute.models import Modality, Service
from cercania.partners.models import Agreement, Liaison, Organization
from cercania.partners.services import partners_configure

pytestmark = pytest.mark.django_db

PROFILE = {
    "organizations": [
        {"name": "Canacintra Chihuahua", "kind": "association"},
        {"name": "Maquiladora del Norte", "kind": "company", "member_of": "Canacintra Chihuahua"},
        {"name": "Red de Mujeres A. C.", "kind": "civil_society"},
    ],
    "agreements": [
        {
            "title": "Convenio Canacintra 2026",
            "status": "active",
            "starts_on": "2026-01-01",
            "ends_on": "2026-12-31",
            "parties": ["Canacintra Chihuahua"],
            "services": ["juridico"],
        },
        {
            "title": "Convenio Red de Mujeres",
            "starts_on": "2026-03-01",
            "parties": ["Red de Mujeres A. C."],
        },
    ],
}


@pytest.fixture
def admin_client(client: Client) -> Client:
    # The admin requires a verified second factor.
    login_verified(client, User.objects.create_superuser(email="sistemas@example.mx"))
    return client


@pytest.fixture
def legal() -> Service:
    return Service.objects.create(
        code="juridico", name="Asesoría jurídica", modalities=[Modality.VIDEO], session_minutes=50
    )


@pytest.fixture
def partners(legal: Service) -> None:
    partners_configure(profile=PROFILE)


@pytest.fixture
def liaison(partners: None) -> Liaison:
    user = staff_user_create(
        email="enlace@maquiladora.example", display_name="Laura Enlace", roles=[Role.ENLACE]
    )
    return Liaison.objects.create(
        user=user,
        organization=Organization.objects.get(name="Maquiladora del Norte"),
        position="Recursos humanos",
    )


def organization_data(**changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "name": "Parque Industrial Sur",
        "kind": "company",
        "member_of": "",
        "municipality": "Chihuahua",
        "active": "on",
    }
    data.update(changes)
    return data


class TestOrganizationAdmin:
    def test_it_lists_organisations_with_search_and_filters(
        self, admin_client: Client, partners: None
    ) -> None:
        response = admin_client.get(
            "/admin/partners/organization/",
            {"q": "norte", "kind__exact": "company", "active__exact": "1"},
        )
        assert response.status_code == 200
        assert [org.name for org in response.context["cl"].result_list] == ["Maquiladora del Norte"]
        # The association it belongs to is a column of the list.
        assert "Canacintra Chihuahua" in response.text

    def test_it_renders_the_add_page(self, admin_client: Client) -> None:
        assert admin_client.get("/admin/partners/organization/add/").status_code == 200

    def test_it_adds_a_company_member_of_an_association(
        self, admin_client: Client, partners: None
    ) -> None:
        association = Organization.objects.get(name="Canacintra Chihuahua")
        response = admin_client.post(
            "/admin/partners/organization/add/", organization_data(member_of=association.pk)
        )
        assert response.status_code == 302
        assert Organization.objects.get(name="Parque Industrial Sur").member_of == association

    def test_it_refuses_membership_for_a_non_company(
        self, admin_client: Client, partners: None
    ) -> None:
        association = Organization.objects.get(name="Canacintra Chihuahua")
        response = admin_client.post(
            "/admin/partners/organization/add/",
            organization_data(kind="civil_society", member_of=association.pk),
        )
        assert response.status_code == 200
        assert "Solo una empresa puede pertenecer a una asociación." in response.text
        assert not Organization.objects.filter(name="Parque Industrial Sur").exists()


class TestAgreementAdmin:
    def test_it_lists_agreements_with_their_validity(
        self, admin_client: Client, partners: None
    ) -> None:
        response = admin_client.get(
            "/admin/partners/agreement/", {"status__exact": "active", "q": "canacintra"}
        )
        assert response.status_code == 200
        assert [a.title for a in response.context["cl"].result_list] == ["Convenio Canacintra 2026"]
        assert "Vigencia" in response.text
        assert "31/12/2026" in response.text

    def test_it_shows_an_open_ended_validity(self, admin_client: Client, partners: None) -> None:
        response = admin_client.get("/admin/partners/agreement/", {"status__exact": "draft"})
        assert response.status_code == 200
        assert "sin fecha de término" in response.text

    def test_it_renders_the_add_page_with_side_by_side_selectors(
        self, admin_client: Client, partners: None
    ) -> None:
        response = admin_client.get("/admin/partners/agreement/add/")
        assert response.status_code == 200
        assert response.text.count('class="selectfilter"') == 2

    def test_it_adds_an_agreement_with_parties_and_services(
        self, admin_client: Client, partners: None, legal: Service
    ) -> None:
        company = Organization.objects.get(name="Maquiladora del Norte")
        response = admin_client.post(
            "/admin/partners/agreement/add/",
            {
                "title": "Convenio Maquiladora",
                "status": "draft",
                "parties": [company.pk],
                "services": [legal.pk],
                "starts_on": "2026-05-01",
                "ends_on": "",
                "signed_on": "",
                "notes": "",
            },
        )
        assert response.status_code == 302
        agreement = Agreement.objects.get(title="Convenio Maquiladora")
        assert list(agreement.parties.all()) == [company]
        assert list(agreement.services.all()) == [legal]
        assert agreement.starts_on == date(2026, 5, 1)


class TestLiaisonAdmin:
    def test_it_lists_liaisons_with_search_and_filter(
        self, admin_client: Client, liaison: Liaison
    ) -> None:
        response = admin_client.get(
            "/admin/partners/liaison/",
            {"q": "laura", "organization__id__exact": str(liaison.organization_id)},
        )
        assert response.status_code == 200
        assert list(response.context["cl"].result_list) == [liaison]

    def test_it_renders_the_add_page_with_autocomplete_fields(
        self, admin_client: Client, partners: None
    ) -> None:
        response = admin_client.get("/admin/partners/liaison/add/")
        assert response.status_code == 200
        assert response.text.count("admin-autocomplete") >= 2

    @pytest.mark.parametrize(
        ("field", "term", "expected"),
        [("user", "enlace@", "Laura Enlace"), ("organization", "maqui", "Maquiladora del Norte")],
    )
    def test_it_autocompletes_user_and_organisation(
        self, admin_client: Client, liaison: Liaison, field: str, term: str, expected: str
    ) -> None:
        response = admin_client.get(
            "/admin/autocomplete/",
            {"app_label": "partners", "model_name": "liaison", "field_name": field, "term": term},
        )
        assert response.status_code == 200
        assert [row["text"] for row in response.json()["results"]] == [expected]
