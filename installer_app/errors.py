"""The one exception class for expected, user-facing failures.

Its text is shown to the user as is (CLI stderr, GUI message box): say what happened and what to
do next. Anything else that escapes is a bug: logged with a traceback, shown with the log path.
"""

from __future__ import annotations


class UserError(Exception):
    """An expected failure whose message is fit to show as is (exit code 2 in the CLI)."""

    def __init__(self, message: str, *, details: list[str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or []

    def __str__(self) -> str:
        if not self.details:
            return self.message
        return "\n".join([self.message, *("  " + d for d in self.details)])
