"""The dashboard's filters: dates and public ids only, kept in the query string."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cercania.institute.models import Service
from cercania.partners.models import Organization
from cercania.scheduling.models import Advisor, Jornada

from .selectors import Filters, period_filters

MAX_DAYS = 3 * 366


class DateRangeForm(forms.Form):
    """Two optional dates (both inclusive); a missing one takes the default period's."""

    desde = forms.DateField(
        label=_("Desde"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    hasta = forms.DateField(
        label=_("Hasta"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def default_period(self) -> tuple[date, date]:
        """This month so far."""
        today = timezone.localdate()
        return today.replace(day=1), today

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        default_start, default_end = self.default_period()
        start = data.get("desde") or default_start
        end = data.get("hasta") or default_end
        if end < start:
            raise ValidationError(_("La fecha final es anterior a la inicial."))
        if (end - start).days > MAX_DAYS:
            raise ValidationError(_("El periodo puede ser de hasta tres años."))
        data["desde"], data["hasta"] = start, end
        return data


class PeriodForm(DateRangeForm):
    servicio = forms.ModelChoiceField(
        Service.objects.order_by("name"), label=_("Servicio"), required=False, to_field_name="code"
    )
    organizacion = forms.ModelChoiceField(
        Organization.objects.order_by("name"),
        label=_("Organización"),
        required=False,
        to_field_name="public_id",
    )
    jornada = forms.ModelChoiceField(
        Jornada.objects.order_by("-starts_on"),
        label=_("Jornada"),
        required=False,
        to_field_name="public_id",
    )
    asesora = forms.ModelChoiceField(
        Advisor.objects.select_related("user").order_by("user__display_name"),
        label=_("Asesora"),
        required=False,
        to_field_name="public_id",
    )

    def filters(self, *, external: bool = False) -> Filters:
        data = self.cleaned_data
        return period_filters(
            start=data["desde"],
            end=data["hasta"],
            external=external,
            service=data["servicio"].code if data.get("servicio") else None,
            organization=data["organizacion"].pk if data.get("organizacion") else None,
            jornada=data["jornada"].pk if data.get("jornada") else None,
            advisor=data["asesora"].pk if data.get("asesora") else None,
        )

    def query(self) -> dict[str, str]:
        """The cleaned filters as query-string values (dates, codes, public ids)."""
        data = self.cleaned_data
        query = {"desde": data["desde"].isoformat(), "hasta": data["hasta"].isoformat()}
        if data.get("servicio"):
            query["servicio"] = data["servicio"].code
        for name in ("organizacion", "jornada", "asesora"):
            if data.get(name):
                query[name] = str(data[name].public_id)
        return query


def default_period(today: date | None = None) -> tuple[date, date]:
    today = today or timezone.localdate()
    return today.replace(day=1), today


def previous_month(today: date) -> tuple[date, date]:
    end = today.replace(day=1) - timedelta(days=1)
    return end.replace(day=1), end


class MonthForm(forms.Form):
    """A month for the monthly PDF report; without one, last month."""

    mes = forms.DateField(
        label=_("Mes"),
        required=False,
        input_formats=["%Y-%m"],
        widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"),
        error_messages={"invalid": _("Escribe el mes como año-mes, por ejemplo 2026-12.")},
    )
    difusion = forms.BooleanField(
        label=_("Versión para difusión (oculta cifras pequeñas)"), required=False
    )

    def month(self) -> date:
        chosen = self.cleaned_data.get("mes")
        if chosen is None:
            return previous_month(timezone.localdate())[0]
        return chosen.replace(day=1)

    def clean_mes(self) -> date | None:
        chosen = self.cleaned_data.get("mes")
        if chosen is not None and chosen > timezone.localdate():
            raise ValidationError(_("Ese mes todavía no empieza."))
        return chosen


class OpenDataForm(DateRangeForm):
    """The period of an open-data file; without one, last calendar year."""

    def default_period(self) -> tuple[date, date]:
        last_year = timezone.localdate().year - 1
        return date(last_year, 1, 1), date(last_year, 12, 31)
