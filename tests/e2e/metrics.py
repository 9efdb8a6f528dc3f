"""Timings the end-to-end suite prints in its terminal summary."""

from __future__ import annotations

MEASURED: list[tuple[str, str, float]] = []


def record(kind: str, what: str, seconds: float) -> None:
    MEASURED.append((kind, what, seconds))


def summary_lines() -> list[str]:
    lines = [f"{kind:<34} {what:<40} {seconds:6.2f} s" for kind, what, seconds in MEASURED]
    return lines or ["(nothing measured)"]
