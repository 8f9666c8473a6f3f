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
from datetime import date
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from cercania.accounts.models import User
from cercania.accounts.roles import Role
from cercania.accounts.services import staff_user_create
from cercania.institute.services import closed_days_sync_federal, institute_configure, load_profile
from cercania.partners.services import partners_configure

PROFILE = Path(__file__).resolve().parent.parent / "institute" / "profiles" / "imm-chihuahua.toml"
DEMO_DOMAIN = "demo.cercania.invalid"

DEMO_STAFF = [
    (Role.COORDINACION, "Coordinación (demo)"),
    (Role.JURIDICO, "Abogada Ana (demo)"),
    (Role.VIOLENCIA, "Psicóloga Beatriz (demo)"),
    (Role.LINEA, "Operadora Carmen (demo)"),
    (Role.ENLACE, "Enlace Emerson (demo)"),
    (Role.SISTEMAS, "Sistemas (demo)"),
]


@dataclass
class DemoReport:
    created: dict[str, int] = field(default_factory=dict)
    credentials: list[tuple[str, str, str]] = field(default_factory=list)  # role, email, password
    totp_keys: dict[str, str] = field(default_factory=dict)  # email → base32 key


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
    device = TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Demo", confirmed=True)
    return b32encode(device.bin_key).decode()


@transaction.atomic
def demo_setup(*, today: date | None = None) -> DemoReport:
    today = today or timezone.localdate()
    report = DemoReport()
    profile = load_profile(PROFILE)
    report.created.update(institute_configure(profile=profile))
    report.created["closed_days"] = closed_days_sync_federal(
        years=range(today.year, today.year + 2)
    )
    report.created.update(partners_configure(profile=profile))

    saved = _read_saved_passwords()
    from cercania.partners.models import Liaison, Organization

    for role, display_name in DEMO_STAFF:
        email = f"{role.value}@{DEMO_DOMAIN}"
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

    path = credentials_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    # Created 600 before anything is written: the file holds passwords and TOTP keys.
    with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as handle:
        handle.write(
            "".join(f"{r}\t{e}\t{p}\t{report.totp_keys[e]}\n" for r, e, p in report.credentials)
        )
    path.chmod(0o600)
    return report
