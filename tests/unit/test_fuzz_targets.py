"""The atheris targets (``tests/fuzz/``) stay runnable: each takes its seeds, and an input that
breaks a parser's promise is reported as a crash rather than passing quietly."""

from __future__ import annotations

import re

import pytest

from tests.fuzz.seeds import SEEDS
from tests.fuzz.targets import TARGETS


def test_every_target_has_seeds() -> None:
    assert set(TARGETS) == set(SEEDS)


@pytest.mark.parametrize("name", sorted(TARGETS))
def test_target_runs_on_its_seeds_and_on_junk(name: str) -> None:
    seeds = SEEDS[name]()
    assert seeds
    for data in [*seeds, b"", b"\x00", b"\xff" * 64, *(seed[: len(seed) // 2] for seed in seeds)]:
        TARGETS[name](data)


def test_a_broken_promise_is_a_crash(monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.fuzz import targets

    monkeypatch.setattr(targets, "_EUI64", re.compile("never"))
    with pytest.raises(AssertionError):
        TARGETS["barcode"](b"Z:00DB12345678B001\r\n")
