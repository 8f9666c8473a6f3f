"""Everything a woman can leave in Cercanía, built through the services: a booking, a
second appointment she cancelled, her safe-contact preferences, consents, a case with
a session, a referral and follow-ups, and an ARCO request. Used by the export and the
cancellation tests, which must find (or no longer find) every piece of it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time

from cercania.accounts.models import User
from cercania.cases.models import Case, Contact, FollowUp, Person, Referral
from cercania.cases.services import (
    ContactChoices,
    appointment_book_for,
    case_open,
    contact_record,
    follow_up_create,
    person_confirm_preferences,
    referral_create,
)
from cercania.conftest import local
from cercania.institute.models import ReferralInstitution, Service
from cercania.privacy.models import ArcoRequest, Consent
from cercania.privacy.services import (
    arco_request_register,
    consent_give,
    consents_record_booking,
)
from cercania.scheduling.models import Appointment
from cercania.scheduling.services import appointment_cancel, appointment_mark

BOOKED_AT = local(2026, 11, 29, 18, 0)  # a Sunday evening: the week ahead is bookable
AFTER_SESSION = local(2026, 12, 1, 11, 0)

PLAIN_TEXTS = {
    "name": "Rosa Elena Quiñónez",
    "phone": "614 765 4321",
    "email": "rosa.elena@example.org",
    "code_name": "La tía Chela",
    "what_may_be_said": "Que llama la tintorería",
    "cancel_reason": "No puede ese día",
    "summary": "Orientación sobre pensión alimenticia.",
    "referral_reason": "Acompañamiento en la denuncia.",
    "task": "Llamarle para saber cómo le fue.",
    "arco": "Pide copia de todos sus datos.",
}


@dataclass
class HerRecords:
    person: Person
    token: str  # the secret of her manage link
    attended: Appointment
    cancelled: Appointment
    consents: list[Consent]
    case: Case
    contact: Contact
    referral: Referral
    follow_up: FollowUp
    arco: ArcoRequest
    staff: User


def build_her_records(
    *,
    time_machine,
    book,
    service: Service,
    advisor,
    coordinator: User,
    texts: dict[str, str],
    right: str = ArcoRequest.Right.ACCESS,
) -> HerRecords:
    time_machine.move_to(BOOKED_AT, tick=False)
    allowed = ContactChoices(call=True, voicemail=True, sms=True, email=True)
    booking = book(
        service,
        local(2026, 12, 1, 9),
        name=texts["name"],
        phone=texts["phone"],
        email=texts["email"],
        contact=allowed,
        now=BOOKED_AT,
    )
    person = booking.appointment.person
    person_confirm_preferences(
        person=person,
        contact=allowed,
        safe_from=time(9),
        safe_until=time(18),
        what_may_be_said=texts["what_may_be_said"],
        code_name=texts["code_name"],
        actor=coordinator,
    )
    cancelled = appointment_book_for(
        person=person,
        service=service,
        start=local(2026, 12, 2, 9),
        modality="phone",
        actor=coordinator,
    )
    appointment_cancel(appointment=cancelled, reason=texts["cancel_reason"])
    institution = ReferralInstitution.objects.order_by("name").first()
    assert institution is not None
    consents = consents_record_booking(
        person=person, notice_version="2026.1", channels={"call", "sms", "email"}
    )
    consents.append(
        consent_give(
            person=person,
            purpose="share_institution",
            notice_version="2026.1",
            institution=institution,
            recorded_by=advisor.user,
        )
    )

    time_machine.move_to(AFTER_SESSION, tick=False)
    attended = appointment_mark(appointment=booking.appointment, status=Appointment.Status.ATTENDED)
    staff = advisor.user
    case = case_open(person=person, area="legal", assignee=staff, actor=staff)
    contact = contact_record(
        staff=staff,
        kind=Contact.Kind.PHONE_SESSION,
        started_at=local(2026, 12, 1, 9),
        result=Contact.Result.REFERRAL,
        duration_minutes=40,
        summary=texts["summary"],
        line=service,
        case=case,
        appointment=attended,
    )
    referral = referral_create(
        case=case,
        institution=institution,
        reason=texts["referral_reason"],
        follow_up_on=date(2026, 12, 15),
        actor=coordinator,
    )
    follow_up = follow_up_create(
        case=case, task=texts["task"], due_on=date(2026, 12, 8), assignee=staff, actor=staff
    )
    arco = arco_request_register(
        right=right,
        received_on=date(2026, 12, 1),
        description=texts["arco"],
        person=person,
        identity_checked=True,
        by=coordinator,
    )
    person.refresh_from_db()
    cancelled.refresh_from_db()
    return HerRecords(
        person=person,
        token=booking.token,
        attended=attended,
        cancelled=cancelled,
        consents=consents,
        case=case,
        contact=contact,
        referral=referral,
        follow_up=follow_up,
        arco=arco,
        staff=staff,
    )
