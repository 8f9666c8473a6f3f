"""Admin for the catalogues of the case files and the risk instruments.

People, cases, contacts and assessments are not edited here: their writes go through
the services (audit trail, scope, encryption rules) and the staff pages.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from .models import (
    AggressorRelation,
    CaseOutcome,
    LegalMatter,
    RiskBand,
    RiskInstrument,
    RiskItem,
    ViolenceModality,
    ViolenceType,
)


class CatalogueAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "position", "active"]
    list_editable = ("position", "active")
    list_filter = ["active"]
    search_fields = ("name", "code")

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Records point at these options: retire an option ("en uso" off), never delete it.
        return False


@admin.register(LegalMatter)
class LegalMatterAdmin(CatalogueAdmin):
    list_display = ["name", "group", "code", "position", "active"]
    list_filter = ["group", "active"]


for model in (CaseOutcome, ViolenceType, ViolenceModality, AggressorRelation):
    admin.site.register(model, CatalogueAdmin)


class RiskItemInline(admin.TabularInline):
    model = RiskItem
    fields = ("number", "family", "text", "weight")
    extra = 0


class RiskBandInline(admin.TabularInline):
    model = RiskBand
    fields = ("level", "min_score")
    extra = 0


@admin.register(RiskInstrument)
class RiskInstrumentAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "version", "current", "published_on")
    inlines = [RiskItemInline, RiskBandInline]
    readonly_fields = ("in_use",)
    fieldsets = (
        (
            None,
            {"fields": ("code", "version", "name", "note", "current", "published_on", "in_use")},
        ),
    )

    @admin.display(description=_("tamizajes aplicados con esta versión"))
    def in_use(self, obj: RiskInstrument) -> int:
        return obj.assessments.count() if obj.pk else 0

    def _used(self, obj: RiskInstrument | None) -> bool:
        return obj is not None and obj.pk is not None and obj.assessments.exists()

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        # A version already used is frozen: its assessments must keep meaning what
        # they meant. Changes are a new version (only "current" may still move).
        if self._used(obj):
            return ("code", "version", "name", "note", "published_on", "in_use")
        return self.readonly_fields

    def get_inline_instances(self, request: HttpRequest, obj: Any = None) -> list[Any]:
        inlines = super().get_inline_instances(request, obj)
        if self._used(obj):
            for inline in inlines:
                inline.has_add_permission = lambda *a, **k: False  # type: ignore[method-assign]
                inline.has_change_permission = lambda *a, **k: False  # type: ignore[method-assign]
                inline.has_delete_permission = lambda *a, **k: False  # type: ignore[method-assign]
        return inlines

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return not self._used(obj) and super().has_delete_permission(request, obj)
