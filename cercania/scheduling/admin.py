"""Admin for agendas and jornadas: the coordinator's setup screens.

Appointments are not edited here: their lifecycle goes through the agenda views and
services (overlap rules, meetings, messages). The admin lists them without names.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from cercania.institute.admin import ModalitiesFormMixin

from .models import Advisor, Appointment, AvailabilityWindow, Jornada, ReservedWindow, TimeOff
from .services import jornada_code_new


class AvailabilityInline(admin.TabularInline):
    model = AvailabilityWindow
    fields = ("weekday", "starts", "ends")
    extra = 0


class TimeOffInline(admin.TabularInline):
    model = TimeOff
    fields = ("starts_at", "ends_at", "reason")
    extra = 0


class AdvisorForm(ModalitiesFormMixin):
    meeting_room_url = forms.URLField(
        label=_("enlace de su sala de videollamada"),
        required=False,
        assume_scheme="https",
        help_text=_("Para el proveedor «manual»: su sala fija."),
    )

    class Meta:
        model = Advisor
        fields = ("user", "services", "modalities", "meeting_room_url", "active")


@admin.register(Advisor)
class AdvisorAdmin(admin.ModelAdmin):
    form = AdvisorForm
    list_display = ("user", "active")
    list_filter = ("active", "services")
    search_fields = ("user__email", "user__display_name")
    autocomplete_fields = ("user",)
    filter_horizontal = ("services",)
    inlines = [AvailabilityInline, TimeOffInline]

    def save_related(self, request: HttpRequest, form, formsets, change) -> None:  # type: ignore[no-untyped-def]
        # Services first, so availability rows are checked against her new services.
        form.save_m2m()
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)


class ReservedWindowInline(admin.TabularInline):
    model = ReservedWindow
    fields = ("advisor", "date", "starts", "ends")
    extra = 0


class JornadaForm(ModalitiesFormMixin):
    class Meta:
        model = Jornada
        fields = (
            "title",
            "organization",
            "agreement",
            "starts_on",
            "ends_on",
            "services",
            "modalities",
            "daily_capacity",
            "status",
        )


@admin.register(Jornada)
class JornadaAdmin(admin.ModelAdmin):
    form = JornadaForm
    list_display = ("title", "organization", "starts_on", "ends_on", "status", "code", "poster")
    list_filter = ("status", "organization")
    search_fields = ("title", "code", "organization__name")
    readonly_fields = ("code",)
    filter_horizontal = ("services",)
    inlines = [ReservedWindowInline]
    date_hierarchy = "starts_on"

    def save_model(self, request: HttpRequest, obj: Jornada, form, change: bool) -> None:  # type: ignore[no-untyped-def]
        if not obj.code:
            obj.code = jornada_code_new()
        super().save_model(request, obj, form, change)

    @admin.display(description=_("cartel"))
    def poster(self, obj: Jornada) -> str:
        return format_html(
            '<a href="{}">{}</a>', reverse("agenda:poster", args=[obj.public_id]), _("Imprimir")
        )


@admin.register(Appointment)
class AppointmentAdmin(admin.ModelAdmin):
    # No person columns and no search by name: the list is for finding a reference.
    list_display = (
        "reference",
        "starts_at",
        "service",
        "advisor",
        "modality",
        "status",
        "needs_staff_attention",
    )
    list_filter = ("status", "service", "modality", "created_via")
    search_fields = ("reference",)
    date_hierarchy = "starts_at"
    fields = (
        "reference",
        "service",
        "advisor",
        "jornada",
        "starts_at",
        "ends_at",
        "modality",
        "status",
        "created_via",
        "join_url",
        "needs_staff_attention",
    )
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Appointment | None = None) -> bool:
        return False
