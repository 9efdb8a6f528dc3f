"""Shared fixtures: render the template with the real copier API."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from summary import SECTIONS, merge

from rendering import render_template

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True, scope="session")
def _isolated_copier_settings(tmp_path_factory: pytest.TempPathFactory) -> None:
    """A user's copier settings (defaults:, trust:) must not leak into tests."""
    settings = tmp_path_factory.mktemp("copier-settings") / "settings.yml"
    settings.write_text("{}\n")
    os.environ["COPIER_SETTINGS_PATH"] = str(settings)
    # copier update needs commits; a fresh CI machine has no git identity.
    for variable, value in (
        ("GIT_AUTHOR_NAME", "Template Tests"),
        ("GIT_AUTHOR_EMAIL", "tests@example.invalid"),
        ("GIT_COMMITTER_NAME", "Template Tests"),
        ("GIT_COMMITTER_EMAIL", "tests@example.invalid"),
    ):
        os.environ.setdefault(variable, value)


@pytest.fixture
def render(tmp_path: Path) -> Callable[..., Path]:
    """render(answers) -> the destination project, rendered with copier."""
    counter = iter(range(1_000_000))

    def _render(answers: dict[str, Any] | None = None, **kwargs: Any) -> Path:
        dst = tmp_path / f"project{next(counter)}"
        return render_template(dst, answers or {}, **kwargs)

    return _render


def pytest_sessionfinish(session: pytest.Session) -> None:
    """An xdist worker hands the figures it measured to the controller."""
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:
        workeroutput["summary_sections"] = json.dumps(SECTIONS)


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: Any) -> None:
    """The controller gathers each worker's figures (xdist's hook)."""
    sections = getattr(node, "workeroutput", {}).get("summary_sections")
    if sections:
        merge(json.loads(sections))


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, config: pytest.Config) -> None:
    if hasattr(config, "workeroutput"):
        return  # a worker: the controller prints
    for title, lines in SECTIONS.items():
        terminalreporter.write_sep("=", title)
        for line in lines:
            terminalreporter.write_line(line)
