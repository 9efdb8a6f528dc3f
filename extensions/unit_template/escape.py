"""Quoting for unit files: what systemd would otherwise read as syntax."""

from __future__ import annotations

import re

NEEDS_QUOTES = re.compile(r"[\s\"'\\]")


def specifiers(text: str) -> str:
    """A literal `%` is written `%%`, or systemd reads a specifier."""
    return text.replace("%", "%%")


def environment(assignment: str) -> str:
    """One NAME=value for Environment=: quoted when it has spaces, quotes or backslashes."""
    text = specifiers(assignment)
    if not NEEDS_QUOTES.search(text):
        return text
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def literal_dollars(text: str) -> str:
    """A `$` that must reach the command as itself, not as a variable reference."""
    return text.replace("$", "$$")
