"""Writes to the institute's configuration."""

from __future__ import annotations

import tomllib
from datetime import date, time
from pathlib import Path
from typing import Any

import holidays
from django.db import transaction

from .models import (
    ClosedDay,
    EmergencyLine,
    Institute,
    OpeningHours,
    PrivacyNotice,
    ReferralInstitution,
    Service,
)


@transaction.atomic
def institute_configure(*, profile: dict[str, Any]) -> dict[str, int]:
    """Create what a profile describes and is missing; never overwrite existing rows.

    Returns how many rows of each kind were created, so a second load reports zeros.
    """
    created = {
        "institute": 0,
        "emergency_lines": 0,
        "services": 0,
        "opening_hours": 0,
        "privacy_notices": 0,
    }
    data = profile.get("institute")
    institute = Institute.objects.first()
    if institute is None and data:
        institute = Institute(**data)
        institute.full_clean()
        institute.save()
        created["institute"] = 1
    if institute is not None:
        for position, line in enumerate(profile.get("emergency_lines", [])):
            _, was_created = EmergencyLine.objects.get_or_create(
                institute=institute,
                number=line["number"],
                defaults={
                    "label": line["label"],
                    "note": line.get("note", ""),
                    "position": position,
                },
            )
            created["emergency_lines"] += was_created
    for position, entry in enumerate(profile.get("services", [])):
        fields = {k: v for k, v in entry.items() if k not in {"code", "hours"}}
        service = Service.objects.filter(code=entry["code"]).first()
        if service is None:
            service = Service(code=entry["code"], position=position, **fields)
            service.full_clean()
            service.save()
            created["services"] += 1
            for block in entry.get("hours", []):
                for weekday in block["weekdays"]:
                    row = OpeningHours(
                        service=service,
                        weekday=weekday,
                        opens=time.fromisoformat(block["opens"]),
                        closes=time.fromisoformat(block["closes"]),
                    )
                    row.full_clean()
                    row.save()
                    created["opening_hours"] += 1
    created["referral_institutions"] = 0
    for entry in profile.get("referral_institutions", []):
        _, was_created = ReferralInstitution.objects.get_or_create(
            name=entry["name"],
            defaults={k: v for k, v in entry.items() if k != "name"},
        )
        created["referral_institutions"] += was_created
    for entry in profile.get("privacy_notices", []):
        _, was_created = PrivacyNotice.objects.get_or_create(
            kind=entry["kind"],
            version=entry["version"],
            defaults={
                "body": entry["body"].strip(),
                "published_on": date.fromisoformat(str(entry["published_on"])),
            },
        )
        created["privacy_notices"] += was_created
    return created


def load_profile(path: Path) -> dict[str, Any]:
    with path.open("rb") as handle:
        return tomllib.load(handle)


@transaction.atomic
def closed_days_sync_federal(*, years: range) -> int:
    """Add Mexico's federal rest days for these years (from the `holidays` package).

    Returns how many days were added. Existing rows are left as the institute edited
    them. Election days are not in the package: the institute adds them as local days.
    """
    calendar = holidays.country_holidays("MX", years=list(years), language="es")
    added = 0
    for day, reason in sorted(calendar.items()):
        _, was_created = ClosedDay.objects.get_or_create(
            date=day, origin=ClosedDay.Origin.FEDERAL, defaults={"reason": str(reason)[:200]}
        )
        added += was_created
    return added
