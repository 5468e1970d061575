"""Naming the JSON type of a value in messages about JSON from outside (files, servers)."""

from __future__ import annotations


def json_kind(value: object) -> str:
    """``null``, ``true/false``, ``a number``, ``text``, ``a list`` or ``an object``."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "a list"
    return "an object"
