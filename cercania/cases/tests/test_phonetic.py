"""The Spanish phonetic key used to spot duplicates by name."""

from __future__ import annotations

import pytest

from cercania.cases.phonetic import name_keys, names_close


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("Ximena López", "Jimena Lopes"),
        ("Yesenia Hernández", "Llesenia Ernandes"),
        ("María de la Luz Velázquez", "Maria Luz Belasques"),
        ("Guillermina Chávez", "Guillermina Chaves"),
        ("Cecilia Quiñónez", "Sesilia Kiñones"),
        ("Ana", "Ana López"),
    ],
)
def test_names_that_sound_alike_are_close(first, second):
    assert names_close(first, second)


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("Ana Pérez", "Beatriz Soto"),
        ("Ana Pérez", "Ana Gómez"),
        ("Lucía Peña", "Lucía Pineda"),
        ("", "Ana"),
    ],
)
def test_different_names_are_not(first, second):
    assert not names_close(first, second)


def test_particles_and_accents_do_not_count():
    assert name_keys("María de los Ángeles") == name_keys("Maria Angeles")
