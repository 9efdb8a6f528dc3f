"""Figures the suite prints in its terminal summary, whichever xdist worker measured them.

A test module adds its lines under a title; each worker hands its sections to
the controller when it finishes (xdist's `workeroutput`), and the controller
prints them all once (tests/conftest.py).
"""

from __future__ import annotations

SECTIONS: dict[str, list[str]] = {}


def add_lines(title: str, lines: list[str]) -> None:
    SECTIONS.setdefault(title, []).extend(lines)


def merge(sections: dict[str, list[str]]) -> None:
    for title, lines in sections.items():
        add_lines(title, lines)
