"""An existing mix_systemd setup as default answers: `config :mix_systemd, ...` and rel/templates/systemd.

Readable values become answers: atoms become plain strings, except inside
options whose `:name` references expand, where an atom stays a reference
(":runtime_dir"); tuples of parts there become lists of parts. Values that
cannot be read, are not options here or fail validation are reported by
name and left to the prompt.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .elixir_terms import Atom, ConfigRead, read_config
from .options import DEFAULT_EXPAND_KEYS, OPTIONS
from .validate import check

CONFIG_FILES = ("config/config.exs", "config/prod.exs")
EEX_TEMPLATES = ("systemd.service.eex", "restart.service.eex", "restart.path.eex", "runtime-environment.service.eex")
NOT_SUPPORTED = {
    "runtime_environment_service": "undocumented upstream switch: runtime_environment_service_script alone enables the unit",
}


class Unconvertible(ValueError):
    pass


@dataclass
class Imported:
    answers: dict[str, Any] = field(default_factory=dict)
    problems: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def read_project(project: Path) -> ConfigRead:
    """config/config.exs, then config/prod.exs over it."""
    result = ConfigRead()
    for name in CONFIG_FILES:
        path = project / name
        if path.is_file():
            result = result.merged(read_config(path.read_text(encoding="utf-8", errors="replace")))
    return result


def as_answer(term: Any, expandable: bool) -> Any:
    """A term as this template's answer."""
    if isinstance(term, Atom):
        return f":{term.name}" if expandable else term.name
    if isinstance(term, tuple):
        if not expandable or any(isinstance(item, (list, tuple)) for item in term):
            raise Unconvertible("a tuple")
        return [as_answer(item, expandable) for item in term]
    if isinstance(term, list):
        return [as_answer(item, expandable) for item in term]
    if isinstance(term, float):
        raise Unconvertible("a float")
    return term


def expandable_names(values: Mapping[str, Any]) -> set[str]:
    def names(key: str, default: tuple[str, ...]) -> set[str]:
        value = values.get(key, list(default))
        return {str(item) for item in value} if isinstance(value, list) else set()

    return names("expand_keys", DEFAULT_EXPAND_KEYS) | names("expand_keys_extra", ())


def convert(read: ConfigRead) -> Imported:
    result = Imported(problems=dict(read.unreadable))
    expandable = expandable_names(read.values)
    for name, term in read.values.items():
        if name in NOT_SUPPORTED:
            result.notes.append(f"{name}: not needed here ({NOT_SUPPORTED[name]})")
            continue
        if name not in OPTIONS:
            result.problems[name] = "not an option of this template"
            continue
        try:
            answer = as_answer(term, name in expandable)
        except Unconvertible as error:
            result.problems[name] = f"{error} is not a value this option takes"
            continue
        if name == "restart_method" and answer == "touch":
            result.problems[name] = "touch generated nothing upstream: choose systemd_flag (a path unit) or systemctl"
            continue
        error = check(name, answer)
        if error:
            result.problems[name] = error
            continue
        result.answers[name] = answer
    if result.answers.get("paranoia") is True and "hardening" not in result.answers:
        result.answers["hardening"] = "paranoia"
    return result


def customised_templates(project: Path, template_dir: str) -> list[str]:
    return [f"{template_dir}/{name}" for name in EEX_TEMPLATES if (project / template_dir / name).is_file()]


def import_project(project: Path) -> Imported:
    """Default answers from a mix_systemd project; problems and notes to tell the user."""
    read = read_project(project)
    result = convert(read)
    if read.values or read.unreadable:  # mix_systemd left distribution to the release: keep that
        result.answers.setdefault("distribution", "release")
    template_dir = str(result.answers.get("template_dir") or OPTIONS["template_dir"].default)
    existing = customised_templates(project, template_dir)
    if existing:
        result.answers["eex_templates"] = False
        result.notes.append(
            f"kept your EEx templates ({', '.join(existing)}): eex_templates defaults to false; "
            "port their changes to the rendered units"
        )
    return result


def default_text(value: Any, question_type: str) -> str:
    """A default as copier.yml's rendered text for the question's type."""
    if question_type == "str":
        return "" if value is None else str(value)
    if question_type == "bool":
        return "true" if value else "false"
    return json.dumps(value)


def report(imported: Imported) -> str:
    """What the import could not take, for the user to answer at the prompt."""
    lines = [f"  {name}: {why}" for name, why in sorted(imported.problems.items())]
    lines += [f"  {note}" for note in imported.notes]
    if not lines:
        return ""
    return "From your mix_systemd config (answer these at the prompt):\n" + "\n".join(lines)
