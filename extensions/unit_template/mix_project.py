"""Read the app name from a project's mix.exs without running Elixir."""

from __future__ import annotations

import re
from pathlib import Path

APP = re.compile(r"(?<![\w:])app:\s*:([a-z][a-z0-9_]*)")
DEFAULT_RELEASE = re.compile(r"(?<![\w:])default_release:\s*:([a-z][a-z0-9_]*)")
RELEASES_START = re.compile(r"releases:\s*\[\s*(?:#[^\n]*\s*)*([a-z][a-z0-9_]*):")
RELEASES_FUNCTION = re.compile(r"defp?\s+releases\b[^\n]*\bdo\s*\[\s*(?:#[^\n]*\s*)*([a-z][a-z0-9_]*):")


def app_name_from_source(source: str) -> str:
    """`app:` of the project; in an umbrella, `default_release:` or the first release; else ""."""
    for pattern in (APP, DEFAULT_RELEASE, RELEASES_START, RELEASES_FUNCTION):
        match = pattern.search(source)
        if match:
            return match.group(1)
    return ""


def app_name_in(project_dir: Path) -> str:
    mix_exs = project_dir / "mix.exs"
    try:
        return app_name_from_source(mix_exs.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError):
        return ""
