"""Reports benchmark (issue 8): the dashboard over one year of 1,000,000 contacts.

    uv run python bench/reports.py                  # SQLite, in a kept bench file
    uv run python bench/reports.py --db postgres    # PostgreSQL, database cercania_bench

Generates (once per database, then reused) three years of activity, 2024–2026:
1,000,000 contacts, 200,000 women, 120,000 cases with matters and violence records,
150,000 appointments (60 jornadas), risk screenings, referrals, follow-ups and consents.
Then times `dashboard(period_filters(2025))` against hand-written SQL GROUP BY queries
that produce the same figures, checks that every figure is equal, and prints (and
saves under bench/results/) the medians and the ratio. See bench/README.md.

The rows go in with executemany (SQLite) or COPY (PostgreSQL), not through the
services: 1.5 million rows through `full_clean` and audit rows would take hours.
Encrypted fields (names, phones, summaries…) reuse a few ciphertexts made once by the
field itself, so they hold real ciphertext of the right shape without a million
encryptions. The configuration, staff, advisers and jornadas do go through services.
"""

# ruff: noqa: S608 (SQL text holds table names from model metadata, never input)
from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from benchdb import bench_database_url, postgres_admin

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BENCH_DB = "cercania_bench"
DEFAULT_VAR = Path(tempfile.gettempdir()) / "cercania-bench-reports"
SEED = 20250101
FIRST_DAY, LAST_DAY = date(2024, 1, 1), date(2026, 12, 31)
YEAR = 2025  # the measured period: it has a year of history before it

# BENCH_CONTACTS scales every volume down, to try the script quickly (not for figures).
CONTACTS = int(os.environ.get("BENCH_CONTACTS", 1_000_000))
SCALE = CONTACTS / 1_000_000
PEOPLE = round(200_000 * SCALE)
CASES = round(120_000 * SCALE)
APPOINTMENTS = round(150_000 * SCALE)
JORNADAS = 60
ADVISORS = 40
RISKS = round(30_000 * SCALE)
REFERRALS = round(40_000 * SCALE)
FOLLOW_UPS = round(60_000 * SCALE)

TARGET_RATIO = 1.5
TARGET_SECONDS = 1.0  # PostgreSQL


# ---------------------------------------------------------------- database setup


def postgres_exists(url: str) -> bool:
    import psycopg

    parts = urlsplit(url)
    maintenance = urlunsplit(("postgresql", parts.netloc, "/postgres", parts.query, ""))
    with psycopg.connect(maintenance, autocommit=True) as conn:
        row = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [BENCH_DB]).fetchone()
    return row is not None


def setup_django(db: str, var_dir: Path, url: str | None) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "cercania.settings"
    os.environ["CERCANIA_VAR_DIR"] = str(var_dir)  # SQLite file and dev keys live here
    os.environ.pop("CERCANIA_TIME_ZONE", None)
    if db == "postgres":
        assert url is not None
        os.environ["DATABASE_URL"] = url
    else:
        os.environ.pop("DATABASE_URL", None)
    import django

    django.setup()


# ---------------------------------------------------------------- bulk rows


class Inserter:
    """Rows straight into a table: executemany on SQLite, COPY on PostgreSQL.

    `fields` name the columns each row gives (attnames, DB-ready values); every other
    concrete field gets its default, prepared once by the field (so an encrypted blank
    is a real ciphertext). A unique field without a value per row is a mistake.
    """

    def __init__(self) -> None:
        from django.db import connection

        self.connection = connection
        self.vendor = connection.vendor

    def dt(self, value: datetime) -> Any:
        return self.connection.ops.adapt_datetimefield_value(value)

    def day(self, value: date) -> Any:
        return value.isoformat() if self.vendor == "sqlite" else value

    def uuid(self, n: int, salt: int) -> Any:
        value = uuid.UUID(int=(salt << 96) | n)
        return value.hex if self.vendor == "sqlite" else value

    def constant(self, model: Any, name: str, value: Any) -> Any:
        return model._meta.get_field(name).get_db_prep_save(value, self.connection)

    def insert(self, model: Any, fields: list[str], rows: Iterable[tuple[Any, ...]]) -> int:
        meta = model._meta
        given = set(fields)
        extra: list[tuple[str, Any]] = []
        for field in meta.concrete_fields:
            if field.attname in given:
                continue
            if field.unique and not field.primary_key and not field.null:
                raise ValueError(f"{meta.label}.{field.name} is unique: give it per row")
            if field.primary_key:
                continue
            default = field.get_default()
            if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
                default = datetime(2024, 1, 1, tzinfo=UTC)
            extra.append((field.column, field.get_db_prep_save(default, self.connection)))
        columns = [meta.get_field(f).column if f != "id" else "id" for f in fields]
        columns = [
            next(f.column for f in meta.concrete_fields if f.attname == name) for name in fields
        ] + [c for c, _v in extra]
        tail = tuple(v for _c, v in extra)
        table = meta.db_table
        count = 0
        raw = self.connection.connection
        if self.vendor == "sqlite":
            marks = ", ".join("?" * len(columns))
            sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"
            cursor = raw.cursor()
            batch: list[tuple[Any, ...]] = []
            for row in rows:
                batch.append(row + tail)
                if len(batch) == 50_000:
                    cursor.executemany(sql, batch)
                    count += len(batch)
                    batch = []
            cursor.executemany(sql, batch)
            count += len(batch)
            raw.commit()
        else:
            with raw.cursor() as cursor:
                with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row + tail)
                        count += 1
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT MAX(id) FROM {table}))"
                )
            raw.commit()
        return count


