"""Forms of the staff agenda. Query strings carry only dates, codes and public ids."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from cercania.institute.models import Service

from .models import Advisor, Appointment, Jornada
from .staff_selectors import AgendaFilters, DateRange, agenda_filter_choices, local_today

DATE_FORMAT = "%Y-%m-%d"


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format=DATE_FORMAT, **kwargs)


class AgendaRangeForm(forms.Form):
    """?dia=YYYY-MM-DD (one day) or ?semana=YYYY-MM-DD (the week of that day)."""

    dia = forms.DateField(
        label=_("Día"), required=False, input_formats=[DATE_FORMAT], widget=DateInput()
    )
    semana = forms.DateField(
        label=_("Semana del"), required=False, input_formats=[DATE_FORMAT], widget=DateInput()
    )

    def valid_data(self) -> dict[str, Any]:
        """The fields that validated (an error in one does not discard the others)."""
        if not self.is_bound:
            return {}
        self.is_valid()
        return self.cleaned_data

    def dates(self) -> DateRange:
        """The range asked for; today when nothing (valid) was asked."""
        data = self.valid_data()
        if data.get("semana"):
            return DateRange.week_of(data["semana"])
        return DateRange.day(data.get("dia") or local_today())


class ServiceChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Service) -> str:
        return obj.name


class AdvisorChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Advisor) -> str:
        return str(obj.user)


class JornadaChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Jornada) -> str:
        return f"{obj.title} · {obj.organization.name} ({obj.starts_on:%d/%m/%Y})"


class AgendaFilterForm(AgendaRangeForm):
    servicio = ServiceChoiceField(
        label=_("Servicio"),
        queryset=Service.objects.none(),
        to_field_name="code",
        required=False,
        empty_label=_("Todos"),
    )
    asesora = AdvisorChoiceField(
        label=_("Asesora"),
        queryset=Advisor.objects.none(),
        to_field_name="public_id",
        required=False,
        empty_label=_("Todas"),
    )
    jornada = JornadaChoiceField(
        label=_("Jornada"),
        queryset=Jornada.objects.none(),
        to_field_name="code",
        required=False,
        empty_label=_("Todas"),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        services, advisors, jornadas = agenda_filter_choices()
        self.fields["servicio"].queryset = services  # type: ignore[attr-defined]
        self.fields["asesora"].queryset = advisors  # type: ignore[attr-defined]
        self.fields["jornada"].queryset = jornadas  # type: ignore[attr-defined]

    def filters(self) -> AgendaFilters:
        data = self.valid_data()
        return AgendaFilters(
            service=data.get("servicio"), advisor=data.get("asesora"), jornada=data.get("jornada")
        )

    def query(self) -> dict[str, str]:
        """The valid filters as query-string values (codes and ids), for navigation links."""
        filters = self.filters()
        query = {}
        if filters.service:
            query["servicio"] = filters.service.code
        if filters.advisor:
            query["asesora"] = str(filters.advisor.public_id)
        if filters.jornada:
            query["jornada"] = filters.jornada.code
        return query


class MarkForm(forms.Form):
    estado = forms.ChoiceField(
        choices=[
            (Appointment.Status.ATTENDED.value, Appointment.Status.ATTENDED.label),
            (Appointment.Status.NO_SHOW.value, Appointment.Status.NO_SHOW.label),
        ]
    )


class CancelForm(forms.Form):
    motivo = forms.CharField(
        label=_("Motivo de la cancelación"),
        help_text=_("Para el registro interno. No escribas datos de la usuaria."),
        max_length=200,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": 200}),
        error_messages={
            "required": _("Escribe el motivo de la cancelación."),
            "max_length": _("El motivo debe tener como máximo %(limit_value)d caracteres."),
        },
    )


class RescheduleForm(forms.Form):
    """The new day and time. The time is checked against the offered slots by the
    service, not here: a slot taken since the page loaded is a clear message."""

    dia = forms.DateField(
        label=_("Día"),
        input_formats=[DATE_FORMAT],
        widget=DateInput(),
        error_messages={
            "required": _("Elige el día."),
            "invalid": _("Escribe el día como aaaa-mm-dd."),
        },
    )
    hora = forms.TimeField(
        # Rendered by the template as radio buttons, one per offered slot.
        label=_("Hora"),
        input_formats=["%H:%M"],
        error_messages={
            "required": _("Elige una hora."),
            "invalid": _("Elige una de las horas ofrecidas."),
        },
    )


class RescheduleDayForm(forms.Form):
    """?dia= on the reschedule page: which day's slots to offer."""

    dia = forms.DateField(
        label=_("Día"),
        required=False,
        input_formats=[DATE_FORMAT],
        widget=DateInput(),
        error_messages={"invalid": _("Escribe el día como aaaa-mm-dd.")},
    )

    def day(self, default: date) -> date:
        if self.is_bound and self.is_valid() and self.cleaned_data.get("dia"):
            return self.cleaned_data["dia"]
        return default
