from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.test import Client

from cercania.accounts.models import User
from cercania.accounts.roles import Role
from cercania.accounts.services import staff_user_create
from cercania.accounts.testing import login_verified

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/accounts/user/"
ADD = "/admin/accounts/user/add/"


def change_url(user: User) -> str:
    return f"/admin/accounts/user/{user.pk}/change/"


@pytest.fixture
def superuser() -> User:
    return User.objects.create_superuser(email="sistemas@example.mx")


@pytest.fixture
def admin_client(client: Client, superuser: User) -> Client:
    login_verified(client, superuser)
    return client


@pytest.fixture
def coordinator() -> User:
    return staff_user_create(
        email="coordinacion@example.mx", display_name="Coordinadora", roles=[Role.COORDINACION]
    )


@pytest.fixture
def adviser() -> User:
    return staff_user_create(
        email="ana@example.mx", display_name="Ana Jurídico", roles=[Role.JURIDICO]
    )


def user_form_data(user: User, **changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "email": user.email,
        "display_name": user.display_name,
        "is_active": "on",
        "groups": [group.pk for group in user.groups.all()],
    }
    if user.is_staff:
        data["is_staff"] = "on"
    data.update(changes)
    return data


class TestUserChangelist:
    def test_it_lists_staff_with_their_roles(self, admin_client: Client, adviser: User) -> None:
        response = admin_client.get(CHANGELIST)
        assert response.status_code == 200
        assert "ana@example.mx" in response.text
        assert "Ana Jurídico" in response.text
        assert str(Role.JURIDICO.label) in response.text

    def test_it_searches_by_email_and_display_name(
        self, admin_client: Client, adviser: User, coordinator: User
    ) -> None:
        response = admin_client.get(CHANGELIST, {"q": "jurídico"})
        assert response.status_code == 200
        assert "ana@example.mx" in response.text
        assert "coordinacion@example.mx" not in response.text

        response = admin_client.get(CHANGELIST, {"q": "coordinacion@"})
        assert "coordinacion@example.mx" in response.text
        assert "ana@example.mx" not in response.text

    def test_it_filters_by_role_active_and_staff(
        self, admin_client: Client, adviser: User, coordinator: User
    ) -> None:
        group = Group.objects.get(name=Role.COORDINACION)
        response = admin_client.get(
            CHANGELIST,
            {"groups__id__exact": str(group.pk), "is_active__exact": "1", "is_staff__exact": "1"},
        )
        assert response.status_code == 200
        assert "coordinacion@example.mx" in response.text
        assert "ana@example.mx" not in response.text

    def test_it_labels_the_role_filter_with_role_names(
        self, admin_client: Client, adviser: User
    ) -> None:
        response = admin_client.get(CHANGELIST)
        assert str(Role.VIOLENCIA.label) in response.text
        assert f">{Role.VIOLENCIA.value}<" not in response.text


class TestUserAdd:
    def test_it_renders_the_add_form_without_a_username(self, admin_client: Client) -> None:
        response = admin_client.get(ADD)
        assert response.status_code == 200
        assert 'name="email"' in response.text
        assert 'name="username"' not in response.text
        assert "Roles" in response.text

    def test_it_stores_an_upper_case_email_in_lower_case(self, admin_client: Client) -> None:
        group = Group.objects.get(name=Role.JURIDICO)
        response = admin_client.post(
            ADD,
            {
                "email": "Beatriz.Ruiz@Example.MX",
                "display_name": "Beatriz Ruiz",
                "usable_password": "false",
                "groups": [group.pk],
            },
        )
        assert response.status_code == 302
        user = User.objects.get(display_name="Beatriz Ruiz")
        assert user.email == "beatriz.ruiz@example.mx"
        assert list(user.groups.values_list("name", flat=True)) == [Role.JURIDICO]
        assert not user.has_usable_password()

    def test_it_rejects_an_email_that_differs_only_in_case(
        self, admin_client: Client, adviser: User
    ) -> None:
        response = admin_client.post(
            ADD, {"email": "ANA@example.mx", "display_name": "Otra", "usable_password": "false"}
        )
        assert response.status_code == 200
        assert "errornote" in response.text
        assert User.objects.filter(email="ana@example.mx").count() == 1
        assert not User.objects.filter(display_name="Otra").exists()


class TestUserChange:
    def test_it_renders_the_change_form_with_roles(
        self, admin_client: Client, adviser: User
    ) -> None:
        response = admin_client.get(change_url(adviser))
        assert response.status_code == 200
        assert "Roles" in response.text
        assert str(Role.JURIDICO.label) in response.text

    def test_it_lower_cases_a_changed_email(self, admin_client: Client, adviser: User) -> None:
        response = admin_client.post(
            change_url(adviser), user_form_data(adviser, email="Ana.Nueva@Example.MX")
        )
        assert response.status_code == 302
        adviser.refresh_from_db()
        assert adviser.email == "ana.nueva@example.mx"

    def test_it_does_not_let_a_coordinator_make_herself_superuser(
        self, client: Client, coordinator: User
    ) -> None:
        login_verified(client, coordinator)
        response = client.get(change_url(coordinator))
        assert response.status_code == 200
        assert 'name="is_superuser"' not in response.text

        response = client.post(
            change_url(coordinator), user_form_data(coordinator, is_superuser="on")
        )
        assert response.status_code == 302
        coordinator.refresh_from_db()
        assert not coordinator.is_superuser

    def test_it_does_not_let_a_coordinator_change_a_superuser(
        self, client: Client, coordinator: User, superuser: User
    ) -> None:
        login_verified(client, coordinator)
        response = client.post(
            change_url(superuser), user_form_data(superuser, email="otra@example.mx")
        )
        assert response.status_code == 403
        superuser.refresh_from_db()
        assert superuser.email == "sistemas@example.mx"