def moment(
    rng: random.Random, first: date, last: date, hours: tuple[int, int] = (8, 20)
) -> datetime:
    """A random minute of a day in [first, last], local working-ish hours, as UTC."""
    days = (last - first).days
    local = datetime.combine(
        first + timedelta(days=rng.randrange(days + 1)),
        clock(rng.randrange(*hours), rng.randrange(60)),
    )
    return (local + timedelta(hours=6)).replace(tzinfo=UTC)  # Chihuahua: UTC−6 all year


def generate(rows_wanted: dict[str, int]) -> dict[str, int]:
    """The three years, in dependency order. Returns how many rows went in, per table."""
    from django.db import connection, transaction

    from cercania.accounts.roles import Role
    from cercania.accounts.services import staff_user_create
    from cercania.cases.models import (
        AggressorRelation,
        Area,
        Case,
        CaseOutcome,
        Contact,
        CreatedVia,
        FollowUp,
        LegalMatter,
        Person,
        Referral,
        RiskAssessment,
        RiskInstrument,
        RiskLevel,
        ViolenceModality,
        ViolenceRecord,
        ViolenceType,
    )
    from cercania.institute.models import ReferralInstitution, Service
    from cercania.operations.demo import profile_configure
    from cercania.partners.models import Agreement, Organization
    from cercania.privacy.models import Consent, ConsentPurpose
    from cercania.scheduling.models import Appointment, Jornada
    from cercania.scheduling.services import advisor_create

    rng = random.Random(SEED)
    out = Inserter()
    profile_configure(years=range(2024, 2028))
    services = list(Service.objects.all())
    legal = Service.objects.get(code="juridico")
    with transaction.atomic():
        staff = [
            staff_user_create(
                email=f"staff{n}@bench.invalid",
                display_name=f"Staff {n}",
                roles=[Role.JURIDICO if n % 2 else Role.VIOLENCIA],
            )
            for n in range(ADVISORS)
        ]
        advisors = [
            advisor_create(user=user, services=[legal], modalities=["video", "phone"])
            for user in staff
        ]
        organizations = list(Organization.objects.all())
        agreement = Agreement.objects.first()
        jornadas = Jornada.objects.bulk_create(
            [
                Jornada(
                    code=f"BJ{j:05d}",
                    title=f"Jornada {j + 1}",
                    organization=organizations[j % len(organizations)],
                    agreement=agreement,
                    starts_on=(start := FIRST_DAY + timedelta(days=18 * j)),
                    ends_on=start + timedelta(days=2),
                    modalities=["video", "phone"],
                    status=Jornada.Status.CLOSED,
                )
                for j in range(JORNADAS)
            ]
        )
    staff_ids = [u.pk for u in staff]
    service_ids = [s.pk for s in services]
    matter_ids = list(LegalMatter.objects.values_list("pk", flat=True))
    type_ids = list(ViolenceType.objects.values_list("pk", flat=True))
    modality_ids = list(ViolenceModality.objects.values_list("pk", flat=True))
    relation_ids = list(AggressorRelation.objects.values_list("pk", flat=True))
    outcome_ids = list(CaseOutcome.objects.values_list("pk", flat=True))
    institution_ids = list(ReferralInstitution.objects.values_list("pk", flat=True))
    instrument = (
        RiskInstrument.objects.filter(current=True).first() or RiskInstrument.objects.first()
    )
    assert matter_ids and type_ids and modality_ids and institution_ids and instrument

    # A few ciphertexts per encrypted field, made by the field itself.
    def ciphers(model: Any, name: str, texts: list[str]) -> list[Any]:
        return [out.constant(model, name, t) for t in texts]

    names = ciphers(Person, "name", [f"Usuaria {i}" for i in range(8)])
    phones = ciphers(Person, "phone", [f"+52614{i:07d}" for i in range(8)])
    summaries = ciphers(Contact, "summary", ["Orientación legal.", "Seguimiento.", ""])
    reasons = ciphers(Referral, "reason", ["Atención psicológica.", "Asesoría penal."])
    tasks = ciphers(FollowUp, "task", ["Llamar para confirmar.", "Revisar documentos."])
    counts: dict[str, int] = {}
    now = out.dt(datetime(2027, 1, 1, tzinfo=UTC))

    def people() -> Iterator[tuple[Any, ...]]:
        for i in range(1, PEOPLE + 1):
            yield (
                i,
                out.uuid(i, 1),
                f"BP-{i:07d}",
                rng.choice(names),
                rng.choice(phones),
                rng.randrange(1950, 2009) if rng.random() < 0.9 else None,
                organizations[i % len(organizations)].pk if rng.random() < 0.3 else None,
                CreatedVia.WEB,
            )

    counts["people"] = out.insert(
        Person,
        ["id", "public_id", "folio", "name", "phone", "birth_year", "employer_id", "created_via"],
        people(),
    )

    def consents() -> Iterator[tuple[Any, ...]]:
        n = 0
        for person in range(1, PEOPLE + 1):
            if rng.random() < 0.7:
                n += 1
                given = moment(rng, FIRST_DAY, LAST_DAY)
                withdrawn = out.dt(given + timedelta(days=30)) if rng.random() < 0.05 else None
                yield (
                    n,
                    out.uuid(n, 2),
                    person,
                    ConsentPurpose.ANONYMOUS_STATISTICS,
                    "2024-1",
                    out.dt(given),
                    withdrawn,
                    staff_ids[0] if withdrawn else None,
                )

    counts["consents"] = out.insert(
        Consent,
        [
            "id",
            "public_id",
            "person_id",
            "purpose",
            "notice_version",
            "given_at",
            "withdrawn_at",
            "withdrawn_by_id",
        ],
        consents(),
    )

    case_person: list[int] = [0]
    case_area: list[str] = [""]

    def cases() -> Iterator[tuple[Any, ...]]:
        for i in range(1, CASES + 1):
            person = rng.randrange(1, PEOPLE + 1)
            area = Area.LEGAL if rng.random() < 0.7 else Area.VIOLENCE
            opened = FIRST_DAY + timedelta(days=rng.randrange((LAST_DAY - FIRST_DAY).days + 1))
            closed = rng.random() < 0.5
            case_person.append(person)
            case_area.append(area)
            yield (
                i,
                out.uuid(i, 3),
                f"BC-{i:07d}",
                person,
                area,
                Case.Status.CLOSED if closed else Case.Status.OPEN,
                rng.choice(staff_ids),
                out.day(opened),
                out.day(opened + timedelta(days=30)) if closed else None,
                rng.choice(outcome_ids) if closed else None,
            )

    counts["cases"] = out.insert(
        Case,
        [
            "id",
            "public_id",
            "folio",
            "person_id",
            "area",
            "status",
            "assignee_id",
            "opened_on",
            "closed_on",
            "outcome_id",
        ],
        cases(),
    )
    through = Case.matters.through
    counts["case matters"] = out.insert(
        through,
        ["case_id", "legalmatter_id"],
        (
            (case, matter)
            for case in range(1, CASES + 1)
            if case_area[case] == Area.LEGAL
            for matter in rng.sample(matter_ids, rng.choice([1, 1, 2]))
        ),
    )
    violence_cases = [c for c in range(1, CASES + 1) if case_area[c] == Area.VIOLENCE]
    counts["violence records"] = out.insert(
        ViolenceRecord,
        ["id", "case_id", "aggressor_relation_id"],
        (
            (n, case, rng.choice(relation_ids) if relation_ids else None)
            for n, case in enumerate(violence_cases, 1)
        ),
    )
    record_ids = range(1, len(violence_cases) + 1)
    counts["violence types"] = out.insert(
        ViolenceRecord.types.through,
        ["violencerecord_id", "violencetype_id"],
        ((r, t) for r in record_ids for t in rng.sample(type_ids, rng.choice([1, 2, 3]))),
    )
    counts["violence modalities"] = out.insert(
        ViolenceRecord.modalities.through,
        ["violencerecord_id", "violencemodality_id"],
        ((r, m) for r in record_ids for m in rng.sample(modality_ids, rng.choice([1, 1, 2]))),
    )

    # Appointments on distinct grid places (no two overlap for an adviser), some in jornadas.
    statuses = (
        [Appointment.Status.ATTENDED] * 6
        + [Appointment.Status.NO_SHOW]
        + [
            Appointment.Status.CANCELLED_BY_HER,
            Appointment.Status.CANCELLED_BY_INSTITUTE,
            Appointment.Status.CONFIRMED,
        ]
    )
    days = [FIRST_DAY + timedelta(days=d) for d in range((LAST_DAY - FIRST_DAY).days + 1)]
    working = [d for d in days if d.isoweekday() <= 5]
    places = rng.sample(range(len(working) * ADVISORS * 8), APPOINTMENTS)
    jornada_of_day = {j.starts_on + timedelta(days=k): j.pk for j in jornadas for k in range(3)}
    attended_appointments: list[tuple[int, int, datetime]] = []

    def appointments() -> Iterator[tuple[Any, ...]]:
        for i, place in enumerate(places, 1):
            day_index, rest = divmod(place, ADVISORS * 8)
            advisor, slot = divmod(rest, 8)
            day = working[day_index]
            start = (
                datetime.combine(day, clock(9)) + timedelta(minutes=45 * slot, hours=6)
            ).replace(tzinfo=UTC)
            status = rng.choice(statuses)
            person = rng.randrange(1, PEOPLE + 1)
            if status == Appointment.Status.ATTENDED:
                attended_appointments.append((i, person, start))
            yield (
                i,
                out.uuid(i, 4),
                f"BR{i:09d}",
                f"{i:064x}",
                legal.pk,
                advisors[advisor].pk,
                person,
                jornada_of_day.get(day) if rng.random() < 0.5 else None,
                out.dt(start),
                out.dt(start + timedelta(minutes=45)),
                rng.choice(["video", "phone"]),
                status,
                CreatedVia.WEB,
            )

    counts["appointments"] = out.insert(
        Appointment,
        [
            "id",
            "public_id",
            "reference",
            "manage_token_hash",
            "service_id",
            "advisor_id",
            "person_id",
            "jornada_id",
            "starts_at",
            "ends_at",
            "modality",
            "status",
            "created_via",
        ],
        appointments(),
    )

    kinds = (
        [Contact.Kind.INCOMING_CALL] * 5
        + [Contact.Kind.OUTGOING_CALL] * 2
        + [Contact.Kind.IN_PERSON]
    )
    results = [r for r, _label in Contact.Result.choices]

    def contacts() -> Iterator[tuple[Any, ...]]:
        n = 0
        for appointment, person, start in attended_appointments:  # each session once
            n += 1
            yield (
                n,
                out.uuid(n, 5),
                person,
                None,
                appointment,
                Contact.Kind.VIDEO_SESSION,
                legal.pk,
                rng.choice(staff_ids),
                out.dt(start),
                45,
                rng.choice(summaries),
                Contact.Result.ORIENTATION,
                False,
            )
        while n < CONTACTS:
            n += 1
            case = rng.randrange(1, CASES + 1) if rng.random() < 0.5 else None
            person = (
                case_person[case]
                if case
                else (rng.randrange(1, PEOPLE + 1) if rng.random() < 0.7 else None)
            )
            yield (
                n,
                out.uuid(n, 5),
                person,
                case,
                None,
                rng.choice(kinds),
                rng.choice(service_ids) if rng.random() < 0.95 else None,
                rng.choice(staff_ids),
                out.dt(moment(rng, FIRST_DAY, LAST_DAY, (0, 24))),
                rng.randrange(1, 60),
                rng.choice(summaries),
                rng.choice(results),
                rng.random() < 0.15,
            )

    counts["contacts"] = out.insert(
        Contact,
        [
            "id",
            "public_id",
            "person_id",
            "case_id",
            "appointment_id",
            "kind",
            "line_id",
            "staff_id",
            "started_at",
            "duration_minutes",
            "summary",
            "result",
            "out_of_hours",
        ],
        contacts(),
    )

    levels = [RiskLevel.LOW, RiskLevel.MODERATE, RiskLevel.HIGH]

    def risks() -> Iterator[tuple[Any, ...]]:
        for i in range(1, RISKS + 1):
            case = rng.choice(violence_cases)
            level = rng.choice(levels)
            pending = rng.random() < 0.1
            at = moment(rng, FIRST_DAY, LAST_DAY)
            yield (
                i,
                out.uuid(i, 6),
                case,
                RiskAssessment.Status.PENDING if pending else RiskAssessment.Status.COMPLETED,
                None if pending else instrument.pk,
                None if pending else rng.randrange(40),
                "" if pending else level,
                level == RiskLevel.HIGH and not pending,
                out.dt(at),
                None if pending else out.dt(at),
                None if pending else staff_ids[0],
            )

    counts["risk screenings"] = out.insert(
        RiskAssessment,
        [
            "id",
            "public_id",
            "case_id",
            "status",
            "instrument_id",
            "score",
            "level",
            "action_safety_plan",
            "requested_at",
            "assessed_at",
            "assessed_by_id",
        ],
        risks(),
    )
    referral_statuses = [s for s, _label in Referral.Status.choices]

    def referrals() -> Iterator[tuple[Any, ...]]:
        for i in range(1, REFERRALS + 1):
            yield (
                i,
                out.uuid(i, 7),
                rng.randrange(1, CASES + 1),
                rng.choice(institution_ids),
                rng.choice(reasons),
                False,
                Referral.Basis.NOT_SHARED,
                rng.choice(referral_statuses),
                out.day(rng.choice(days)),
                rng.choice(staff_ids),
            )

    counts["referrals"] = out.insert(
        Referral,
        [
            "id",
            "public_id",
            "case_id",
            "institution_id",
            "reason",
            "shares_data",
            "basis",
            "status",
            "sent_on",
            "created_by_id",
        ],
        referrals(),
    )

    def follow_ups() -> Iterator[tuple[Any, ...]]:
        for i in range(1, FOLLOW_UPS + 1):
            due = rng.choice(days)
            done = rng.random() < 0.7
            yield (
                i,
                out.uuid(i, 8),
                rng.randrange(1, CASES + 1),
                rng.choice(tasks),
                out.day(due),
                rng.choice(staff_ids),
                out.dt(datetime.combine(due, clock(12), tzinfo=UTC)) if done else None,
                staff_ids[0] if done else None,
                staff_ids[0],
            )

    counts["follow-ups"] = out.insert(
        FollowUp,
        [
            "id",
            "public_id",
            "case_id",
            "task",
            "due_on",
            "assignee_id",
            "done_at",
            "done_by_id",
            "created_by_id",
        ],
        follow_ups(),
    )
    del now
    # Each woman's first attention, which the services keep as they record contacts
    # and sessions (rows loaded in bulk bypass them).
    from cercania.cases.models import Person
    from cercania.cases.services import people_first_attention_recount

    people_first_attention_recount(people=Person.objects.all())
    if connection.vendor == "postgresql":
        # That UPDATE left a dead version of every row: rewrite the table compact, as it
        # is when those dates are kept one record at a time.
        with connection.cursor() as cursor:
            cursor.execute(f"VACUUM FULL {Person._meta.db_table}")
    # What autovacuum does next on PostgreSQL (statistics, and the visibility map that
    # lets the report indexes answer without reading the table); ANALYZE on SQLite.
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    return counts


