"""Retention: block records whose purpose ended, erase them after the retention period.

Rules come from settings.RETENTION_RULES, one per record type ("app_label.model"):

    {"scheduling.appointment": {"block_after_days": 365, "delete_after_days": 1825,
                                "date_field": "ends_at"}, …}

A row is due when its `date_field` is older than the period. A null date means its
purpose has not ended (an open case) and it is never due. A row is also not due
while any row of another ruled type that points at it is still recent or open: a
woman is not blocked while she has a recent appointment, contact or open case; a case
not while a recent contact hangs from it. A person is never erased while an ARCO
request of hers is not closed.

"Block" records a RetentionBlock (see selectors.not_blocked). "Delete" anonymises
(services.person_erase for a person; services.record_anonymise for another record,
with the rows pointing at it that have no rule of their own): rows stay, so
statistics keep their totals.

The defaults below are placeholders *to confirm with the institute's archive
catalogue* (catálogo de disposición documental); docs/privacy.md explains them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.exceptions import FieldDoesNotExist, ImproperlyConfigured
from django.db import models
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from cercania.cases.models import Person

from .models import ArcoRequest, ArcoStatus, BlockReason, RetentionBlock
from .selectors import foreign_keys_to

DEFAULT_RETENTION_RULES: dict[str, dict[str, Any]] = {
    # Appointments: out of the agendas a year after the session, anonymised at five.
    "scheduling.appointment": {
        "block_after_days": 365,
        "delete_after_days": 1825,
        "date_field": "ends_at",
    },
    # Calls and sessions: two years in daily use, five in total.
    "cases.contact": {
        "block_after_days": 730,
        "delete_after_days": 1825,
        "date_field": "started_at",
    },
    # Case files: counted from closing; an open case (no closing date) is never due.
    "cases.case": {"block_after_days": 730, "delete_after_days": 1825, "date_field": "closed_on"},
    # The person: from her registration, and only once nothing about her is recent.
    "cases.person": {
        "block_after_days": 730,
        "delete_after_days": 1825,
        "date_field": "created_at",
    },
}
RULE_KEYS = {"block_after_days", "delete_after_days", "date_field"}


@dataclass(frozen=True)
class RetentionRule:
    object_type: str
    block_after_days: int
    delete_after_days: int
    date_field: str
    model: type[models.Model] | None  # None: the type is not installed (yet)


def _positive(label: str, key: str, value: object) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ImproperlyConfigured(
            f"RETENTION_RULES[{label!r}][{key!r}] must be a positive integer"
        )
    return value


def retention_rules() -> dict[str, RetentionRule]:
    """The rules from settings (RETENTION_RULES, or the defaults), checked loudly."""
    raw = getattr(settings, "RETENTION_RULES", DEFAULT_RETENTION_RULES)
    if not isinstance(raw, Mapping):
        raise ImproperlyConfigured("RETENTION_RULES must be a dict of record type → rule")
    rules: dict[str, RetentionRule] = {}
    for label, rule in raw.items():
        if not isinstance(rule, Mapping) or set(rule) != RULE_KEYS:
            raise ImproperlyConfigured(
                f"RETENTION_RULES[{label!r}] must have exactly the keys {sorted(RULE_KEYS)}"
            )
        block = _positive(label, "block_after_days", rule["block_after_days"])
        delete = _positive(label, "delete_after_days", rule["delete_after_days"])
        if delete < block:
            raise ImproperlyConfigured(
                f"RETENTION_RULES[{label!r}]: delete_after_days is shorter than block_after_days"
            )
        try:
            model = apps.get_model(label)
        except (LookupError, ValueError):
            model = None
        date_field = rule["date_field"]
        if model is not None:
            try:
                field = model._meta.get_field(date_field)
            except FieldDoesNotExist:
                field = None
            if not isinstance(field, models.DateField):
                raise ImproperlyConfigured(
                    f"RETENTION_RULES[{label!r}]: {date_field!r} is not a date field of {label}"
                )
        rules[label.lower()] = RetentionRule(
            object_type=label.lower(),
            block_after_days=block,
            delete_after_days=delete,
            date_field=date_field,
            model=model,
        )
    return rules


def _cutoff_for(model: type[models.Model], date_field: str, cutoff: datetime) -> Any:
    # DateTimeField is a DateField: test it first. A date column compares with the
    # institute's local date of the cut-off.
    field = model._meta.get_field(date_field)
    if isinstance(field, models.DateTimeField):
        return cutoff
    return timezone.localdate(cutoff)


def due_rows(
    rule: RetentionRule, *, cutoff: datetime, rules: Mapping[str, RetentionRule]
) -> QuerySet[Any]:
    """Rows of `rule`'s type whose date is before `cutoff`, with no recent dependant."""
    if rule.model is None:
        raise ValueError(f"{rule.object_type} is not installed")
    model = rule.model
    rows = model._base_manager.filter(
        **{f"{rule.date_field}__lt": _cutoff_for(model, rule.date_field, cutoff)}
    )
    for other in rules.values():
        if other.model is None or other.model is model:
            continue
        other_cutoff = _cutoff_for(other.model, other.date_field, cutoff)
        for link in foreign_keys_to(other.model, {model}):
            recent = other.model._base_manager.filter(**{link.attname: OuterRef("pk")}).filter(
                Q(**{f"{other.date_field}__gte": other_cutoff})
                | Q(**{f"{other.date_field}__isnull": True})
            )
            rows = rows.exclude(Exists(recent))
    return rows


