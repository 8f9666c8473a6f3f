"""Fictional case files for `cercania demo`: 30 women, legal and violence cases, three
months of contacts, screenings, referrals and follow-ups.

Every name ends in "(ficticia)", every phone is in the 614 000 range and every email
is at ficticia.invalid: nothing here is, or may be mistaken for, a real person. Built
through the services (so the audit trail looks like real use) and idempotent: a second
run finds the first demo person and creates nothing.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta

from django.db import transaction

from cercania.accounts.models import User
from cercania.accounts.roles import Role
from cercania.institute.models import ReferralInstitution, Service
from cercania.institute.selectors import institute_zone
from cercania.partners.models import Organization
from cercania.privacy.services import consent_give

from .models import (
    AggressorRelation,
    Area,
    CaseOutcome,
    Contact,
    CreatedVia,
    LegalMatter,
    Person,
    RiskLevel,
    ViolenceModality,
    ViolenceType,
)
from .selectors import risk_instrument_current
from .services import (
    ContactChoices,
    case_close,
    case_open,
    contact_record,
    follow_up_create,
    person_register,
    phone_hash,
    referral_create,
    risk_assessment_complete,
    risk_assessment_request,
    risk_score,
    violence_record_save,
)

FICTIONAL = "(ficticia)"
FIRST_NAMES = [
    "Adriana", "Beatriz", "Carmen", "Daniela", "Elena", "Fernanda", "Gabriela", "Hilda",
    "Irma", "Josefina", "Karla", "Laura", "Mariana", "Norma", "Olga", "Patricia",
    "Rocío", "Sandra", "Teresa", "Verónica", "Yolanda", "Alejandra", "Brenda", "Claudia",
    "Diana", "Esperanza", "Guadalupe", "Leticia", "Miriam", "Silvia",
]  # fmt: skip
SURNAMES = [
    "Acosta", "Barraza", "Carrasco", "Domínguez", "Estrada", "Franco", "Granados",
    "Holguín", "Ibarra", "Jáquez", "Loya", "Márquez", "Nevárez", "Ochoa", "Porras",
    "Quintana", "Rascón", "Sáenz", "Terrazas", "Urías", "Villalobos", "Zubía",
]  # fmt: skip
LEGAL_SUMMARIES = [
    "Pregunta por los requisitos para el divorcio incausado y la custodia de sus hijas.",
    "Quiere solicitar pensión alimenticia; el padre dejó de aportar hace seis meses.",
    "Error en su acta de nacimiento; se le explica la rectificación administrativa.",
    "Dudas sobre el reconocimiento de paternidad de su hijo menor.",
    "La despidieron al avisar de su embarazo; se le orienta sobre sus derechos laborales.",
    "Su arrendador retiene sus documentos; se le explica cómo recuperarlos.",
    "Pregunta cómo presentar una denuncia por incumplimiento alimentario.",
    "Seguimiento: llevó los documentos; se revisa el escrito inicial.",
]
VIOLENCE_SUMMARIES = [
    "Refiere insultos y control del dinero por parte de su pareja. Se trabaja plan de seguridad.",
    "Su jefe le hace comentarios sexuales; teme perder el empleo. Se le explica el protocolo.",
    "Expareja la busca fuera de su casa. Se orienta sobre orden de protección.",
    "Primera escucha: se siente más tranquila, acepta seguimiento semanal.",
    "Seguimiento telefónico: sin nuevos incidentes, continúa con acompañamiento psicológico.",
]


def _demo_staff(role: Role) -> list[User]:
    users = list(
        User.objects.filter(groups__name=role.value, is_active=True).order_by("email").distinct()
    )
    demo = [u for u in users if u.email.endswith(".invalid")]
    return demo or users


def _business_moment(rng: random.Random, *, today: date, days_back: int) -> datetime:
    """A weekday between 9:00 and 14:30 local, `days_back` days ago or a bit later."""
    day = today - timedelta(days=days_back)
    while day.isoweekday() > 5:
        day -= timedelta(days=1)
    minutes = rng.randrange(0, 5 * 60 + 30, 15)
    return datetime.combine(day, time(9), tzinfo=institute_zone()) + timedelta(minutes=minutes)


@transaction.atomic
def cases_demo(*, today: date) -> dict[str, int]:
    """Create the fictional case files, once. Returns what was created."""
    first_phone = "614 000 0101"
    if Person.objects.filter(phone_hash=phone_hash(first_phone)).exists():
        return {}
    lawyers = _demo_staff(Role.JURIDICO)
    workers = _demo_staff(Role.VIOLENCIA)
    operators = _demo_staff(Role.LINEA) or lawyers
    if not lawyers or not workers:
        raise ValueError("cases_demo needs demo staff of juridico and violencia first")
    # Seeded, not secret: the same fictional demo on every machine.
    rng = random.Random(20260114)  # noqa: S311
    legal_line = Service.objects.get(code="juridico")
    violence_line = Service.objects.get(code="violencia")
    matters = list(LegalMatter.objects.filter(active=True))
    outcomes = list(CaseOutcome.objects.filter(active=True))
    institutions = list(ReferralInstitution.objects.filter(active=True))
    company = Organization.objects.filter(kind=Organization.Kind.COMPANY).first()
    instrument = risk_instrument_current()
    created = {
        "people": 0,
        "cases": 0,
        "contacts": 0,
        "screenings": 0,
        "referrals": 0,
        "follow_ups": 0,
    }

    for n in range(30):
        name = f"{FIRST_NAMES[n]} {rng.choice(SURNAMES)} {rng.choice(SURNAMES)} {FICTIONAL}"
        violence = n % 3 == 2  # a third of the women come through the violence line
        operator = rng.choice(operators)
        person = person_register(
            name=name,
            phone=f"614 000 {101 + n:04d}",
            email=f"usuaria{n + 1}@ficticia.invalid" if n % 4 == 0 else "",
            birth_year=rng.randint(1975, 2005),
            municipality="Chihuahua",
            employer=company if n % 5 == 0 else None,
            code_name=f"Clave {n + 1}" if violence else "",
            contact=ContactChoices(call=True, voicemail=not violence, whatsapp=n % 2 == 0),
            safe_from=time(10) if violence else time(9),
            safe_until=time(14) if violence else time(19),
            what_may_be_said="Que llaman de la clínica" if violence else "",
            created_via=CreatedVia.PHONE_LINE if n % 2 else CreatedVia.WEB,
            actor=operator,
        )
        created["people"] += 1
        consent_give(
            person=person, purpose="services", notice_version="2026.1", recorded_by=operator
        )
        days_back = rng.randint(5, 88)
        opened = _business_moment(rng, today=today, days_back=days_back)
        if violence:
            worker = rng.choice(workers)
            case = case_open(
                person=person,
                area=Area.VIOLENCE,
                assignee=worker,
                restricted=n == 5,
                actor=operator,
                opened_on=opened.date(),
            )
            violence_record_save(
                case=case,
                types=rng.sample(list(ViolenceType.objects.filter(active=True)), 2),
                modalities=rng.sample(list(ViolenceModality.objects.filter(active=True)), 1),
                aggressor_relation=rng.choice(list(AggressorRelation.objects.filter(active=True))),
                aggressor_same_company=n == 5,
                gbvims_type="psychological",
                actor=worker,
            )
            if instrument is not None and n % 2 == 0:
                heavy = n in (2, 14)  # two women at high risk
                answers = {
                    item.number: rng.random() < (0.7 if heavy else 0.2)
                    for item in instrument.items.all()
                }
                high = risk_score(instrument=instrument, answers=answers).level == RiskLevel.HIGH
                risk_assessment_complete(
                    case=case,
                    instrument=instrument,
                    answers=answers,
                    actions=["action_safety_plan", "action_protection_order"] if high else [],
                    action_notes="Plan de seguridad acordado con ella." if high else "",
                    actor=worker,
                    now=opened + timedelta(minutes=30),
                )
            else:
                risk_assessment_request(case=case, actor=operator)
            created["screenings"] += 1
            staff, line, summaries = worker, violence_line, VIOLENCE_SUMMARIES
        else:
            lawyer = rng.choice(lawyers)
            case = case_open(
                person=person,
                area=Area.LEGAL,
                matters=rng.sample(matters, rng.choice((1, 1, 2))),
                assignee=None if n % 7 == 3 else lawyer,
                actor=lawyer,
                opened_on=opened.date(),
            )
            staff, line, summaries = lawyer, legal_line, LEGAL_SUMMARIES
        created["cases"] += 1

        # The first call, then sessions every one to two weeks up to today.
        moment = opened
        for visit in range(rng.randint(1, 4)):
            contact_record(
                staff=staff if visit else operator,
                kind=(
                    Contact.Kind.INCOMING_CALL
                    if visit == 0
                    else rng.choice([Contact.Kind.VIDEO_SESSION, Contact.Kind.PHONE_SESSION])
                ),
                started_at=moment,
                duration_minutes=rng.choice((10, 20, 30, 45)),
                result=Contact.Result.FOLLOW_UP if visit else Contact.Result.ORIENTATION,
                summary=rng.choice(summaries),
                line=line,
                case=case,
            )
            created["contacts"] += 1
            days_back -= rng.randint(7, 14)
            if days_back < 1:
                break
            moment = _business_moment(rng, today=today, days_back=days_back)

        if n % 6 == 1 and institutions:
            institution = rng.choice(institutions)
            shares = n % 12 == 1
            if shares:
                consent_give(
                    person=person,
                    purpose="share_institution",
                    institution=institution,
                    notice_version="2026.1",
                    recorded_by=staff,
                )
            referral_create(
                case=case,
                institution=institution,
                reason="Acompañamiento para denuncia y orden de protección.",
                shares_data=shares,
                follow_up_on=None,
                actor=staff,
                sent_on=opened.date() + timedelta(days=1),
            )
            created["referrals"] += 1
        if n % 4 == 0:
            follow_up_create(
                case=case,
                task="Llamarle para saber cómo le fue",
                due_on=today + timedelta(days=rng.randint(-5, 10)),
                assignee=case.assignee or staff,
                actor=staff,
            )
            created["follow_ups"] += 1
        if not violence and n % 5 == 4 and outcomes:
            case_close(
                case=case,
                outcome=rng.choice(outcomes),
                actor=staff,
                closed_on=today - timedelta(days=1),
            )

    # Three calls nobody could identify (silence, cut off), one out of hours.
    for k in range(3):
        at = _business_moment(rng, today=today, days_back=3 + k * 11)
        if k == 2:
            at = at.replace(hour=21)
        contact_record(
            staff=rng.choice(operators),
            kind=Contact.Kind.INCOMING_CALL,
            started_at=at,
            result=Contact.Result.DROPPED,
            line=violence_line,
            phone=f"614 000 09{k:02d}",
        )
        created["contacts"] += 1
    return created