# ---------------------------------------------------------------- hand-written SQL


def hand_written(start: date, end: date, today: date) -> dict[str, Callable[[], Any]]:
    """One GROUP BY query per dashboard table (two where it shows a separate total)."""
    from django.db import connection

    from cercania.cases.models import (
        Case,
        Contact,
        FollowUp,
        LegalMatter,
        Person,
        Referral,
        RiskAssessment,
        ViolenceModality,
        ViolenceRecord,
        ViolenceType,
    )
    from cercania.institute.models import ReferralInstitution, Service
    from cercania.partners.models import Organization
    from cercania.scheduling.models import Appointment, Jornada

    zone_offset = timedelta(hours=6)  # America/Chihuahua has no DST since 2022
    adapt = connection.ops.adapt_datetimefield_value
    since = adapt(datetime.combine(start, clock.min, tzinfo=UTC) + zone_offset)
    until = adapt(datetime.combine(end + timedelta(days=1), clock.min, tzinfo=UTC) + zone_offset)
    day = (lambda d: d.isoformat()) if connection.vendor == "sqlite" else (lambda d: d)
    t = {
        "appt": Appointment._meta.db_table,
        "contact": Contact._meta.db_table,
        "case": Case._meta.db_table,
        "person": Person._meta.db_table,
        "matters": Case.matters.through._meta.db_table,
        "matter": LegalMatter._meta.db_table,
        "vr": ViolenceRecord._meta.db_table,
        "vtypes": ViolenceRecord.types.through._meta.db_table,
        "vtype": ViolenceType._meta.db_table,
        "vmods": ViolenceRecord.modalities.through._meta.db_table,
        "vmod": ViolenceModality._meta.db_table,
        "risk": RiskAssessment._meta.db_table,
        "ref": Referral._meta.db_table,
        "inst": ReferralInstitution._meta.db_table,
        "fu": FollowUp._meta.db_table,
        "org": Organization._meta.db_table,
        "jornada": Jornada._meta.db_table,
        "service": Service._meta.db_table,
    }
    in_period = "starts_at >= %s AND starts_at < %s"
    women = (
        f"SELECT person_id AS id FROM {t['appt']} WHERE {in_period} AND status = 'attended' "
        f"UNION SELECT person_id FROM {t['contact']} WHERE started_at >= %s AND started_at < %s "
        "AND person_id IS NOT NULL"
    )
    queries: dict[str, tuple[str, list[Any]]] = {
        "mujeres": (
            f"SELECT COUNT(*), SUM(CASE WHEN EXISTS (SELECT 1 FROM {t['contact']} c "
            "WHERE c.person_id = w.id AND c.started_at < %s) OR EXISTS (SELECT 1 FROM "
            f"{t['appt']} a WHERE a.person_id = w.id AND a.status = 'attended' "
            f"AND a.starts_at < %s) THEN 1 ELSE 0 END) FROM ({women}) w",
            [since, since, since, until, since, until],
        ),
        "sesiones": (
            f"SELECT status, COUNT(*) FROM {t['appt']} WHERE {in_period} GROUP BY status",
            [since, until],
        ),
        "contactos_tipo": (
            f"SELECT kind, COUNT(*) FROM {t['contact']} "
            "WHERE started_at >= %s AND started_at < %s GROUP BY kind",
            [since, until],
        ),
        "contactos_linea": (
            f"SELECT s.name, COUNT(*) FROM {t['contact']} c LEFT JOIN {t['service']} s "
            "ON s.id = c.line_id WHERE c.started_at >= %s AND c.started_at < %s GROUP BY s.name",
            [since, until],
        ),
        "llamadas_horario": (
            f"SELECT out_of_hours, COUNT(*) FROM {t['contact']} WHERE started_at >= %s "
            "AND started_at < %s AND kind IN ('incoming_call', 'outgoing_call') "
            "GROUP BY out_of_hours",
            [since, until],
        ),
        "materias": (
            f"SELECT m.name, COUNT(DISTINCT cm.case_id) FROM {t['matters']} cm "
            f"JOIN {t['case']} c ON c.id = cm.case_id JOIN {t['matter']} m "
            "ON m.id = cm.legalmatter_id WHERE c.opened_on >= %s AND c.opened_on <= %s "
            "GROUP BY m.name",
            [day(start), day(end)],
        ),
        "materias total": (
            f"SELECT COUNT(DISTINCT cm.case_id) FROM {t['matters']} cm JOIN {t['case']} c "
            "ON c.id = cm.case_id WHERE c.opened_on >= %s AND c.opened_on <= %s",
            [day(start), day(end)],
        ),
        "riesgo": (
            f"SELECT level, COUNT(*) FROM {t['risk']} WHERE status = 'completed' "
            "AND assessed_at >= %s AND assessed_at < %s GROUP BY level",
            [since, until],
        ),
        "canalizaciones_institucion": (
            f"SELECT i.name, COUNT(*) FROM {t['ref']} r JOIN {t['inst']} i "
            "ON i.id = r.institution_id WHERE r.sent_on >= %s AND r.sent_on <= %s "
            "GROUP BY i.name",
            [day(start), day(end)],
        ),
        "canalizaciones_estado": (
            f"SELECT status, COUNT(*) FROM {t['ref']} WHERE sent_on >= %s AND sent_on <= %s "
            "GROUP BY status",
            [day(start), day(end)],
        ),
        "seguimientos_vencidos": (
            f"SELECT c.area, COUNT(*) FROM {t['fu']} f JOIN {t['case']} c ON c.id = f.case_id "
            "WHERE f.done_at IS NULL AND f.due_on < %s GROUP BY c.area",
            [day(min(end, today))],
        ),
        "mujeres_organizacion": (
            f"SELECT o.name, COUNT(DISTINCT a.person_id) FROM {t['appt']} a "
            f"JOIN {t['jornada']} j ON j.id = a.jornada_id JOIN {t['org']} o "
            "ON o.id = j.organization_id WHERE a.starts_at >= %s AND a.starts_at < %s "
            "AND a.status = 'attended' GROUP BY o.name",
            [since, until],
        ),
        "mujeres_jornada": (
            f"SELECT j.title, j.starts_on, COUNT(DISTINCT a.person_id) FROM {t['appt']} a "
            f"JOIN {t['jornada']} j ON j.id = a.jornada_id WHERE a.starts_at >= %s "
            "AND a.starts_at < %s AND a.status = 'attended' GROUP BY j.title, j.starts_on",
            [since, until],
        ),
        "mujeres jornada total": (
            f"SELECT COUNT(DISTINCT person_id) FROM {t['appt']} WHERE {in_period} "
            "AND status = 'attended' AND jornada_id IS NOT NULL",
            [since, until],
        ),
        # Each woman's first attended session ever, when it falls in the period, and the
        # local days since her first contact (the session itself when none is earlier).
        "primera_sesion": (
            "SELECT SUM(CASE WHEN w = 0 THEN 1 ELSE 0 END), "
            "SUM(CASE WHEN w BETWEEN 1 AND 7 THEN 1 ELSE 0 END), "
            "SUM(CASE WHEN w BETWEEN 8 AND 30 THEN 1 ELSE 0 END), "
            "SUM(CASE WHEN w > 30 THEN 1 ELSE 0 END) FROM (SELECT "
            + (
                "CAST(julianday(date(x.starts_at, '-6 hours')) - julianday(date("
                "MIN(COALESCE(x.fc, x.starts_at), x.starts_at), '-6 hours')) AS INTEGER)"
                if connection.vendor == "sqlite"
                else "(x.starts_at AT TIME ZONE 'America/Chihuahua')::date - "
                "(LEAST(COALESCE(x.fc, x.starts_at), x.starts_at) "
                "AT TIME ZONE 'America/Chihuahua')::date"
            )
            + f" AS w FROM (SELECT a.starts_at, (SELECT MIN(c.started_at) FROM {t['contact']} c "
            f"WHERE c.person_id = a.person_id) AS fc FROM {t['appt']} a "
            "WHERE a.starts_at >= %s AND a.starts_at < %s AND a.status = 'attended' "
            f"AND NOT EXISTS (SELECT 1 FROM {t['appt']} b WHERE b.person_id = a.person_id "
            "AND b.status = 'attended' AND (b.starts_at < a.starts_at "
            "OR (b.starts_at = a.starts_at AND b.id < a.id)))) x) y",
            [since, until],
        ),
        "contactos_canal": (
            f"SELECT kind, COUNT(*) FROM {t['contact']} "
            "WHERE started_at >= %s AND started_at < %s GROUP BY kind",
            [since, until],
        ),
        "edades": (
            "SELECT SUM(CASE WHEN p.birth_year BETWEEN %s AND %s THEN 1 ELSE 0 END), "
            "SUM(CASE WHEN p.birth_year BETWEEN %s AND %s THEN 1 ELSE 0 END), "
            "SUM(CASE WHEN p.birth_year BETWEEN %s AND %s THEN 1 ELSE 0 END), "
            "SUM(CASE WHEN p.birth_year BETWEEN %s AND %s THEN 1 ELSE 0 END), "
            "SUM(CASE WHEN p.birth_year BETWEEN %s AND %s THEN 1 ELSE 0 END), "
            "SUM(CASE WHEN p.birth_year IS NULL THEN 1 ELSE 0 END) "
            f"FROM {t['person']} p WHERE p.id IN ({women})",
            [
                *[
                    bound
                    for low, high in ((0, 17), (18, 29), (30, 44), (45, 59), (60, 200))
                    for bound in (end.year - high, end.year - low)
                ],
                since,
                until,
                since,
                until,
            ],
        ),
    }
    for key, vr_table, target, column in (
        ("violencia_tipo", t["vtypes"], t["vtype"], "violencetype_id"),
        ("violencia_modalidad", t["vmods"], t["vmod"], "violencemodality_id"),
    ):
        where = (
            f"FROM {vr_table} x JOIN {t['vr']} v ON v.id = x.violencerecord_id "
            f"JOIN {t['case']} c ON c.id = v.case_id "
            "WHERE c.area = 'violence' AND c.opened_on >= %s AND c.opened_on <= %s"
        )
        queries[key] = (
            f"SELECT k.name, COUNT(DISTINCT x.violencerecord_id) {where.replace('WHERE', f'JOIN {target} k ON k.id = x.{column} WHERE')} GROUP BY k.name",  # noqa: E501
            [day(start), day(end)],
        )
        queries[f"{key} total"] = (
            f"SELECT COUNT(DISTINCT x.violencerecord_id) {where}",
            [day(start), day(end)],
        )

    def runner(sql: str, params: list[Any]) -> Callable[[], Any]:
        def run() -> Any:
            with connection.cursor() as cursor:
                cursor.execute(sql, params)
                return cursor.fetchall()

        return run

    return {key: runner(sql, params) for key, (sql, params) in queries.items()}