def _blocks(model: type[models.Model]) -> QuerySet[RetentionBlock]:
    return RetentionBlock.objects.filter(
        object_type=model._meta.label_lower, object_pk=OuterRef("pk")
    )


def _to_block(rule: RetentionRule, now: datetime, rules: Mapping[str, RetentionRule]) -> QuerySet:
    assert rule.model is not None
    cutoff = now - timedelta(days=rule.block_after_days)
    return due_rows(rule, cutoff=cutoff, rules=rules).exclude(Exists(_blocks(rule.model)))


def _to_delete(rule: RetentionRule, now: datetime, rules: Mapping[str, RetentionRule]) -> QuerySet:
    assert rule.model is not None
    cutoff = now - timedelta(days=rule.delete_after_days)
    rows = due_rows(rule, cutoff=cutoff, rules=rules).exclude(
        Exists(_blocks(rule.model).filter(erased_at__isnull=False))
    )
    if rule.model is Person:
        # Her pending ARCO request (say, access) must find her data as it is.
        pending = ArcoRequest.objects.filter(person=OuterRef("pk")).exclude(
            status=ArcoStatus.CLOSED
        )
        rows = rows.exclude(Exists(pending))
    return rows


@dataclass(frozen=True)
class RetentionLine:
    object_type: str
    installed: bool
    to_block: int
    to_delete: int


def _ordered(rules: Mapping[str, RetentionRule]) -> list[RetentionRule]:
    # People first: erasing a person erases her rows too, so they are not done twice.
    return sorted(rules.values(), key=lambda r: (r.model is not Person, r.object_type))


def retention_plan(*, now: datetime | None = None) -> list[RetentionLine]:
    """What a run would block and erase now, per record type (changes nothing)."""
    now = now or timezone.now()
    rules = retention_rules()
    lines = []
    for rule in _ordered(rules):
        if rule.model is None:
            lines.append(RetentionLine(rule.object_type, installed=False, to_block=0, to_delete=0))
            continue
        lines.append(
            RetentionLine(
                rule.object_type,
                installed=True,
                to_block=_to_block(rule, now, rules).count(),
                to_delete=_to_delete(rule, now, rules).count(),
            )
        )
    return lines


def retention_run(*, now: datetime | None = None, dry_run: bool = False) -> list[RetentionLine]:
    """Block and erase what is due; returns what was done (or would be, dry run).

    Each record is handled in its own transaction, so a long run holds no lock for
    long and an interrupted run just starts again where it stopped.
    """
    from .services import record_anonymise, record_block

    if dry_run:
        return retention_plan(now=now)
    now = now or timezone.now()
    rules = retention_rules()
    installed = [rule for rule in _ordered(rules) if rule.model is not None]
    blocked: dict[str, int] = {}
    for rule in installed:
        assert rule.model is not None
        blocked[rule.object_type] = 0
        for pk in list(_to_block(rule, now, rules).values_list("pk", flat=True)):
            obj = rule.model._base_manager.get(pk=pk)
            blocked[rule.object_type] += record_block(
                obj=obj, actor=None, reason=BlockReason.RETENTION
            )
    erased: dict[str, int] = {}
    for rule in installed:
        assert rule.model is not None
        erased[rule.object_type] = 0
        for pk in list(_to_delete(rule, now, rules).values_list("pk", flat=True)):
            # Skipped when erasing a person earlier in this run already covered it.
            if RetentionBlock.objects.filter(
                object_type=rule.object_type, object_pk=pk, erased_at__isnull=False
            ).exists():
                continue
            obj = rule.model._base_manager.get(pk=pk)
            record_anonymise(obj=obj, actor=None, reason=BlockReason.RETENTION, spare=set(rules))
            erased[rule.object_type] += 1
    return [
        RetentionLine(
            rule.object_type,
            installed=rule.model is not None,
            to_block=blocked.get(rule.object_type, 0),
            to_delete=erased.get(rule.object_type, 0),
        )
        for rule in _ordered(rules)
    ]
