"""Values as error messages show them: cut short (a damaged file can hold huge values) and,
for the refused value itself, quoted."""

from __future__ import annotations

SHOWN_CHARS = 40


def cut(text: str, limit: int = SHOWN_CHARS) -> str:
    """``text``, or its first ``limit`` characters and an ellipsis."""
    return text if len(text) <= limit else text[:limit] + "…"


def quoted(text: str, limit: int = SHOWN_CHARS) -> str:
    """The value quoted (``repr``: control characters escaped), cut to ``limit`` characters."""
    return repr(cut(text, limit))