def sql_tables(results: dict[str, Any]) -> dict[str, tuple[dict[str, int], int]]:
    """The hand-written results as {table key: ({label: count > 0}, total)}."""
    from cercania.cases.models import Area, Contact, Referral, RiskLevel
    from cercania.scheduling.models import Appointment

    def nonzero(pairs: Iterable[tuple[str, Any]]) -> dict[str, int]:
        merged: dict[str, int] = {}
        for label, n in pairs:
            if n:
                merged[label] = merged.get(label, 0) + int(n)
        return merged

    def labelled(rows: list[tuple[Any, Any]], choices: Any) -> dict[str, int]:
        names = {value: str(label) for value, label in choices}
        return nonzero((names[value], n) for value, n in rows)

    out: dict[str, tuple[dict[str, int], int]] = {}
    total, returning = results["mujeres"][0]
    out["mujeres"] = (
        nonzero([("Primera vez", total - (returning or 0)), ("Ya atendidas antes", returning)]),
        total,
    )
    statuses = dict(results["sesiones"])
    out["sesiones"] = (
        nonzero(
            [
                ("Atendidas", statuses.get("attended", 0)),
                ("No se presentó", statuses.get("no_show", 0)),
                (
                    "Canceladas",
                    statuses.get("cancelled_by_her", 0) + statuses.get("cancelled_by_institute", 0),
                ),
                ("Confirmadas, aún sin registrar", statuses.get("confirmed", 0)),
            ]
        ),
        sum(statuses.values()),
    )
    kinds = labelled(results["contactos_tipo"], Contact.Kind.choices)
    out["contactos_tipo"] = (kinds, sum(kinds.values()))
    lines = nonzero((name or "Sin línea", n) for name, n in results["contactos_linea"])
    out["contactos_linea"] = (lines, sum(lines.values()))
    hours = dict((bool(k), n) for k, n in results["llamadas_horario"])
    calls = nonzero(
        [("Dentro del horario", hours.get(False, 0)), ("Fuera del horario", hours.get(True, 0))]
    )
    out["llamadas_horario"] = (calls, sum(calls.values()))
    out["materias"] = (
        dict(sorted(nonzero(results["materias"]).items(), key=lambda r: (-r[1], r[0]))[:10]),
        results["materias total"][0][0],
    )
    for key in ("violencia_tipo", "violencia_modalidad"):
        out[key] = (nonzero(results[key]), results[f"{key} total"][0][0])
    risk = labelled(results["riesgo"], RiskLevel.choices)
    out["riesgo"] = (risk, sum(risk.values()))
    institutions = nonzero(results["canalizaciones_institucion"])
    out["canalizaciones_institucion"] = (institutions, sum(institutions.values()))
    referral = labelled(results["canalizaciones_estado"], Referral.Status.choices)
    out["canalizaciones_estado"] = (referral, sum(referral.values()))
    overdue = labelled(results["seguimientos_vencidos"], Area.choices)
    out["seguimientos_vencidos"] = (overdue, sum(overdue.values()))
    jornada_total = results["mujeres jornada total"][0][0]
    out["mujeres_organizacion"] = (nonzero(results["mujeres_organizacion"]), jornada_total)
    out["mujeres_jornada"] = (
        nonzero(
            (f"{title} ({date.fromisoformat(str(day)[:10]):%d/%m/%Y})", n)
            for title, day, n in results["mujeres_jornada"]
        ),
        jornada_total,
    )
    from cercania.reports.selectors import CHANNELS, WAIT_BANDS

    waits = nonzero(
        (str(label), n)
        for (_low, _high, label), n in zip(WAIT_BANDS, results["primera_sesion"][0], strict=True)
    )
    out["primera_sesion"] = (waits, sum(waits.values()))
    by_kind = dict(results["contactos_canal"])
    channels = nonzero(
        (str(label), sum(by_kind.get(kind, 0) for kind in kinds)) for _c, label, kinds in CHANNELS
    )
    out["contactos_canal"] = (channels, sum(channels.values()))
    ages = results["edades"][0]
    labels = [
        "Menores de 18 años",
        "18 a 29 años",
        "30 a 44 años",
        "45 a 59 años",
        "60 años o más",
        "Sin dato",
    ]
    out["edades"] = (nonzero(zip(labels, ages, strict=True)), sum(int(a or 0) for a in ages))
    del Appointment
    return out


