"""Open data: monthly counts by service, channel and matter area, anonymised, with a
data dictionary.

Everything here leaves the institute, so it counts only women who consented to
anonymous statistics (period_filters(external=True)) and every (month, dimension)
table goes through disclosure.suppress: cells below k hidden, with complementary
cells, and the table's total hidden when below k.

Long format, one row per month × dimension × category, plus each table's total:
each dimension is a partition of its unit (every contact has one line and one
channel; every case–matter-area pair is counted once), so a total is the sum of its
cells and complementary suppression holds.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.db import models
from django.db.models import CharField, Count, QuerySet, Value, When
from django.db.models.functions import TruncMonth
from django.utils.translation import gettext as _

from cercania.cases.models import Case, LegalMatter
from cercania.institute.models import Service
from cercania.institute.selectors import institute_zone
from cercania.lib.analytic import analytic

from .disclosure import min_cell, suppress
from .exports import Cell, to_csv
from .selectors import CHANNELS, Filters, cases, contacts, period_filters

Month = tuple[int, int]


@dataclass(frozen=True)
class Column:
    name: str
    kind: str
    description: str
    values: str


def columns() -> list[Column]:
    """The data dictionary: one entry per column of the data file, in its order."""
    return [
        Column(
            "mes",
            _("texto (AAAA-MM)"),
            _(
                "Mes calendario en la zona horaria del instituto. El primer y el último mes "
                "pueden estar incompletos si el periodo pedido empieza o termina a mitad de mes."
            ),
            _("De %(start)s a %(end)s"),
        ),
        Column(
            "dimension",
            _("texto"),
            _("Qué se cuenta en la fila y cómo se agrupa."),
            "servicio; canal; area_materia",
        ),
        Column(
            "categoria",
            _("texto"),
            _(
                "Grupo dentro de la dimensión: la línea o servicio, el canal (videollamada, "
                "teléfono, presencial) o el área de las materias del expediente. «Total» "
                "es la suma de las categorías de ese mes y dimensión."
            ),
            _("Ver las filas del archivo; «Total» en cada mes y dimensión"),
        ),
        Column(
            "unidad",
            _("texto"),
            _(
                "servicio y canal cuentan atenciones (sesiones y llamadas); area_materia "
                "cuenta expedientes abiertos en el mes, una vez por cada área de materias "
                "que tocan."
            ),
            "atenciones; expedientes",
        ),
        Column(
            "valor",
            _("entero o vacío"),
            _(
                "Número de la categoría. Vacío cuando se ocultó para proteger a las "
                "personas: cifras de 1 a %(k_minus)s, y las necesarias para que no se "
                "puedan deducir a partir del total."
            ),
            _("0 o más; vacío si se ocultó"),
        ),
        Column(
            "suprimido",
            _("texto"),
            _("«sí» cuando el valor se ocultó, «no» cuando se publica."),
            "sí; no",
        ),
    ]


def _months(f: Filters) -> list[Month]:
    months: list[Month] = []
    day = f.start.replace(day=1)
    while day <= f.end:
        months.append((day.year, day.month))
        day = (day + timedelta(days=32)).replace(day=1)
    return months


def _month_of(value: date | datetime) -> Month:
    if isinstance(value, datetime):
        value = value.astimezone(institute_zone())
    return (value.year, value.month)


def _grouped(rows: Any) -> dict[tuple[Month, str], int]:
    counts: dict[tuple[Month, str], int] = defaultdict(int)
    for month, category, n in rows:
        counts[(_month_of(month), category)] += n
    return counts


def _channel() -> models.Case:
    return models.Case(
        *[When(kind__in=kinds, then=Value(code)) for code, _label, kinds in CHANNELS],
        output_field=CharField(),
    )


def _by_service(f: Filters) -> tuple[list[tuple[str, str]], dict[tuple[Month, str], int]]:
    rows = (
        contacts(f)
        .annotate(month=TruncMonth("started_at", tzinfo=institute_zone()))
        .values_list("month", "line__code")
        .annotate(n=Count("pk"))
        .order_by()
    )
    counts = _grouped((month, code or "", n) for month, code, n in rows)
    categories = [(s.code, s.name) for s in Service.objects.order_by("name")]
    return [*categories, ("", _("Sin línea"))], counts


def _by_channel(f: Filters) -> tuple[list[tuple[str, str]], dict[tuple[Month, str], int]]:
    rows = (
        contacts(f)
        .annotate(month=TruncMonth("started_at", tzinfo=institute_zone()), channel=_channel())
        .values_list("month", "channel")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return [(code, str(label)) for code, label, _kinds in CHANNELS], _grouped(rows)


def _by_matter_area(f: Filters) -> tuple[list[tuple[str, str]], dict[tuple[Month, str], int]]:
    opened: QuerySet[Case] = cases(f)
    # The many-to-many table, typed loosely: the plugin cannot follow its annotations.
    through: QuerySet[Any] = Case.matters.through.objects.filter(case__in=opened.values("pk"))
    rows = (
        through.annotate(month=TruncMonth("case__opened_on"))
        .values_list("month", "legalmatter__group")
        .annotate(n=Count("case_id", distinct=True))
        .order_by()
    )
    counts = _grouped(rows)
    without = (
        opened.filter(matters__isnull=True)
        .annotate(month=TruncMonth("opened_on"))
        .values_list("month")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for month, n in without:
        counts[(_month_of(month), "")] += n
    groups = LegalMatter.objects.order_by("group").values_list("group", flat=True).distinct()
    return [*((g, g) for g in groups), ("", _("Sin materia registrada"))], counts


DIMENSIONS = (
    ("servicio", "atenciones", _by_service),
    ("canal", "atenciones", _by_channel),
    ("area_materia", "expedientes", _by_matter_area),
)


@analytic
def open_data_rows(*, start: date, end: date, k: int | None = None) -> list[list[Cell]]:
    """The data file's rows (without the header), suppressed."""
    f = period_filters(start=start, end=end, external=True)
    out: list[list[Cell]] = []
    tables = [(name, unit, *build(f)) for name, unit, build in DIMENSIONS]
    for year, month in _months(f):
        label = f"{year:04d}-{month:02d}"
        for name, unit, categories, counts in tables:
            values = [counts.get(((year, month), code), 0) for code, _label in categories]
            published, total = suppress(values, total=sum(values), k=k)
            for (_code, category), value in zip(categories, published, strict=True):
                out.append(_row(label, name, category, unit, value))
            out.append(_row(label, name, _("Total"), unit, total))
    return out


def _row(month: str, dimension: str, category: str, unit: str, value: int | None) -> list[Cell]:
    hidden = value is None
    return [month, dimension, category, unit, value, _("sí") if hidden else _("no")]


def open_data_csv(*, start: date, end: date, k: int | None = None) -> tuple[bytes, int]:
    """The data file as CSV (UTF-8 with BOM, formula-safe) and its number of rows."""
    rows = open_data_rows(start=start, end=end, k=k)
    return to_csv([c.name for c in columns()], rows), len(rows)


def dictionary(*, start: date, end: date, k: int | None = None) -> list[Column]:
    """The dictionary's entries with this file's period and threshold filled in."""
    k = min_cell() if k is None else k
    params = {"start": f"{start:%Y-%m}", "end": f"{end:%Y-%m}", "k_minus": k - 1}
    return [Column(c.name, c.kind, c.description % params, c.values % params) for c in columns()]


def dictionary_csv(*, start: date, end: date, k: int | None = None) -> bytes:
    header = [_("columna"), _("tipo"), _("descripcion"), _("valores")]
    rows: list[list[Cell]] = [
        [c.name, c.kind, c.description, c.values] for c in dictionary(start=start, end=end, k=k)
    ]
    return to_csv(header, rows)
