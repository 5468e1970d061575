from __future__ import annotations

import tomllib

import pytest

from installer_app import paths
from installer_app.domain.generation import GenerationRules
from installer_app.domain.model import Generation


@pytest.fixture(scope="module")
def rules() -> GenerationRules:
    text = paths.resource("generation_rules.toml").read_text(encoding="utf-8")
    return GenerationRules.from_data(tomllib.loads(text))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("SMETS1", Generation.SMETS1),
        ("smets 1", Generation.SMETS1),
        ("SMETS-1", Generation.SMETS1),
        ("SMETS1 FOC", Generation.SMETS1),
        # A SMETS2-era specification version, not SMETS1: never decided by the number.
        ("SMETS V1.58", Generation.SMETS2),
        ("SMETS V4.2", Generation.SMETS2),
        ("  SMETS   V5.1 ", Generation.SMETS2),
        ("SMETS2", Generation.SMETS2),
        ("SMETS2+", Generation.SMETS2),
        ("CHTS V1.4", Generation.SMETS2),
    ],
)
def test_bundled_rules(rules: GenerationRules, text: str, expected: Generation) -> None:
    assert rules.classify(text) is expected


@pytest.mark.parametrize("text", ["", "V1.58", "SMETS 1.58", "Version 5", "unknown"])
def test_unmatched_text_is_not_guessed(rules: GenerationRules, text: str) -> None:
    assert rules.classify(text) is None


def test_rules_are_data_and_ordered() -> None:
    custom = GenerationRules.from_data(
        {
            "rule": [
                {"pattern": "LEGACY.*", "generation": "SMETS1"},
                {"pattern": ".*", "generation": "SMETS2+"},
            ]
        }
    )
    assert custom.classify("legacy kit") is Generation.SMETS1
    assert custom.classify("anything") is Generation.SMETS2


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"rule": []},
        {"rule": [{"pattern": "("}]},
        {"rule": [{"pattern": "(", "generation": "SMETS1"}]},
    ],
)
def test_broken_rule_files_are_refused(data: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        GenerationRules.from_data(data)


def test_generation_spellings() -> None:
    assert Generation.parse("smets2+") is Generation.SMETS2
    assert Generation.parse("SMETS 1") is Generation.SMETS1
    with pytest.raises(ValueError):
        Generation.parse("SMETS3")
