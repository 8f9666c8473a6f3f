"""Admin for the institute's configuration: profile, services, closed days, notices."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db import models
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _

from .models import (
    ClosedDay,
    EmergencyLine,
    Institute,
    Modality,
    OpeningHours,
    PrivacyNotice,
    ReferralInstitution,
    Service,
)

admin.site.site_header = _("Cercanía · administración")
admin.site.site_title = _("Cercanía")
admin.site.index_title = _("Configuración")


class EmergencyLineInline(admin.TabularInline):
    model = EmergencyLine
    fields = ("label", "number", "note", "position")
    extra = 0


@admin.register(Institute)
class InstituteAdmin(admin.ModelAdmin):
    list_display = ("name", "short_name", "municipality", "state")
    fieldsets = (
        (None, {"fields": ("name", "short_name", "municipality", "state", "folio_prefix")}),
        (_("En internet"), {"fields": ("website_url", "facebook_url")}),
    )
    inlines = [EmergencyLineInline]
    # Django 6 makes https the default scheme for typed addresses; take it now.
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def has_add_permission(self, request: HttpRequest) -> bool:
        # One institute per deployment (the database enforces it too); the admin
        # edits the existing profile instead of failing on save.
        if Institute.objects.exists():
            return False
        return super().has_add_permission(request)


class ModalitiesFormMixin(forms.ModelForm):
    """A JSON list of modalities, edited as checkboxes so only known values get in."""

    modalities = forms.MultipleChoiceField(
        label=_("modalidades"),
        choices=Modality.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Cómo se da el servicio: videollamada, llamada telefónica o ambas."),
    )

    def clean_modalities(self) -> list[str]:
        chosen = set(self.cleaned_data["modalities"])
        # Kept in the order of Modality, whatever order the browser sends.
        return [value for value in Modality.values if value in chosen]


class ServiceAdminForm(ModalitiesFormMixin):
    class Meta:
        model = Service
        fields = (
            "name",
            "code",
            "description",
            "phone_display",
            "modalities",
            "session_minutes",
            "bookable_online",
            "active",
            "position",
        )


class OpeningHoursInline(admin.TabularInline):
    model = OpeningHours
    fields = ("weekday", "opens", "closes")
    extra = 0


@admin.register(Service)
class ServiceAdmin(admin.ModelAdmin):
    form = ServiceAdminForm
    list_display = (
        "name",
        "code",
        "phone_display",
        "modality_list",
        "session_minutes",
        "bookable_online",
        "active",
        "position",
    )
    list_filter = ("active", "bookable_online")
    search_fields = ("name", "code", "phone_display")
    prepopulated_fields = {"code": ("name",)}
    inlines = [OpeningHoursInline]

    @admin.display(description=_("modalidades"))
    def modality_list(self, obj: Service) -> str:
        return ", ".join(obj.modality_labels())


CLOSED_DAYS_HELP = _(
    "Los descansos obligatorios federales se cargan con el comando "
    "«cercania sync_closed_days»; aquí se agregan los días inhábiles locales."
)


class ClosedDayAdminForm(forms.ModelForm):
    class Meta:
        model = ClosedDay
        fields = ("date", "reason", "origin")
        help_texts = {"origin": CLOSED_DAYS_HELP}


@admin.register(ClosedDay)
class ClosedDayAdmin(admin.ModelAdmin):
    form = ClosedDayAdminForm
    list_display = ("date", "reason", "origin")
    list_filter = ("origin",)
    date_hierarchy = "date"
    search_fields = ("reason",)
    ordering = ("date",)

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        extra_context = {"subtitle": CLOSED_DAYS_HELP, **(extra_context or {})}
        return super().changelist_view(request, extra_context)


@admin.register(PrivacyNotice)
class PrivacyNoticeAdmin(admin.ModelAdmin):
    list_display = ("kind", "version", "published_on")
    list_filter = ("kind",)
    search_fields = ("version", "body")
    date_hierarchy = "published_on"


@admin.register(ReferralInstitution)
class ReferralInstitutionAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "phone", "active")
    list_filter = ("kind", "active")
    search_fields = ("name", "services")