def in_analytic(run: Callable[[], Any]) -> Any:
    from cercania.lib.analytic import analytic_queries

    with analytic_queries():
        return run()


def one_connection(run: Callable[[], Any]) -> Any:
    from django.test.utils import override_settings

    with override_settings(REPORT_QUERY_CONNECTIONS=1):
        return run()


def page_indicators(f: Any) -> None:
    """Everything the dashboard page computes (reports/views.py): both periods' tables,
    occupancy, no-show rate, referrals completed, median wait."""
    from cercania.reports import selectors

    for period in (f, f.previous()):
        selectors.dashboard(period)
        selectors.occupancy(period)
        selectors.no_show_rate(period)
        selectors.referrals_completed_share(period)
        selectors.median_days_to_first_session(period)


def dashboard_tables(tables: list[Any]) -> dict[str, tuple[dict[str, int], int]]:
    return {
        table.key: ({label: n for label, n in table.rows if n}, table.total) for table in tables
    }


# ---------------------------------------------------------------- measuring


def timed(fns: dict[str, Callable[[], Any]], runs: int) -> dict[str, list[float]]:
    """Seconds of `runs` calls of each, round robin, after one warm-up call each."""
    for fn in fns.values():
        fn()
    gc.collect()
    samples: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(runs):
        for name, fn in fns.items():
            started = time.perf_counter()
            fn()
            samples[name].append(time.perf_counter() - started)
    return samples


