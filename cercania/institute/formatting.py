"""Dates and times as people read them on the site, in the institute's zone."""

from __future__ import annotations

from datetime import date, datetime

from django.utils.dateformat import format as date_format
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from .selectors import institute_zone


def day_label(day: date, *, with_year: bool = False) -> str:
    """'lunes 30 de noviembre' (Spanish writes weekday and month in lower case)."""
    text = date_format(day, _("l j \\d\\e F \\d\\e Y") if with_year else _("l j \\d\\e F"))
    return text.lower() if (get_language() or "es").startswith("es") else text


def time_label(moment: datetime) -> str:
    """'9:00', in the institute's zone."""
    return date_format(moment.astimezone(institute_zone()), "G:i")
