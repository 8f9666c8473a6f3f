"""Every message is neutral: no institute, service or topic, and nothing of hers but
the alias she chose."""

from __future__ import annotations

import re

import icalendar
import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from cercania.cases.services import ContactChoices
from cercania.conftest import local
from cercania.institute.models import Institute, Service
from cercania.notifications.models import (
    HER_KINDS,
    Channel,
    Delivery,
    MessageKind,
    MessageTemplate,
    TemplateFormat,
)
from cercania.notifications.rendering import (
    agenda_entries,
    appointment_context,
    render_for_her,
    render_staff_agenda,
)
from cercania.notifications.wording import WordingRefused, denied_terms_in, validate_template
from cercania.scheduling.models import Appointment

pytestmark = pytest.mark.django_db

SENTINELS = {
    "phone": "+52 614 999 8877",
    "email": "correo.sentinela@example.net",
    "code_name": "ClaveSentinela",
    "what_may_be_said": "DichoSentinela",
    "municipality": "MunicipioSentinela",
    "cancel_reason": "MotivoSentinela",
}
ALIAS = "AliasSentinela"


@pytest.fixture
def sentinel_appointment(clock, book_her):
    appointment = book_her(
        modality="video",
        name=ALIAS,
        email=SENTINELS["email"],
        phone=SENTINELS["phone"],
        contact=ContactChoices(call=True, sms=True, whatsapp=True, email=True),
    )
    person = appointment.person
    person.code_name = SENTINELS["code_name"]
    person.what_may_be_said = SENTINELS["what_may_be_said"]
    person.municipality = SENTINELS["municipality"]
    person.birth_year = 1991
    person.save()
    Appointment.objects.filter(pk=appointment.pk).update(cancel_reason=SENTINELS["cancel_reason"])
    return Appointment.objects.select_related("person", "jornada").get(pk=appointment.pk)


def personal_values(appointment: Appointment) -> list[str]:
    person = appointment.person
    return [
        *SENTINELS.values(),
        "9998877",  # the phone in any format
        person.folio,
        "1991",
        appointment.advisor.user.email,
        appointment.advisor.user.display_name,
        appointment.service.name,
    ]


def without_links(text: str, appointment: Appointment) -> str:
    context = appointment_context(appointment)
    for name in ("enlace", "enlace_agendar"):
        text = text.replace(context[name], "")
    return text


def every_rendering(appointment: Appointment):
    for template in MessageTemplate.objects.all():
        channels = (
            [Channel.EMAIL]
            if template.format == TemplateFormat.EMAIL
            else [Channel.SMS, Channel.WHATSAPP]
        )
        for channel in channels:
            yield (
                template,
                channel,
                render_for_her(
                    template=template,
                    appointment=appointment,
                    kind=template.kind,
                    channel=channel,
                    sequence=3,
                ),
            )


def test_every_template_renders_neutral_with_no_personal_data_but_her_alias(
    sentinel_appointment,
):
    appointment = sentinel_appointment
    seen = set()
    for template, channel, rendered in every_rendering(appointment):
        seen.add((template.kind, channel))
        visible = [rendered.subject, rendered.text, rendered.html]
        invite = ""
        if rendered.ics:
            event = next(iter(icalendar.Calendar.from_ical(rendered.ics).walk("VEVENT")))
            invite = " ".join(str(event.get(k, "")) for k in ("SUMMARY", "DESCRIPTION", "LOCATION"))
            # Her address appears only where the invite must name its guest.
            assert [
                line
                for line in rendered.ics.replace("\r\n ", "").splitlines()
                if "sentinela@" in line
            ] == [
                f"ATTENDEE;PARTSTAT=NEEDS-ACTION;ROLE=REQ-PARTICIPANT;RSVP=FALSE:mailto:{SENTINELS['email']}"
            ]
            visible.append(invite)
        for part in visible:
            assert denied_terms_in(without_links(part, appointment)) == [], (template, part)
            for value in personal_values(appointment):
                assert value not in part, (template.kind, channel, value)
        # The alias: only in the greeting of an email body, never in a subject, an
        # SMS/WhatsApp text or an invite.
        assert ALIAS not in rendered.subject and ALIAS not in invite
        if channel == Channel.EMAIL:
            assert ALIAS in rendered.text
        else:
            assert ALIAS not in rendered.text
        # Only the day, time, modality, reference and links.
        assert "miércoles 2 de diciembre" in rendered.text and "10:30" in rendered.text
        assert appointment.reference in rendered.text
    assert seen == {(k.value, c) for k in HER_KINDS for c in Channel.values}