MARKER = "bench_reports_complete"


def is_complete() -> dict[str, int] | None:
    from django.db import connection

    if MARKER not in connection.introspection.table_names():
        return None
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT counts FROM {MARKER}")
        row = cursor.fetchone()
    return json.loads(row[0]) if row else None


def mark_complete(counts: dict[str, int]) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE {MARKER} (counts TEXT NOT NULL)")
        cursor.execute(f"INSERT INTO {MARKER} VALUES (%s)", [json.dumps(counts)])


def code_version() -> str:
    try:
        return subprocess.run(
            ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--database-url", help="PostgreSQL server (the database name is ignored)")
    parser.add_argument("--var-dir", type=Path, default=DEFAULT_VAR, help="SQLite bench folder")
    parser.add_argument("--runs", type=int, default=7, help="timed runs per figure (at least 5)")
    parser.add_argument("--rebuild", action="store_true", help="drop the bench data and redo it")
    args = parser.parse_args()
    if args.runs < 5:
        parser.error("--runs must be at least 5")

    url = bench_database_url(args.database_url, name=BENCH_DB) if args.db == "postgres" else None
    var_dir = args.var_dir if args.db == "sqlite" else args.var_dir / "postgres-keys"
    if args.rebuild:
        if url:
            postgres_admin(url, f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)")
        (args.var_dir / "cercania.sqlite3").unlink(missing_ok=True)
    if url and not postgres_exists(url):
        postgres_admin(url, f"CREATE DATABASE {BENCH_DB}")
    var_dir.mkdir(parents=True, exist_ok=True)
    setup_django(args.db, var_dir, url)
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    from cercania.reports.selectors import dashboard, period_filters

    counts = is_complete()
    if counts is None:
        if connection.introspection.table_names():
            sys.exit("The bench database holds an unfinished generation: run again with --rebuild.")
        started = time.perf_counter()
        call_command("migrate", verbosity=0)
        counts = generate({})
        mark_complete(counts)
        print(f"Generated in {time.perf_counter() - started:.0f} s: {counts}", file=sys.stderr)
    else:
        call_command("migrate", verbosity=0)  # new index migrations apply to kept data

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            db_label = f"PostgreSQL {cursor.fetchone()[0].split()[0]}"
    else:
        import sqlite3

        db_label = f"SQLite {sqlite3.sqlite_version} (file, WAL)"

    start, end = date(YEAR, 1, 1), date(YEAR, 12, 31)
    today = date(2027, 1, 15)
    f = period_filters(start=start, end=end)
    queries = hand_written(start, end, today)
    import time_machine

    with time_machine.travel(datetime(2027, 1, 15, 18, tzinfo=UTC), tick=True):
        from django.test.utils import override_settings

        with override_settings(DEBUG=False):
            tables = dashboard(f)
            sql_results = {key: run() for key, run in queries.items()}
            expected, got = sql_tables(sql_results), dashboard_tables(tables)
            mismatched = [key for key in got if got[key] != expected.get(key)]
            missing = sorted(set(got) - set(expected))
            samples = timed(
                {
                    "dashboard": lambda: dashboard(f),
                    # Its queries one after another on one connection, as the
                    # hand-written ones run: the like-for-like figure of the ratio.
                    "one_connection": lambda: one_connection(lambda: dashboard(f)),
                    # The same session settings as dashboard() (cercania/lib/analytic.py).
                    "sql": lambda: in_analytic(lambda: [q() for q in queries.values()]),
                    "page": lambda: page_indicators(f),
                },
                args.runs,
            )
            per_query = timed(
                {name: (lambda q=q: in_analytic(q)) for name, q in queries.items()}, 3
            )

    dash, sql = statistics.median(samples["dashboard"]), statistics.median(samples["sql"])
    serial = statistics.median(samples["one_connection"])
    ratio = serial / sql
    load = " / ".join(f"{x:.2f}" for x in os.getloadavg())
    lines = [
        f"Cercanía reports benchmark · {db_label} · Python {platform.python_version()}",
        f"Code: {code_version()}",
        f"Machine: {os.cpu_count()} CPUs, load average {load} (1/5/15 min) · "
        f"{args.runs} timed runs per figure after one warm-up, round robin, DEBUG off",
        "Data: "
        + ", ".join(f"{n:,} {name}" for name, n in counts.items())
        + f" over {FIRST_DAY} – {LAST_DAY}",
        f"Period: {start} – {end} (period_filters, internal: no consent filter)",
        "Figures equal to the hand-written SQL: "
        + (
            f"yes, all {len(got)} tables" if not mismatched and not missing else f"NO: {mismatched}"
        ),
        "",
        f"  dashboard() median       {dash * 1000:9.0f} ms   "
        f"(slowest {max(samples['dashboard']) * 1000:.0f} ms)"
        + (
            f"   target ≤ {TARGET_SECONDS * 1000:.0f} ms "
            f"{'PASS' if dash <= TARGET_SECONDS else 'MISS'}"
            if connection.vendor == "postgresql"
            else ""
        ),
        f"  the same, one connection {serial * 1000:9.0f} ms   (REPORT_QUERY_CONNECTIONS=1; "
        + (
            f"dashboard() used {settings.REPORT_QUERY_CONNECTIONS})"
            if connection.vendor == "postgresql"
            else "on SQLite dashboard() always reads on one)"
        ),
        f"  hand-written SQL median  {sql * 1000:9.0f} ms   ({len(queries)} queries, "
        "one connection)",
        f"  (info) the dashboard page's figures: this period and the previous one, with "
        f"the four rates: median {statistics.median(samples['page']) * 1000:.0f} ms",
        f"  ratio (one connection)   {ratio:9.2f}×     target ≤ {TARGET_RATIO}× "
        f"{'PASS' if ratio <= TARGET_RATIO else 'MISS'}",
        "",
        "  hand-written queries, median of 3 (ms): "
        + ", ".join(f"{k} {statistics.median(v) * 1000:.0f}" for k, v in per_query.items()),
    ]
    print("\n".join(lines))
    for key in mismatched:
        print(f"  {key}: dashboard {got[key]} ≠ SQL {expected.get(key)}")
    results = ROOT / "bench" / "results"
    results.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    (results / f"reports-{args.db}-{stamp}.txt").write_text("\n".join(lines) + "\n")
    (results / f"reports-{args.db}-{stamp}.json").write_text(
        json.dumps(
            {
                "database": db_label,
                "code": code_version(),
                "load_average": os.getloadavg(),
                "data": counts,
                "period": [str(start), str(end)],
                "figures_equal": not mismatched and not missing,
                "dashboard_seconds": samples["dashboard"],
                "one_connection_seconds": samples["one_connection"],
                "sql_seconds": samples["sql"],
                "page_seconds": samples["page"],
                "ratio": ratio,
            },
            indent=2,
        )
    )
    if mismatched or missing:
        sys.exit(1)


if __name__ == "__main__":
    main()
