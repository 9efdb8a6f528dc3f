"""Timings the end-to-end suite prints in its terminal summary."""

from __future__ import annotations

MEASURED: list[tuple[str, str, float, str]] = []


def record(kind: str, what: str, value: float, unit: str = "s") -> None:
    """One figure: seconds by default, or a count with unit e.g. "requests"."""
    MEASURED.append((kind, what, value, unit))


def summary_lines() -> list[str]:
    lines = [
        f"{kind:<34} {what:<40} {value:6.2f} {unit}" if unit == "s" else f"{kind:<34} {what:<40} {value:6.0f} {unit}"
        for kind, what, value, unit in MEASURED
    ]
    return lines or ["(nothing measured)"]
