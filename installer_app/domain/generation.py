"""SMETS1 or SMETS2+ for a CPL entry or pre-notification: explicit, data-driven rules.

The generation is never inferred from a version number (``SMETS V1.58`` is a SMETS2-era
specification and CHTS versions are 1.x too). Rules are an ordered list of regular expressions
over the SMETS/CHTS Version text, kept as data (``resources/generation_rules.toml``); the first
that matches wins, and text that no rule matches is an error, never a guess.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from installer_app.domain.model import Generation


@dataclass(frozen=True, slots=True)
class GenerationRule:
    pattern: re.Pattern[str]
    generation: Generation
    note: str = ""


class GenerationRules:
    """Ordered rules mapping SMETS/CHTS Version text to a generation."""

    def __init__(self, rules: Iterable[GenerationRule]) -> None:
        self.rules = tuple(rules)
        self._cache: dict[str, Generation | None] = {}

    @classmethod
    def from_data(cls, data: Mapping[str, object]) -> GenerationRules:
        """Build from parsed TOML: ``[[rule]] pattern = "…" generation = "SMETS1" note = "…"``."""
        raw_rules = data.get("rule")
        if not isinstance(raw_rules, list) or not raw_rules:
            raise ValueError("generation rules: no [[rule]] entries")
        rules = []
        for index, item in enumerate(raw_rules, 1):
            if not isinstance(item, Mapping):
                raise ValueError(f"generation rule {index}: not a table")
            pattern, generation = item.get("pattern"), item.get("generation")
            if not isinstance(pattern, str) or not isinstance(generation, str):
                raise ValueError(f"generation rule {index}: needs 'pattern' and 'generation'")
            try:
                compiled = re.compile(pattern, re.IGNORECASE)
            except re.error as exc:
                raise ValueError(
                    f"generation rule {index}: bad pattern {pattern!r}: {exc}"
                ) from exc
            note = item.get("note", "")
            rules.append(
                GenerationRule(compiled, Generation.parse(generation), str(note) if note else "")
            )
        return cls(rules)

    def classify(self, text: str) -> Generation | None:
        """The generation for a SMETS/CHTS Version text, or None when no rule matches."""
        key = " ".join(text.split())
        try:
            return self._cache[key]
        except KeyError:
            pass
        result = None
        if key:
            for rule in self.rules:
                if rule.pattern.fullmatch(key):
                    result = rule.generation
                    break
        self._cache[key] = result
        return result