def test_the_staff_agenda_names_times_references_and_modalities_only(sentinel_appointment):
    appointment = sentinel_appointment
    day = local(2026, 12, 2).date()
    rendered = render_staff_agenda(entries=agenda_entries(appointment.advisor, day), day=day)
    assert rendered.subject == "Tu agenda del miércoles 2 de diciembre"
    for part in (rendered.subject, rendered.text, rendered.html):
        assert denied_terms_in(part) == []
        for value in [*personal_values(appointment), ALIAS]:
            assert value not in part
    assert "10:30 · " + appointment.reference + " · videollamada" in rendered.text
    assert appointment.reference in rendered.html


def test_the_html_part_says_what_the_text_says(sentinel_appointment):
    for _, channel, rendered in every_rendering(sentinel_appointment):
        if channel == Channel.EMAIL:
            words = re.sub(r"<[^>]+>", " ", rendered.html)
            for line in rendered.text.splitlines():
                for word in line.split():
                    assert word.replace("&", "&amp;") in words


@pytest.mark.parametrize(
    "body",
    [
        "Tu asesoría jurídica es el {{ dia }}",
        "Cita con la abogada el {{ dia }}",
        "Línea de atención a la VIOLENCIA: {{ hora }}",
        "Tu psicologa te espera",
        "Instituto Municipal de las Mujeres de Chihuahua",
        "Saludos del IMM",
        "Atención en situaciones de violencia",
    ],
)
def test_a_template_with_a_denied_word_is_refused_on_save(institute_config, body):
    template = MessageTemplate.objects.get(kind="confirmation", format="text")
    template.body = body
    with pytest.raises(ValidationError) as refused:
        template.full_clean()
    assert "body" in refused.value.message_dict


def test_the_deny_list_follows_the_institutes_own_names(institute_config):
    institute = Institute.objects.get()
    institute.short_name = "Casa Lila"
    institute.save()
    service = Service.objects.get(code="juridico")
    service.name = "Orientación Familiar Xochitl"
    service.save()
    for body in ("Te esperamos en Casa Lila", "Tu cita de orientación familiar xóchitl"):
        with pytest.raises(ValidationError):
            validate_template(kind="confirmation", fmt="text", subject="", body=body)
    validate_template(kind="confirmation", fmt="text", subject="", body="Tu cita: {{ dia }}")


@pytest.mark.parametrize(
    ("subject", "body", "field"),
    [
        ("Hola {{ alias }}", "Tu cita", "subject"),  # no alias in a subject
        ("Tu cita", "{{ appointment.person.name }}", "body"),  # only the listed data
        ("Tu cita", "{{ alias|upper }}", "body"),  # no filters
        ("Tu cita", "{% load static %}{{ dia }}", "body"),  # no other tags
        ("Tu cita", "{% if dia %}{{ dia }}", "body"),  # a broken template
        ("Tu cita {{ enlace }}", "Tu cita", "subject"),  # no links in a subject
        ("", "Tu cita", "subject"),  # an email needs a subject
    ],
)
def test_a_template_may_use_only_the_listed_data(institute_config, subject, body, field):
    with pytest.raises(ValidationError) as refused:
        validate_template(kind="confirmation", fmt="email", subject=subject, body=body)
    assert field in refused.value.message_dict


def test_the_shipped_templates_pass_their_own_check(institute_config):
    templates = list(MessageTemplate.objects.all())
    assert len(templates) == len(HER_KINDS) * len(TemplateFormat.values)
    for template in templates:
        template.full_clean()


def test_a_revealing_video_room_link_stops_the_message_and_flags_the_appointment(
    clock, book_her, run_worker
):
    appointment = book_her(modality="video", contact=ContactChoices(call=True, email=True))
    Appointment.objects.filter(pk=appointment.pk).update(
        join_url="https://salas.example.org/violencia"
    )
    appointment.refresh_from_db()
    with pytest.raises(WordingRefused):
        render_for_her(
            template=MessageTemplate.objects.get(kind="confirmation", format="email"),
            appointment=appointment,
            kind=MessageKind.CONFIRMATION,
            channel=Channel.EMAIL,
            sequence=0,
        )
    run_worker()
    assert mail.outbox == []
    delivery = Delivery.objects.get(appointment=appointment, kind="confirmation", channel="email")
    assert (delivery.status, delivery.reason) == ("failed", "wording")
    appointment.refresh_from_db()
    assert "Un mensaje no le llegó" in appointment.needs_staff_attention


def test_a_template_edited_after_planning_is_used_and_rechecked_when_sending(
    clock, book_her, run_worker
):
    appointment = book_her(contact=ContactChoices(sms=True))
    # Edited behind the admin's back (a shell, a bulk update): the send-time check holds.
    MessageTemplate.objects.filter(kind="confirmation", format="text").update(
        body="Tu cita con la abogada: {{ dia }}"
    )
    run_worker()
    delivery = Delivery.objects.get(appointment=appointment, kind="confirmation", channel="sms")
    assert (delivery.status, delivery.reason) == ("failed", "wording")
