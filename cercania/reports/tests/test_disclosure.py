"""Small-cell suppression: nothing below k is shown or can be worked out from totals."""

from __future__ import annotations

from itertools import product

import pytest

from cercania.reports.disclosure import safe_count, safe_table, suppress
from cercania.reports.selectors import Table


def solutions(published: list[int | None], total: int) -> list[tuple[int, ...]]:
    """Every assignment of the hidden cells consistent with what is shown: each is
    0…total and together they sum to the total minus the visible cells."""
    hidden = [i for i, v in enumerate(published) if v is None]
    rest = total - sum(v for v in published if v is not None)
    found = []
    for guess in product(range(rest + 1), repeat=len(hidden)):
        if sum(guess) == rest:
            found.append(guess)
    return found


def test_a_cell_below_k_is_hidden_with_its_complement():
    cells, total = suppress([40, 3, 12, 20], total=75, k=5)
    assert total == 75
    assert cells == [40, None, None, 20]  # 3 hidden, 12 (next smallest) too


@pytest.mark.parametrize(
    "values",
    [[40, 3, 12, 20], [1, 1, 50], [2, 0, 9], [4, 4, 4, 30], [7, 1], [0, 3, 0, 8, 90]],
)
def test_a_suppressed_value_cannot_be_recovered_from_the_totals_shown(values):
    k = 5
    cells, total = suppress(values, total=sum(values), k=k)
    assert total is not None
    hidden = [i for i, v in enumerate(cells) if v is None]
    assert all(cells[i] is None for i, v in enumerate(values) if 0 < v < k)
    options = solutions(cells, total)
    assert tuple(values[i] for i in hidden) in options
    for position in range(len(hidden)):
        assert len({guess[position] for guess in options}) >= 2, (values, cells)
    # Even knowing a small cell is 1…k−1, no hidden cell is pinned to one value.
    small = [n for n, i in enumerate(hidden) if 0 < values[i] < k]
    narrowed = [g for g in options if all(1 <= g[n] <= k - 1 for n in small)]
    for position in range(len(hidden)):
        assert len({guess[position] for guess in narrowed}) >= 2, (values, cells)


def test_a_total_below_k_hides_the_whole_table():
    assert suppress([2, 1], total=3, k=5) == ([None, None], None)


def test_zeros_and_cells_at_k_are_shown():
    assert suppress([0, 5, 9], total=14, k=5) == ([0, 5, 9], 14)


def test_k_comes_from_the_setting(settings):
    settings.REPORTS_MIN_CELL = 10
    assert safe_count(9) is None
    assert safe_count(10) == 10
    assert safe_count(0) == 0


def test_a_safe_table_keeps_labels_and_hides_values():
    table = Table(key="t", title="T", rows=[("a", 30), ("b", 2), ("c", 8)])
    safe = safe_table(table, k=5)
    assert safe.rows == [("a", 30), ("b", None), ("c", None)]
    assert safe.total == 40
    assert safe.any_hidden
