from __future__ import annotations

from datetime import date
from typing import Any

from django.db import transaction

from cercania.institute.models import Service

from .models import Agreement, Organization


@transaction.atomic
def partners_configure(*, profile: dict[str, Any]) -> dict[str, int]:
    """Create the organisations and agreements a profile lists, if missing."""
    created = {"organizations": 0, "agreements": 0}
    # Associations first, so members can point at them.
    entries = sorted(profile.get("organizations", []), key=lambda e: "member_of" in e)
    for entry in entries:
        if Organization.objects.filter(name=entry["name"]).exists():
            continue
        parent = entry.get("member_of")
        organization = Organization(
            name=entry["name"],
            kind=entry["kind"],
            municipality=entry.get("municipality", ""),
            member_of=Organization.objects.get(name=parent) if parent else None,
        )
        organization.full_clean()
        organization.save()
        created["organizations"] += 1
    for entry in profile.get("agreements", []):
        if Agreement.objects.filter(title=entry["title"]).exists():
            continue
        agreement = Agreement(
            title=entry["title"],
            status=entry.get("status", Agreement.Status.DRAFT),
            starts_on=date.fromisoformat(str(entry["starts_on"])),
            ends_on=date.fromisoformat(str(entry["ends_on"])) if entry.get("ends_on") else None,
            notes=entry.get("notes", ""),
        )
        agreement.full_clean()
        agreement.save()
        agreement.parties.set(Organization.objects.filter(name__in=entry.get("parties", [])))
        agreement.services.set(Service.objects.filter(code__in=entry.get("services", [])))
        created["agreements"] += 1
    return created
