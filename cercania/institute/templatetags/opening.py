"""How opening hours read on the public site, in the institute's zone."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta

from django import template
from django.utils import timezone
from django.utils.translation import gettext as _

from cercania.institute.formatting import day_label, time_label
from cercania.institute.models import OpeningHours, Weekday
from cercania.institute.selectors import institute_zone
from cercania.lib.opening import OpeningState

register = template.Library()


def _moment(when: datetime, now: datetime) -> str:
    """'hoy a las 9:00', 'mañana a las 9:00' or 'el lunes 30 de noviembre a las 9:00'."""
    zone = institute_zone()
    local, today = when.astimezone(zone), now.astimezone(zone).date()
    clock = time_label(local)
    if local.date() == today:
        return _("hoy a las %(time)s") % {"time": clock}
    if local.date() == today + timedelta(days=1):
        return _("mañana a las %(time)s") % {"time": clock}
    day = day_label(local.date())
    return _("el %(day)s a las %(time)s") % {"day": day, "time": clock}


@register.simple_tag
def opening_status(state: OpeningState, now: datetime | None = None) -> str:
    now = now or timezone.now()
    if state.open_now and state.next_close:
        close = state.next_close.astimezone(institute_zone())
        if close.date() == now.astimezone(institute_zone()).date():
            return _("Abierto ahora · cierra a las %(time)s") % {"time": time_label(close)}
        return _("Abierto ahora · cierra %(when)s") % {"when": _moment(close, now)}
    if state.next_open:
        return _("Cerrado · abre %(when)s") % {"when": _moment(state.next_open, now)}
    return _("Cerrado")


@register.simple_tag
def weekly_hours(rows: Iterable[OpeningHours]) -> list[str]:
    """Group days with the same windows: ['lunes a viernes, 9:00 a 15:00']."""
    by_day: dict[int, tuple[tuple[str, str], ...]] = {}
    for row in sorted(rows, key=lambda r: (r.weekday, r.opens)):
        window = (
            f"{row.opens.hour}:{row.opens.minute:02d}",
            f"{row.closes.hour}:{row.closes.minute:02d}",
        )
        by_day[row.weekday] = (*by_day.get(row.weekday, ()), window)
    lines: list[str] = []
    days = sorted(by_day)
    i = 0
    while i < len(days):
        j = i
        while (
            j + 1 < len(days)
            and days[j + 1] == days[j] + 1
            and by_day[days[j + 1]] == by_day[days[i]]
        ):
            j += 1
        first, last = Weekday(days[i]).label, Weekday(days[j]).label
        span = first if i == j else _("%(first)s a %(last)s") % {"first": first, "last": last}
        hours = _(" y ").join(
            _("%(opens)s a %(closes)s") % {"opens": o, "closes": c} for o, c in by_day[days[i]]
        )
        lines.append(f"{span}, {hours}")
        i = j + 1
    return lines


@register.filter
def local_day(day: date | datetime, style: str = "") -> str:
    """A date as people read it: {{ d|local_day }} or {{ d|local_day:"year" }}."""
    if isinstance(day, datetime):
        day = day.astimezone(institute_zone()).date()
    return day_label(day, with_year=style == "year")
