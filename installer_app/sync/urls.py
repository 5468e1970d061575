"""URL helpers that do not need the HTTP client (kept light for fast start-up)."""

from __future__ import annotations

from urllib.parse import urlsplit


def is_url(source: str) -> bool:
    return urlsplit(source).scheme.lower() in {"http", "https"}


def display_url(url: str) -> str:
    """The URL without any user:password or query string (which may hold a token)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return f"{parts.scheme}://{host}{parts.path}"
