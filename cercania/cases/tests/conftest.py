"""Personas and records for the case-file tests. Everything is built through services."""

from __future__ import annotations

from collections.abc import Callable
from itertools import count
from typing import Any

import pytest
from django.test import Client

from cercania.accounts.models import User
from cercania.accounts.roles import Role
from cercania.accounts.services import staff_user_create
from cercania.accounts.testing import login_verified
from cercania.cases.models import Area, Case, CreatedVia, Person
from cercania.cases.services import ContactChoices, case_open, person_register

_numbers = count(1)


def _staff(role: Role, name: str) -> User:
    n = next(_numbers)
    return staff_user_create(email=f"{role.value}{n}@example.org", display_name=name, roles=[role])


@pytest.fixture
def coordinator(institute_config) -> User:
    return _staff(Role.COORDINACION, "Coordinadora")


@pytest.fixture
def lawyer(institute_config) -> User:
    return _staff(Role.JURIDICO, "Abogada Ana")


@pytest.fixture
def other_lawyer(institute_config) -> User:
    return _staff(Role.JURIDICO, "Abogada Dora")


@pytest.fixture
def violence_worker(institute_config) -> User:
    return _staff(Role.VIOLENCIA, "Psicóloga Beatriz")


@pytest.fixture
def other_violence_worker(institute_config) -> User:
    return _staff(Role.VIOLENCIA, "Trabajadora social Elena")


@pytest.fixture
def operator(institute_config) -> User:
    return _staff(Role.LINEA, "Operadora Carmen")


@pytest.fixture
def liaison(institute_config) -> User:
    return _staff(Role.ENLACE, "Enlace Emerson")


@pytest.fixture
def sysadmin(institute_config) -> User:
    return _staff(Role.SISTEMAS, "Sistemas")


@pytest.fixture
def client_for() -> Callable[[User], Client]:
    def make(user: User) -> Client:
        client = Client(REMOTE_ADDR="203.0.113.9")
        login_verified(client, user)
        return client

    return make


@pytest.fixture
def make_person(institute_config) -> Callable[..., Person]:
    def make(
        name: str = "Lucía Ramírez",
        *,
        phone: str = "",
        email: str = "",
        birth_year: int | None = None,
        actor: Any = None,
        **extra: Any,
    ) -> Person:
        return person_register(
            name=name,
            phone=phone,
            email=email,
            birth_year=birth_year,
            contact=extra.pop("contact", ContactChoices(call=True)),
            created_via=extra.pop("created_via", CreatedVia.STAFF),
            actor=actor,
            **extra,
        )

    return make


@pytest.fixture
def make_case(make_person) -> Callable[..., Case]:
    def make(
        *,
        person: Person | None = None,
        area: str = Area.LEGAL,
        assignee: User | None = None,
        restricted: bool = False,
        actor: Any = None,
    ) -> Case:
        return case_open(
            person=person or make_person(),
            area=area,
            assignee=assignee,
            restricted=restricted,
            actor=actor or assignee,
        )

    return make
