"""Timings the end-to-end suite prints in its terminal summary."""

from __future__ import annotations

from summary import add_lines

TITLE = "end-to-end timings"


def record(kind: str, what: str, value: float, unit: str = "s") -> None:
    """One figure: seconds by default, or a count with unit e.g. "requests"."""
    figure = f"{value:6.2f}" if unit == "s" else f"{value:6.0f}"
    add_lines(TITLE, [f"{kind:<34} {what:<40} {figure} {unit}"])
