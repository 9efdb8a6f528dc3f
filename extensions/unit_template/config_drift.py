"""config :mix_systemd after the first copy, which took it as its defaults (mix_systemd_import.py).

copier update reads the recorded answers only: a setting changed in the config since would reach
`mix systemd.generate` (the EEx templates read the config) but not these units, without a word.
When config/ still names :mix_systemd and changed in a commit after the one that last recorded
the answers, the update's message names each setting that would give the units another value
than the answers do, and the copier update that takes them.
"""

from __future__ import annotations

import json
import shlex
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .checks import checked
from .mix_systemd_import import configured_options
from .options import OPTIONS
from .units import view

CONFIG_DIR = "config"


def _git(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", "-C", str(project), *args], capture_output=True, text=True, check=False)


def changed_since_answers(project: Path, answers_file: str) -> bool:
    """config/ changed in a commit after the last one that recorded the answers."""
    recorded = _git(project, "log", "-1", "--format=%H", "--", answers_file).stdout.strip()
    return bool(recorded) and _git(project, "diff", "--quiet", recorded, "HEAD", "--", CONFIG_DIR).returncode == 1


def mentions_mix_systemd(project: Path) -> bool:
    """Whether a config file names :mix_systemd at all: else there is nothing to read (and no Elixir to run)."""
    config = project / CONFIG_DIR
    return config.is_dir() and any(":mix_systemd" in path.read_text(errors="replace") for path in config.rglob("*.exs"))


def _plain(value: Any) -> Any:
    """A view's value with its numbers as text: an answer given as 65535 keeps the text, the default the number."""
    if isinstance(value, Mapping):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    return str(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else value


def _view(answers: Mapping[str, Any]) -> Any:
    resolved, _problems = checked(answers)
    return _plain(view(resolved)) if resolved is not None else None


def drifted(configured: Mapping[str, Any], answers: Mapping[str, Any]) -> dict[str, Any]:
    """Each option the config sets that would give the units another value than the answers do
    (or that the answers refuse: taking it says why)."""
    now = _view(answers)
    if now is None:
        return {}
    return {name: value for name, value in configured.items() if name in OPTIONS and _view({**answers, name: value}) != now}


def as_data(value: Any) -> str:
    """A value as `--data NAME=...` gives it: text as it is, anything else as YAML (JSON)."""
    if value is None:
        return ""
    return value if isinstance(value, str) else json.dumps(value)


def drift_lines(drift: Mapping[str, Any], answers: Mapping[str, Any], answers_file: str) -> list[str]:
    if not drift:
        return []
    data = " ".join(f"--data {shlex.quote(f'{name}={as_data(value)}')}" for name, value in drift.items())
    return [
        "config :mix_systemd changed since your answers were recorded. copier update reads only the answers,",
        "so these settings reach mix systemd.generate (the EEx templates) but not the units copier renders:",
        *(
            f"  {name}: {as_data(value) or 'nil'} in config :mix_systemd, {as_data(answers.get(name)) or 'empty'} in your answers"
            for name, value in drift.items()
        ),
        "To take them into the units, commit, then:",
        f"  copier update --trust --defaults -a {shlex.quote(answers_file)} {data}",
    ]


def config_drift(project: Path, answers_file: str, mix_env: str, answers: Mapping[str, Any]) -> list[str]:
    """The update message's lines about config :mix_systemd settings the answers do not follow; [] if none."""
    if not (mentions_mix_systemd(project) and changed_since_answers(project, answers_file)):
        return []
    return drift_lines(drifted(configured_options(project, mix_env), answers), answers, answers_file)
