"""The radio buttons of the booking questions, as plain values for the template.

Iterating a BoundField (`{% for choice in field %}`) builds a BoundWidget per choice
through the widget's own rendering context (attributes copied, choices normalised,
values formatted again for each one): about 16 µs per choice, a third of the day
question's field (22 days) and of every other list of choices she answers. The same
ids, values, labels and checked state as Django's RadioSelect, from one pass, for flat
choices (no question of the booking groups its choices).
"""

from __future__ import annotations

from typing import Any

from django import template
from django.forms import BoundField

register = template.Library()


@register.filter
def radio_options(field: BoundField) -> list[dict[str, Any]]:
    value = field.value()
    # As ChoiceWidget.format_value: what she chose, as strings ("" for nothing).
    chosen = {"" if v is None else str(v) for v in (value if isinstance(value, list) else [value])}
    auto_id = field.auto_id
    return [
        {
            # As ChoiceWidget.id_for_label with its index: id_modality_0, id_modality_1…
            "id": f"{auto_id}_{index}" if auto_id else "",
            "value": choice_value,
            "label": label,
            "checked": str(choice_value) in chosen,
        }
        for index, (choice_value, label) in enumerate(field.field.choices)  # type: ignore[attr-defined]
    ]
