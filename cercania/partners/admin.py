"""Admin for partner organisations, their agreements (convenios) and liaisons."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import formats
from django.utils.translation import gettext_lazy as _

from .models import Agreement, Liaison, Organization


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "member_of", "municipality", "active")
    list_filter = ("kind", "active")
    search_fields = ("name", "municipality")
    list_select_related = ("member_of",)
    fields = ("name", "kind", "member_of", "municipality", "active")


@admin.register(Agreement)
class AgreementAdmin(admin.ModelAdmin):
    list_display = ("title", "status", "validity", "party_list", "signed_on")
    list_filter = ("status",)
    search_fields = ("title", "parties__name")
    date_hierarchy = "starts_on"
    filter_horizontal = ("parties", "services")
    fieldsets = (
        (None, {"fields": ("title", "status", "parties", "services")}),
        (_("Vigencia"), {"fields": ("starts_on", "ends_on", "signed_on")}),
        (None, {"fields": ("notes",)}),
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[Agreement]:
        return super().get_queryset(request).prefetch_related("parties")

    @admin.display(description=_("Vigencia"), ordering="starts_on")
    def validity(self, obj: Agreement) -> str:
        starts = formats.date_format(obj.starts_on, "SHORT_DATE_FORMAT")
        if obj.ends_on is None:
            return _("desde el %(starts)s, sin fecha de término") % {"starts": starts}
        ends = formats.date_format(obj.ends_on, "SHORT_DATE_FORMAT")
        return f"{starts} – {ends}"

    @admin.display(description=_("partes"))
    def party_list(self, obj: Agreement) -> str:
        return ", ".join(party.name for party in obj.parties.all())


@admin.register(Liaison)
class LiaisonAdmin(admin.ModelAdmin):
    list_display = ("user", "organization", "position")
    list_filter = ("organization",)
    search_fields = ("user__email", "user__display_name", "organization__name")
    list_select_related = ("user", "organization")
    autocomplete_fields = ("user", "organization")
