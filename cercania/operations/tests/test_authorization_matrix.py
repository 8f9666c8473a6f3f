"""The authorisation matrix (cercania/authorization_matrix.toml), cell by cell.

Walks Django's URL configuration: a URL missing from the matrix fails the suite, so
a new page cannot ship without someone deciding who may open it. Every response is
also checked for the security headers.
"""

from __future__ import annotations

import fnmatch
import tomllib
import uuid
from dataclasses import dataclass
from datetime import date, time
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.conf import settings
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from cercania.accounts.roles import Role
from cercania.accounts.services import staff_user_create
from cercania.accounts.testing import login_verified, totp_device_for
from cercania.conftest import local

MATRIX = tomllib.loads(
    (Path(settings.BASE_DIR) / "cercania" / "authorization_matrix.toml").read_text()
)
ROLES: list[str] = MATRIX["roles"]
NOW = local(2026, 11, 30, 8, 0)


def url_names() -> list[tuple[str, bool]]:
    """(namespaced name, takes arguments) of every named URL."""
    found: list[tuple[str, bool]] = []

    def walk(patterns: list[Any], namespace: str, has_args: bool) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                prefix = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
                walk(
                    pattern.url_patterns, prefix, has_args or bool(pattern.pattern.regex.groupindex)
                )
            elif isinstance(pattern, URLPattern) and pattern.name:
                found.append(
                    (namespace + pattern.name, has_args or bool(pattern.pattern.regex.groupindex))
                )

    walk(get_resolver().url_patterns, "", False)
    return found


def rule_for(name: str) -> dict[str, Any] | None:
    if name in MATRIX.get("routes", {}):
        return MATRIX["routes"][name]
    for pattern, rule in MATRIX.get("patterns", {}).items():
        if fnmatch.fnmatchcase(name, pattern):
            return rule
    return None


def test_every_url_is_in_the_matrix():
    missing = sorted(name for name, _ in url_names() if rule_for(name) is None)
    assert missing == [], "Add these URLs to cercania/authorization_matrix.toml"


def test_the_matrix_names_no_url_that_does_not_exist():
    names = {name for name, _ in url_names()}
    assert sorted(set(MATRIX["routes"]) - names) == []


def expected(rule: dict[str, Any], method: str, role: str, which: str) -> list[int]:
    cell = rule[method]
    if isinstance(cell, dict):
        cell = cell[role]
    if isinstance(cell, dict):
        cell = cell[which]
    return cell if isinstance(cell, list) else [cell]


@dataclass
class World:
    clients: dict[str, Any]
    objects: dict[str, dict[str, dict[str, Any]]]  # kind → own/other → URL kwargs


def build_world(make_advisor, legal_service, book, make_jornada) -> World:
    from cercania.accounts.services import user_session_start
    from cercania.privacy.services import arco_request_register
    from cercania.scheduling.services import reserved_window_add

    users = {
        role: staff_user_create(email=f"{role}@example.org", display_name=role, roles=[Role(role)])
        for role in ROLES
        if role not in ("anonymous", "unverified")
    }
    ana = make_advisor()
    ana.user.groups.set(users["juridico"].groups.all())
    # The juridico persona is Ana, the advisor; another advisor owns "other" appointments.
    users["juridico"] = ana.user
    other_advisor = make_advisor()
    mine = book(legal_service, local(2026, 12, 1, 9), now=NOW, name="Mía")
    # Book the other advisor's slot at the same time: Ana is busy, so it goes to her.
    theirs = book(legal_service, local(2026, 12, 1, 9), now=NOW, name="Otra")
    assert (
        mine.appointment.advisor_id == ana.pk and theirs.appointment.advisor_id == other_advisor.pk
    )
    for_api = book(legal_service, local(2026, 12, 1, 9, 45), now=NOW, name="API")
    jornada = make_jornada(starts_on=date(2026, 12, 2), ends_on=date(2026, 12, 2))
    reserved_window_add(
        jornada=jornada, advisor=ana, day=date(2026, 12, 2), starts=time(9), ends=time(12)
    )
    # Password given, authenticator enrolled, code not yet given.
    unverified = staff_user_create(
        email="sin-codigo@example.org", display_name="x", roles=[Role.JURIDICO]
    )
    totp_device_for(unverified)
    stranger = staff_user_create(email="ajena@example.org", display_name="y", roles=[Role.JURIDICO])
    strangers_session = user_session_start(
        user=stranger, session_key="k" * 32, ip=None, user_agent=""
    )
    arco_request = arco_request_register(
        right="access",
        received_on=NOW.date(),
        description="-",
        by=users["coordinacion"],
        person=mine.appointment.person,
    )

    def client_for(role: str) -> Client:
        client = Client()
        if role == "unverified":
            client.force_login(unverified)
        elif role != "anonymous":
            login_verified(client, users[role])
        return client

    def own_session(role: str) -> dict[str, Any]:
        if role in ("anonymous", "unverified"):
            return {"public_id": uuid.uuid4()}
        extra = user_session_start(
            user=users[role], session_key=f"{role:x<32}"[:32], ip=None, user_agent=""
        )
        return {"public_id": extra.public_id}

    objects = {
        "appointment": {
            "own": {"public_id": mine.appointment.public_id},
            "other": {"public_id": theirs.appointment.public_id},
        },
        "manage_token": {"own": {"token": mine.token}, "other": {"token": "A" * 43}},
        "jornada": {
            "own": {"public_id": jornada.public_id},
            "other": {"public_id": jornada.public_id},
        },
        "jornada_code": {"own": {"code": jornada.code}, "other": {"code": jornada.code}},
        "jornada_code_api": {"own": {"code": jornada.code}, "other": {"code": "NOEXISTE23"}},
        "api_token": {"own": {"token": for_api.token}, "other": {"token": "C" * 43}},
        "jornada_step": {
            "own": {"code": jornada.code, "step": "modalidad"},
            "other": {"code": jornada.code, "step": "modalidad"},
        },
        "booking_step": {"own": {"step": "modalidad"}, "other": {"step": "modalidad"}},
        "password_reset_link": {
            "own": {"uidb64": "MQ", "token": "set-password"},
            "other": {"uidb64": "MQ", "token": "set-password"},
        },
        "user_session": {"own": {}, "other": {"public_id": strangers_session.public_id}},
        "arco_request": {
            "own": {"public_id": arco_request.public_id},
            "other": {"public_id": uuid.uuid4()},
        },
    }
    return World(clients={"factory": client_for, "own_session": own_session}, objects=objects)


SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
}
# Every directive issue 3 asks for, exactly (an HTML page is what runs script).
CSP_DIRECTIVES = {
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "form-action 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
}
PERMISSIONS_DENIED = ("camera=()", "microphone=()", "geolocation=()", "payment=()")


def cells(world: World):  # type: ignore[no-untyped-def]
    """(name, method, role, own/other, URL kwargs, rule) for every cell to request."""
    for name, takes_args in url_names():
        rule = rule_for(name)
        kind = rule.get("object") if rule else None
        if rule is None or (takes_args and not kind):
            continue  # unlisted: reported by the test above; admin object pages: below
        for method in ("GET", "POST"):
            if method not in rule:
                continue
            for role in ROLES:
                for which in ("own", "other") if kind else ("own",):
                    kwargs = world.objects[kind][which] if kind else {}
                    if kind == "user_session" and which == "own":
                        kwargs = world.clients["own_session"](role)
                    yield name, method, role, which, kwargs, rule


def header_problems(response) -> list[str]:  # type: ignore[no-untyped-def]
    problems = [
        f"{h} = {response.get(h)!r}" for h, v in SECURITY_HEADERS.items() if response.get(h) != v
    ]
    if "no-store" not in response.get("Cache-Control", ""):
        problems.append("Cache-Control without no-store")
    permissions = response.get("Permissions-Policy", "")
    if not all(feature in permissions for feature in PERMISSIONS_DENIED):
        problems.append(f"Permissions-Policy {permissions!r}")
    csp = response.get("Content-Security-Policy", "")
    directives = {d.strip() for d in csp.split(";") if d.strip()}
    if response.get("Content-Type", "").startswith("text/html") and not (
        directives >= CSP_DIRECTIVES
    ):
        problems.append(f"CSP {csp!r} lacks {sorted(CSP_DIRECTIVES - directives)}")
    return problems


@pytest.mark.django_db
def test_every_cell_of_the_matrix_holds_and_every_response_carries_the_security_headers(
    make_advisor, legal_service, book, make_jornada
):
    with time_machine.travel(NOW, tick=False):
        world = build_world(make_advisor, legal_service, book, make_jornada)
        failures: list[str] = []
        signed_in: dict[str, Client] = {}
        checked = 0
        for name, method, role, which, kwargs, rule in cells(world):
            if role not in signed_in:
                signed_in[role] = world.clients["factory"](role)
            client = signed_in[role]
            url = reverse(name, kwargs=kwargs)
            response = client.get(url) if method == "GET" else client.post(url)
            if method == "POST":
                del signed_in[role]  # a post may end the session: sign in afresh
            checked += 1
            want = expected(rule, method, role, which)
            if response.status_code not in want:
                failures.append(
                    f"{method} {name} as {role} ({which}): {response.status_code}, want {want}"
                )
            failures += [f"{method} {name} as {role}: {p}" for p in header_problems(response)]
    assert failures == [], "\n".join(failures)
    assert checked > 300


@pytest.mark.django_db
def test_no_one_but_verified_staff_accounts_reaches_an_admin_page_about_one_object(
    institute_config,
):
    from cercania.institute.models import Service

    service = Service.objects.first()
    assert service is not None
    users = {
        role: staff_user_create(email=f"{role}@example.org", display_name=role, roles=[Role(role)])
        for role in ("juridico", "violencia", "linea", "enlace")
    }
    pages = [
        reverse("admin:institute_service_change", args=[service.pk]),
        reverse("admin:institute_service_delete", args=[service.pk]),
        reverse("admin:institute_service_history", args=[service.pk]),
    ]
    for page in pages:
        assert Client().get(page).status_code == 302
        for user in users.values():
            client = Client()
            login_verified(client, user)
            assert client.get(page).status_code == 302, (page, user.email)
