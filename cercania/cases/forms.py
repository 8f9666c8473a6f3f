"""Forms of the case files and the line console.

Choices travel as codes and public ids, never as primary keys; nothing personal goes
in a query string (people are searched by POST).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cercania.accounts.models import User
from cercania.accounts.roles import Role
from cercania.institute.models import Modality, ReferralInstitution, Service
from cercania.lib import phones
from cercania.partners.models import Organization
from cercania.privacy.models import ConsentPurpose

from .models import (
    AggressorRelation,
    Area,
    Case,
    CaseOutcome,
    Contact,
    GbvimsType,
    LegalMatter,
    Person,
    Referral,
    RiskAssessment,
    RiskInstrument,
    ViolenceModality,
    ViolenceType,
)
from .services import ContactChoices

DATE_FORMAT = "%Y-%m-%d"


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format=DATE_FORMAT, **kwargs)


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%H:%M", **kwargs)


class NamedChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(getattr(obj, "name", obj))


class StaffChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return obj.display_name or obj.email


class MattersField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.group}: {obj.name}"


def _queryset(form: forms.Form, name: str, queryset: QuerySet[Any]) -> None:
    cast(forms.ModelChoiceField, form.fields[name]).queryset = queryset


def _choices(form: forms.Form, name: str, choices: Any) -> None:
    cast(forms.ChoiceField, form.fields[name]).choices = choices


def staff_of(roles: list[Role]) -> QuerySet[User]:
    return (
        User.objects.filter(is_active=True, groups__name__in=[r.value for r in roles])
        .distinct()
        .order_by("display_name", "email")
    )


def _active(queryset: QuerySet[Any], current: Any = None) -> QuerySet[Any]:
    """Options in use, plus the ones a record already has (retired options stay shown)."""
    if current is None:
        return queryset.filter(active=True)
    from django.db.models import Q

    return queryset.filter(Q(active=True) | Q(pk__in=[c.pk for c in current]))


# ---------------------------------------------------------------- people


class PreferencesForm(forms.ModelForm):
    class Meta:
        model = Person
        fields = list(Person.PREFERENCE_FIELDS)
        widgets = {"safe_from": TimeInput(), "safe_until": TimeInput()}

    def contact_choices(self) -> ContactChoices:
        data = self.cleaned_data
        return ContactChoices(
            call=data["may_call"],
            voicemail=data["may_leave_voicemail"],
            sms=data["may_sms"],
            whatsapp=data["may_whatsapp"],
            email=data["may_email"],
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if (
            data.get("safe_from")
            and data.get("safe_until")
            and data["safe_from"] >= data["safe_until"]
        ):
            raise ValidationError(_("La hora «desde» debe ser anterior a la hora «hasta»."))
        return data


class PersonForm(forms.ModelForm):
    """Register a person. Duplicates are shown first; staff confirm she is new."""

    confirm_new = forms.BooleanField(
        label=_("Revisé los registros parecidos: es una persona nueva"), required=False
    )
    employer = NamedChoiceField(
        label=_("Empresa donde trabaja"),
        queryset=Organization.objects.filter(active=True),
        to_field_name="public_id",
        required=False,
    )

    class Meta:
        model = Person
        fields = [
            "name",
            "phone",
            "email",
            "birth_year",
            "municipality",
            "employer",
            *Person.PREFERENCE_FIELDS,
        ]
        widgets = {"safe_from": TimeInput(), "safe_until": TimeInput()}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["phone"].widget.input_type = "tel"
        self.fields["phone"].widget.attrs["autocomplete"] = "off"
        self.fields["name"].widget.attrs["autocomplete"] = "off"
        self.fields["email"].widget.input_type = "email"
        self.fields["birth_year"].widget.attrs.update({"min": 1900, "max": 2100})

    def clean_phone(self) -> str:
        raw = self.cleaned_data.get("phone", "")
        return phones.to_e164(raw) if raw else ""

    def clean_email(self) -> str:
        return (self.cleaned_data.get("email") or "").strip().lower()

    def clean_birth_year(self) -> int | None:
        year = self.cleaned_data.get("birth_year")
        if year is not None and not 1900 <= year <= timezone.localdate().year:
            raise ValidationError(_("Escribe un año de nacimiento válido."))
        return year

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if (
            data.get("safe_from")
            and data.get("safe_until")
            and data["safe_from"] >= data["safe_until"]
        ):
            raise ValidationError(_("La hora «desde» debe ser anterior a la hora «hasta»."))
        return data

    def _post_clean(self) -> None:
        # The service builds the person (folio, hashes); skip ModelForm's instance checks.
        pass

    def contact_choices(self) -> ContactChoices:
        return PreferencesForm.contact_choices(self)  # type: ignore[arg-type]


class PersonEditForm(forms.ModelForm):
    employer = NamedChoiceField(
        label=_("Empresa donde trabaja"),
        queryset=Organization.objects.filter(active=True),
        to_field_name="public_id",
        required=False,
    )

    class Meta:
        model = Person
        fields = ["name", "phone", "email", "birth_year", "municipality", "employer"]

    def clean_phone(self) -> str:
        raw = self.cleaned_data.get("phone", "")
        return phones.to_e164(raw) if raw else ""

    def _post_clean(self) -> None:
        pass


class MergeForm(forms.Form):
    folio = forms.CharField(
        label=_("Folio del registro duplicado"),
        max_length=24,
        help_text=_("Todo lo del registro duplicado pasará a este y el duplicado se eliminará."),
    )

    def clean_folio(self) -> str:
        return self.cleaned_data["folio"].strip().upper()


# ---------------------------------------------------------------- cases


class CaseOpenForm(forms.Form):
    area = forms.ChoiceField(label=_("Área"), choices=Area.choices)
    matters = MattersField(
        label=_("Materias"),
        queryset=LegalMatter.objects.none(),
        to_field_name="code",
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    assignee = StaffChoiceField(
        label=_("Asignar a"),
        queryset=User.objects.none(),
        to_field_name="public_id",
        required=False,
        empty_label=_("Sin asignar (todo el equipo)"),
    )
    restricted = forms.BooleanField(
        label=_("Confidencial: solo la asesora asignada y coordinación"), required=False
    )

    def __init__(self, *args: Any, areas: set[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choices(self, "area", [(a, label) for a, label in Area.choices if a in areas])
        _queryset(self, "matters", LegalMatter.objects.filter(active=True))
        _queryset(self, "assignee", staff_of([Role.JURIDICO, Role.VIOLENCIA, Role.COORDINACION]))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("restricted") and not data.get("assignee"):
            self.add_error(
                "assignee", _("Un expediente confidencial necesita una asesora asignada.")
            )
        return data


class CaseEditForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Estado"),
        choices=[(s, label) for s, label in Case.Status.choices if s != Case.Status.CLOSED],
    )
    matters = MattersField(
        label=_("Materias"),
        queryset=LegalMatter.objects.none(),
        to_field_name="code",
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    assignee = StaffChoiceField(
        label=_("Asignada a"),
        queryset=User.objects.none(),
        to_field_name="public_id",
        required=False,
        empty_label=_("Sin asignar (todo el equipo)"),
    )
    restricted = forms.BooleanField(
        label=_("Confidencial: solo la asesora asignada y coordinación"), required=False
    )

    def __init__(self, *args: Any, case: Case, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _queryset(self, "matters", _active(LegalMatter.objects.all(), case.matters.all()))
        _queryset(self, "assignee", staff_of([Role.JURIDICO, Role.VIOLENCIA, Role.COORDINACION]))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("restricted") and not data.get("assignee"):
            self.add_error(
                "assignee", _("Un expediente confidencial necesita una asesora asignada.")
            )
        return data


class CaseCloseForm(forms.Form):
    outcome = NamedChoiceField(
        label=_("Resultado"),
        queryset=CaseOutcome.objects.filter(active=True),
        to_field_name="code",
        error_messages={"required": _("Para cerrar el expediente indica el resultado.")},
    )


# ---------------------------------------------------------------- contacts


class LineChoiceField(NamedChoiceField):
    pass


def _local_now() -> datetime:
    return timezone.localtime()


class ContactForm(forms.Form):
    kind = forms.ChoiceField(label=_("Tipo"), choices=Contact.Kind.choices)
    line = LineChoiceField(
        label=_("Línea o servicio"),
        queryset=Service.objects.filter(active=True),
        to_field_name="code",
        required=False,
    )
    day = forms.DateField(label=_("Fecha"), input_formats=[DATE_FORMAT], widget=DateInput())
    start = forms.TimeField(label=_("Hora de inicio"), widget=TimeInput())
    duration_minutes = forms.IntegerField(
        label=_("Duración (minutos)"), min_value=0, max_value=600, initial=0
    )
    result = forms.ChoiceField(label=_("Resultado"), choices=Contact.Result.choices)
    summary = forms.CharField(
        label=_("Resumen"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Lo necesario para dar continuidad. Se guarda cifrado."),
    )

    def started_at(self) -> datetime:
        return timezone.make_aware(
            datetime.combine(self.cleaned_data["day"], self.cleaned_data["start"])
        )


class AppointmentContactForm(ContactForm):
    """The contact of an attended session: the case is picked or opened here."""

    case = forms.ChoiceField(label=_("Expediente"))
    matters = MattersField(
        label=_("Materias (si es un expediente nuevo)"),
        queryset=LegalMatter.objects.none(),
        to_field_name="code",
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    NEW = "new"

    def __init__(self, *args: Any, cases: list[Case], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.cases = {str(c.public_id): c for c in cases}
        _choices(
            self,
            "case",
            [
                *[
                    (
                        str(c.public_id),
                        f"{c.folio} · {c.get_area_display()} · {c.get_status_display()}",
                    )
                    for c in cases
                ],
                (self.NEW, _("Abrir un expediente nuevo")),
            ],
        )
        _queryset(self, "matters", LegalMatter.objects.filter(active=True))

    def chosen_case(self) -> Case | None:
        return self.cases.get(self.cleaned_data["case"])


class ContactLinkForm(forms.Form):
    folio = forms.CharField(label=_("Folio de la usuaria"), max_length=24)
    case = forms.CharField(
        label=_("Folio del expediente (opcional)"), max_length=40, required=False
    )

    def clean_folio(self) -> str:
        return self.cleaned_data["folio"].strip().upper()

    def clean_case(self) -> str:
        return self.cleaned_data["case"].strip().upper()


# ---------------------------------------------------------------- the line console


class PhoneSearchForm(forms.Form):
    phone = forms.CharField(
        label=_("Teléfono de quien llama"),
        max_length=32,
        widget=forms.TextInput(
            attrs={
                "type": "tel",
                "autofocus": True,
                "accesskey": "b",
                "autocomplete": "off",
                "inputmode": "tel",
            }
        ),
    )

    def clean_phone(self) -> str:
        return phones.to_e164(self.cleaned_data["phone"])


class ConsoleCallForm(forms.Form):
    """A call as it happens: the start is taken when the page opens; the duration is
    computed at saving unless typed."""

    kind = forms.ChoiceField(
        label=_("Tipo"),
        choices=[
            (Contact.Kind.INCOMING_CALL, Contact.Kind.INCOMING_CALL.label),
            (Contact.Kind.OUTGOING_CALL, Contact.Kind.OUTGOING_CALL.label),
        ],
        initial=Contact.Kind.INCOMING_CALL,
    )
    line = LineChoiceField(
        label=_("Línea"),
        queryset=Service.objects.filter(active=True).exclude(phone_display=""),
        to_field_name="code",
    )
    result = forms.ChoiceField(
        label=_("Resultado"),
        choices=Contact.Result.choices,
        widget=forms.RadioSelect,
        initial=Contact.Result.ORIENTATION,
    )
    summary = forms.CharField(
        label=_("Resumen de la llamada"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "accesskey": "r"}),
        help_text=_(
            "Se guarda cifrado. Después de guardarlo no se vuelve a mostrar en la consola."
        ),
    )
    duration_minutes = forms.IntegerField(
        label=_("Duración (minutos)"),
        min_value=0,
        max_value=600,
        required=False,
        help_text=_("Déjalo vacío para calcularlo desde que se abrió esta página."),
    )
    started = forms.DateTimeField(widget=forms.HiddenInput, required=False)
    phone = forms.CharField(widget=forms.HiddenInput, required=False, max_length=32)

    def started_at(self, now: datetime) -> datetime:
        started = self.cleaned_data.get("started")
        if started is None or started > now:
            minutes = self.cleaned_data.get("duration_minutes") or 0
            return now - (timedelta(minutes=minutes))
        return started

    def duration(self, now: datetime) -> int:
        typed = self.cleaned_data.get("duration_minutes")
        if typed is not None:
            return typed
        # A page left open for hours must not record an impossible call length.
        return min(600, max(0, round((now - self.started_at(now)).total_seconds() / 60)))

    def clean_phone(self) -> str:
        raw = self.cleaned_data.get("phone", "")
        return phones.to_e164(raw) if raw else ""


class ConsoleBookForm(forms.Form):
    service = LineChoiceField(
        label=_("Servicio"),
        queryset=Service.objects.filter(active=True),
        to_field_name="code",
    )
    modality = forms.ChoiceField(label=_("Modalidad"), choices=Modality.choices)
    day = forms.DateField(label=_("Día"), input_formats=[DATE_FORMAT], widget=DateInput())


class ConsoleSlotForm(forms.Form):
    service = forms.CharField(widget=forms.HiddenInput)
    modality = forms.ChoiceField(choices=Modality.choices, widget=forms.HiddenInput)
    start = forms.DateTimeField(widget=forms.HiddenInput)


# ---------------------------------------------------------------- violence record


class ViolenceRecordForm(forms.Form):
    types = forms.ModelMultipleChoiceField(
        label=_("Tipos de violencia"),
        queryset=ViolenceType.objects.none(),
        to_field_name="code",
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    modalities = forms.ModelMultipleChoiceField(
        label=_("Modalidades"),
        queryset=ViolenceModality.objects.none(),
        to_field_name="code",
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    aggressor_relation = NamedChoiceField(
        label=_("Relación con quien agrede"),
        queryset=AggressorRelation.objects.none(),
        to_field_name="code",
        required=False,
    )
    aggressor_same_company = forms.BooleanField(
        label=_("Quien agrede trabaja en la misma empresa que ella"),
        required=False,
        help_text=_("Si es así: nunca contactarla a través de la empresa."),
    )
    gbvims_type = forms.ChoiceField(
        label=_("Tipo GBVIMS (para comparación)"),
        choices=[("", "—"), *GbvimsType.choices],
        required=False,
    )

    def __init__(self, *args: Any, current: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _queryset(
            self,
            "types",
            _active(ViolenceType.objects.all(), current.types.all() if current else None),
        )
        _queryset(
            self,
            "modalities",
            _active(ViolenceModality.objects.all(), current.modalities.all() if current else None),
        )
        relation = [current.aggressor_relation] if current and current.aggressor_relation else None
        _queryset(self, "aggressor_relation", _active(AggressorRelation.objects.all(), relation))


# ---------------------------------------------------------------- risk screening


class RiskForm(forms.Form):
    """One yes/no field per item of the instrument version, then the actions taken."""

    action_safety_plan = forms.BooleanField(label=_("Plan de seguridad"), required=False)
    action_referral = forms.BooleanField(label=_("Canalización"), required=False)
    action_emergency_call = forms.BooleanField(
        label=_("Llamada a emergencias (911)"), required=False
    )
    action_protection_order = forms.BooleanField(
        label=_("Orientación sobre orden de protección"), required=False
    )
    action_notes = forms.CharField(
        label=_("Notas sobre las acciones"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, instrument: RiskInstrument, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.instrument = instrument
        self.items = list(instrument.items.all())
        for item in self.items:
            self.fields[f"item_{item.number}"] = forms.BooleanField(
                label=f"{item.number}. {item.text}", required=False
            )

    def item_fields(self) -> list[tuple[str, list[forms.BoundField]]]:
        """Items grouped by family, in order, for the template."""
        groups: list[tuple[str, list[forms.BoundField]]] = []
        for item in self.items:
            if not groups or groups[-1][0] != item.family:
                groups.append((item.family, []))
            groups[-1][1].append(self[f"item_{item.number}"])
        return groups

    def action_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in RiskAssessment.ACTION_FIELDS]

    def answers(self) -> dict[int, bool]:
        return {item.number: bool(self.cleaned_data[f"item_{item.number}"]) for item in self.items}

    def actions(self) -> list[str]:
        return [name for name in RiskAssessment.ACTION_FIELDS if self.cleaned_data.get(name)]


# ---------------------------------------------------------------- referrals, follow-ups


class ReferralForm(forms.Form):
    institution = NamedChoiceField(
        label=_("Institución"),
        queryset=ReferralInstitution.objects.filter(active=True),
        to_field_name="public_id",
    )
    reason = forms.CharField(
        label=_("Motivo"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )
    shares_data = forms.BooleanField(
        label=_("Se compartirán sus datos con la institución"),
        required=False,
        initial=True,
        help_text=_(
            "Requiere su consentimiento para compartir con esa institución. Si no, "
            "desmarca: ella acude por su cuenta con la información que le damos."
        ),
    )
    consent_given_now = forms.BooleanField(
        label=_("Ella da ahora su consentimiento para compartir sus datos con esta institución"),
        required=False,
        help_text=_(
            "Márcalo solo si se lo preguntaste y aceptó. Se registra con la versión "
            "vigente del aviso de privacidad y tu nombre."
        ),
    )
    follow_up_on = forms.DateField(
        label=_("Dar seguimiento el"),
        required=False,
        input_formats=[DATE_FORMAT],
        widget=DateInput(),
    )
    override_reason = forms.CharField(
        label=_("Excepción de coordinación: motivo por escrito"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        help_text=_(
            "Solo coordinación. Compartir sus datos sin su consentimiento queda "
            "registrado en la bitácora como excepción."
        ),
    )

    def __init__(self, *args: Any, can_override: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not can_override:
            del self.fields["override_reason"]

    def clean_follow_up_on(self) -> date | None:
        day = self.cleaned_data.get("follow_up_on")
        if day is not None and day < timezone.localdate():
            raise ValidationError(_("La fecha de seguimiento ya pasó."))
        return day


class ConsentForm(forms.Form):
    """A consent she gives to staff (session, call, in person)."""

    purpose = forms.ChoiceField(label=_("Finalidad"), choices=ConsentPurpose.choices)
    institution = NamedChoiceField(
        label=_("Institución (solo para compartir sus datos)"),
        queryset=ReferralInstitution.objects.filter(active=True),
        to_field_name="public_id",
        required=False,
    )
    she_agrees = forms.BooleanField(
        label=_("Le expliqué el aviso de privacidad vigente y da su consentimiento"),
        error_messages={"required": _("Confirma que ella da su consentimiento.")},
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        sharing = data.get("purpose") == ConsentPurpose.SHARE_INSTITUTION
        if sharing and not data.get("institution"):
            self.add_error(
                "institution", _("Elige la institución con la que acepta compartir sus datos.")
            )
        if not sharing and data.get("institution"):
            self.add_error(
                "institution", _("La institución se elige solo para compartir sus datos.")
            )
        return data


class ReferralStatusForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Nuevo estado"),
        choices=[(s, label) for s, label in Referral.Status.choices if s != Referral.Status.SENT],
    )
    rejection_reason = forms.CharField(
        label=_("Motivo del rechazo"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=1000,
    )


class FollowUpForm(forms.Form):
    task = forms.CharField(label=_("Qué hacer"), max_length=200)
    due_on = forms.DateField(
        label=_("Fecha límite"), input_formats=[DATE_FORMAT], widget=DateInput()
    )
    assignee = StaffChoiceField(
        label=_("Responsable"),
        queryset=User.objects.none(),
        to_field_name="public_id",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _queryset(self, "assignee", staff_of([Role.JURIDICO, Role.VIOLENCIA, Role.COORDINACION]))


class CaseFilterForm(forms.Form):
    estado = forms.ChoiceField(
        label=_("Estado"),
        required=False,
        choices=[("active", _("Activos")), ("", _("Todos")), *Case.Status.choices],
    )
    area = forms.ChoiceField(
        label=_("Área"), required=False, choices=[("", _("Todas")), *Area.choices]
    )
    mios = forms.BooleanField(label=_("Solo asignados a mí"), required=False)
