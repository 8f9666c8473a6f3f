"""`cercania demo`: the IMM Chihuahua configuration plus fictional demo data.

Idempotent: every step creates only what is missing. Demo users get random passwords
and a TOTP second factor the first time; passwords and TOTP keys are kept in var/
(git-ignored, mode 600) so a newcomer can read them again, and `cercania demo_otp EMAIL`
prints the current code. Both commands refuse to run with DEBUG off.
"""

from __future__ import annotations

import os
import secrets
from base64 import b32encode
from dataclasses import dataclass, field
from datetime import date, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from cercania.accounts.models import StaffTOTPDevice, User
from cercania.accounts.roles import Role
from cercania.accounts.services import staff_user_create
from cercania.institute.services import closed_days_sync_federal, institute_configure, load_profile
from cercania.partners.services import partners_configure

if TYPE_CHECKING:
    from cercania.scheduling.models import Advisor

PROFILE = Path(__file__).resolve().parent.parent / "institute" / "profiles" / "imm-chihuahua.toml"
DEMO_DOMAIN = "demo.cercania.invalid"

# role, e-mail local part, name shown, the service she attends as an advisor (if any)
DEMO_STAFF = [
    (Role.COORDINACION, "coordinacion", "Coordinación (demo)", None),
    (Role.JURIDICO, "juridico", "Abogada Ana (demo)", "juridico"),
    (Role.JURIDICO, "juridico2", "Abogada Dora (demo)", "juridico"),
    (Role.VIOLENCIA, "violencia", "Psicóloga Beatriz (demo)", "violencia"),
    (Role.LINEA, "linea", "Operadora Carmen (demo)", None),
    (Role.ENLACE, "enlace", "Enlace Emerson (demo)", None),
    (Role.SISTEMAS, "sistemas", "Sistemas (demo)", None),
]


@dataclass
class DemoReport:
    created: dict[str, int] = field(default_factory=dict)
    credentials: list[tuple[str, str, str]] = field(default_factory=list)  # role, email, password
    totp_keys: dict[str, str] = field(default_factory=dict)  # email → base32 key
    jornada_code: str = ""


def credentials_path() -> Path:
    return Path(settings.VAR_DIR) / "demo-credentials.txt"


def _read_saved_passwords() -> dict[str, str]:
    path = credentials_path()
    if not path.exists():
        return {}
    saved = {}
    for line in path.read_text().splitlines():
        parts = line.split("\t")
        if len(parts) in (3, 4):  # role, email, password[, TOTP key]
            saved[parts[1]] = parts[2]
    return saved


def _demo_totp_key(user: User) -> str:
    """Her authenticator key (base32, as apps take it), created confirmed the first time.

    Demo accounts only: a real user proves her authenticator with a code at enrolment.
    """
    device = StaffTOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()
    if device is None:
        device = StaffTOTPDevice.objects.create(user=user, name="Demo", confirmed=True)
    return b32encode(device.bin_key).decode()


@transaction.atomic
def profile_configure(*, years: range) -> dict[str, int]:
    """The IMM Chihuahua profile, its partners and the federal closed days of `years`,
    through the services: what the demo, the benchmarks and the fault tests start from.
    Returns how many rows each step created."""
    profile = load_profile(PROFILE)
    created = dict(institute_configure(profile=profile))
    created["closed_days"] = closed_days_sync_federal(years=years)
    created.update(partners_configure(profile=profile))
    return created


def legal_advisers_create(*, count: int, email_domain: str) -> list[Advisor]:
    """`count` legal advisers (video and phone, Monday–Friday 9:00–15:00), each with her
    staff account, through the services: the agenda of the benchmarks and fault tests."""
    from cercania.institute.models import Service
    from cercania.scheduling.services import advisor_create, availability_window_add

    legal = Service.objects.get(code="juridico")
    advisers: list[Advisor] = []
    for n in range(1, count + 1):
        user = staff_user_create(
            email=f"asesora{n}@{email_domain}",
            display_name=f"Asesora {n}",
            roles=[Role.JURIDICO],
        )
        adviser = advisor_create(
            user=user,
            services=[legal],
            modalities=["video", "phone"],
            meeting_room_url=f"https://salas.example.org/sala-{n}",
        )
        for weekday in range(1, 6):
            availability_window_add(advisor=adviser, weekday=weekday, starts=time(9), ends=time(15))
        advisers.append(adviser)
    return advisers


