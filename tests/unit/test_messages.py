"""The catalogue: every message exists in both languages with the same parameters."""

from __future__ import annotations

import string

import pytest

from rotativa.domain.messages import CATALOGUE, LANGUAGES


def fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


@pytest.mark.parametrize("code", sorted(CATALOGUE))
def test_both_languages_take_the_same_parameters(code: str) -> None:
    entry = CATALOGUE[code]
    assert set(entry) == set(LANGUAGES)
    assert fields(entry["it"]) == fields(entry["en"])
    assert entry["it"] != entry["en"] or code.startswith("kind_")
