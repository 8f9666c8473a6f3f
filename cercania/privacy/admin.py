"""Read-only admin lists of consents, ARCO requests and blocked records.

Nothing is edited here: every change goes through the services (audited, with their
rules). The lists show codes, dates and folios, never names or request texts.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import ArcoRequest, Consent, RetentionBlock


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Consent)
class ConsentAdmin(ReadOnlyAdmin):
    list_display = (
        "person",
        "purpose",
        "institution",
        "notice_version",
        "given_at",
        "withdrawn_at",
    )
    list_filter = ("purpose", "notice_version")
    search_fields = ("person__folio",)
    date_hierarchy = "given_at"
    fields = (
        "person",
        "purpose",
        "institution",
        "notice_version",
        "given_at",
        "recorded_by",
        "withdrawn_at",
        "withdrawn_by",
        "replaced_by",
    )


@admin.register(ArcoRequest)
class ArcoRequestAdmin(ReadOnlyAdmin):
    # No description or reason: they are read on the ARCO pages, where reads are logged.
    list_display = ("reference", "right", "status", "received_on", "answer_due", "execution_due")
    list_filter = ("right", "status")
    search_fields = ("reference",)
    fields = (
        "reference",
        "person",
        "right",
        "status",
        "received_on",
        "answer_due",
        "extension_used",
        "answered_on",
        "execution_due",
        "executed_on",
        "closed_at",
    )


@admin.register(RetentionBlock)
class RetentionBlockAdmin(ReadOnlyAdmin):
    list_display = ("object_type", "object_public_id", "reason", "blocked_at", "erased_at")
    list_filter = ("object_type", "reason")
    search_fields = ("object_public_id",)