def demo_setup(*, today: date | None = None) -> DemoReport:
    today = today or timezone.localdate()
    report = DemoReport()
    report.created.update(profile_configure(years=range(today.year, today.year + 2)))

    saved = _read_saved_passwords()
    from cercania.partners.models import Liaison, Organization

    for role, local_part, display_name, _service in DEMO_STAFF:
        email = f"{local_part}@{DEMO_DOMAIN}"
        if not User.objects.filter(email=email).exists():
            password = secrets.token_urlsafe(12)
            user = staff_user_create(
                email=email, display_name=display_name, roles=[role], password=password
            )
            if role == Role.ENLACE:
                Liaison.objects.create(
                    user=user, organization=Organization.objects.get(name="Emerson Termotec")
                )
            saved[email] = password
            report.created["staff_users"] = report.created.get("staff_users", 0) + 1
        report.credentials.append(
            (role.value, email, saved.get(email, "(ver var/demo-credentials.txt)"))
        )
        report.totp_keys[email] = _demo_totp_key(User.objects.get(email=email))

    report.jornada_code = _demo_agendas(today=today, report=report)
    from cercania.cases.demo import cases_demo

    report.created.update(cases_demo(today=today))

    path = credentials_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    # Created 600 before anything is written: the file holds passwords and TOTP keys.
    with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as handle:
        handle.write(
            "".join(f"{r}\t{e}\t{p}\t{report.totp_keys[e]}\n" for r, e, p in report.credentials)
        )
    path.chmod(0o600)
    return report


def _demo_agendas(*, today: date, report: DemoReport) -> str:
    """Advisors with weekly hours, and an open jornada at Emerson Termotec next week."""
    from cercania.institute.models import Service
    from cercania.partners.models import Agreement, Organization
    from cercania.scheduling.models import Advisor, Jornada
    from cercania.scheduling.services import (
        advisor_create,
        availability_window_add,
        jornada_create,
        jornada_set_status,
        reserved_window_add,
    )

    advisors: list[Advisor] = []
    for number, (_role, local_part, _name, service_code) in enumerate(DEMO_STAFF, start=1):
        if service_code is None:
            continue
        user = User.objects.get(email=f"{local_part}@{DEMO_DOMAIN}")
        advisor = Advisor.objects.filter(user=user).first()
        if advisor is None:
            service = Service.objects.get(code=service_code)
            advisor = advisor_create(
                user=user,
                services=[service],
                modalities=service.modalities,
                # Neutral room names: a link must never reveal the service (see notifications).
                meeting_room_url=f"https://salas.example.org/sala-{number}",
            )
            for weekday in range(1, 6):
                availability_window_add(
                    advisor=advisor, weekday=weekday, starts=time(9), ends=time(15)
                )
            report.created["advisors"] = report.created.get("advisors", 0) + 1
        advisors.append(advisor)

    organization = Organization.objects.get(name="Emerson Termotec")
    existing = Jornada.objects.filter(
        organization=organization, status=Jornada.Status.OPEN, ends_on__gte=today
    ).first()
    if existing is not None:
        return existing.code
    next_monday = today + timedelta(days=7 - today.weekday())
    legal = Service.objects.get(code="juridico")
    jornada = jornada_create(
        title="IMM en tu empresa · Emerson Termotec",
        organization=organization,
        agreement=Agreement.objects.get(title="IMM en tu empresa"),
        starts_on=next_monday,
        ends_on=next_monday + timedelta(days=2),
        services=[legal],
        modalities=legal.modalities,
    )
    lawyers = [a for a in advisors if a.services.filter(pk=legal.pk).exists()]
    for offset, lawyer in zip(range(3), [*lawyers, lawyers[0]], strict=False):
        reserved_window_add(
            jornada=jornada,
            advisor=lawyer,
            day=next_monday + timedelta(days=offset),
            starts=time(9),
            ends=time(12),
        )
    jornada_set_status(jornada=jornada, status=Jornada.Status.OPEN)
    report.created["jornadas"] = 1
    return jornada.code
