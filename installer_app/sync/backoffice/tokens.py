"""Installer tokens: ``ia1.<token id>.<secret>``, stored as the id and the secret's SHA-256.

The id is public (it names the token in lists and logs); the secret (256 random bits) is shown
once, when the token is created, and never stored. A 256-bit random secret needs no salt or slow
hash: SHA-256 of it cannot be searched. Comparison is constant-time, and an unknown id costs the
same comparison as a known one.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

PREFIX = "ia1"
_TOKEN = re.compile(r"ia1\.([0-9a-f]{16})\.([A-Za-z0-9_-]{32,100})")
_DUMMY = hashlib.sha256(b"no such token").hexdigest()


def new_token() -> tuple[str, str, str]:
    """A fresh token: (the token to hand out, its id, the SHA-256 of its secret)."""
    token_id = secrets.token_hex(8)
    secret = secrets.token_urlsafe(32)
    return f"{PREFIX}.{token_id}.{secret}", token_id, hash_secret(secret)


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode("ascii")).hexdigest()


def parse(token: str) -> tuple[str, str] | None:
    """(token id, secret), or None when the text cannot be a token."""
    match = _TOKEN.fullmatch(token.strip())
    return (match.group(1), match.group(2)) if match else None


def token_id_of(text: str) -> str | None:
    """The id in a whole token, or the text itself when it is an id."""
    parsed = parse(text)
    if parsed:
        return parsed[0]
    text = text.strip()
    return text if re.fullmatch(r"[0-9a-f]{16}", text) else None


def secret_matches(secret: str | None, stored_sha256: str | None) -> bool:
    """Constant-time check of a secret against a stored hash (None: always False, same cost)."""
    candidate = hash_secret(secret or "")
    expected = stored_sha256 or _DUMMY
    return hmac.compare_digest(candidate, expected) and secret is not None and bool(stored_sha256)
