"""Keep secrets and personal data out of the log file.

The log is for support: what ran, what failed, and where. It must never hold a sync token, a
customer's address or a meter point number (MPAN/MPRN), even when one arrives inside an error
message or an exception from a file or the back office. The code logs no such value on purpose;
:class:`RedactingFormatter` is the safety net under it: every line written to the log file,
traceback included, passes through :func:`redact`.

What is masked:

* installer tokens (``ia1.<id>.<secret>``: the secret) and anything after ``Bearer``;
* UK postcodes (an address's one reliable mark);
* quoted values (error messages quote the value they refuse: it may be an address);
* 13- and 21-digit numbers (MPAN core, full MPAN) and numbers labelled MPRN/MPxN.

Traceback frame and source lines keep their quotes: they are our code, not data.
"""

from __future__ import annotations

import logging
import re

MASK = "[hidden]"

_TOKEN = re.compile(r"\b(ia1\.[0-9A-Za-z]+\.)[A-Za-z0-9_\-]+")
_BEARER = re.compile(r"(?i)\b(bearer\s+)\S+")
_POSTCODE = re.compile(r"\b(?:GIR ?0AA|[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2})\b", re.I)
_MPAN = re.compile(r"(?<![0-9A-Za-z])(?:[0-9]{21}|[0-9]{13})(?![0-9A-Za-z])")
_MPRN = re.compile(r"(?i)\b(mpxn|mprn|mpan)(\W{0,3})[0-9][0-9 ]{4,24}[0-9]")
# A quote opens a value only at the start of a word (not the apostrophe in "don't"); a value
# cut short with "…" may lack its closing quote.
_QUOTED = re.compile(r"""(?<![\w'"])(['"])(?:(?!\1)[^\n\\]|\\.)*(?:\1|$)""", re.M)
_SOURCE_LINE = re.compile(r"^(?:    |  File \")")


def redact(text: str) -> str:
    """``text`` with tokens, postcodes, MPxNs and quoted values masked."""
    text = _TOKEN.sub(rf"\g<1>{MASK}", text)
    text = _BEARER.sub(rf"\g<1>{MASK}", text)
    lines = []
    for line in text.split("\n"):
        if not _SOURCE_LINE.match(line):
            line = _QUOTED.sub(lambda m: f"{m.group(1)}{MASK}{m.group(1)}", line)
        lines.append(line)
    text = "\n".join(lines)
    text = _MPRN.sub(rf"\g<1>\g<2>{MASK}", text)
    text = _MPAN.sub(MASK, text)
    return _POSTCODE.sub(MASK, text)


class RedactingFormatter(logging.Formatter):
    """A formatter whose every line, traceback included, has passed through :func:`redact`."""

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))
