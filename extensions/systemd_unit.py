"""The Jinja extension copier loads: it exposes the unit_template package to templates."""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from jinja2 import Environment, pass_context
from jinja2.ext import Extension
from jinja2.runtime import Context

sys.path.insert(0, str(Path(__file__).parent))

from copier.errors import UserMessageError

from unit_template.bindings import export_bindings
from unit_template.mix_project import app_name_in
from unit_template.options import OPTIONS
from unit_template.resolve import OptionError, resolve_defaults
from unit_template.units import unit_view
from unit_template.validate import check, check_all


def _answers(context: Context) -> dict[str, Any]:
    return {name: context.get(name) for name in OPTIONS}


@pass_context
def mix_app_name(context: Context) -> str:
    conf = context.get("_copier_conf")
    dst = conf["dst_path"] if isinstance(conf, Mapping) else None
    return app_name_in(Path(str(dst))) if dst else ""


@pass_context
def unit(context: Context) -> dict[str, Any]:
    """The computed view of every unit; bad input stops copier with the option named."""
    answers = _answers(context)
    errors = check_all(answers)
    if errors:
        raise UserMessageError("Invalid answers:\n  " + "\n  ".join(errors))
    try:
        return unit_view(answers)
    except OptionError as error:
        raise UserMessageError(f"Invalid answers:\n  {error}") from error


@pass_context
def validate_all(context: Context) -> str:
    """Used by the last, hidden question: refuse before any file is written."""
    unit(context)
    return "ok"


@pass_context
def default_of(context: Context, name: str) -> str:
    """An option's default for the answers given so far, for help texts."""
    answers = {key: value for key, value in _answers(context).items() if key != name}
    try:
        return str(resolve_defaults(answers)[name])
    except (OptionError, KeyError, TypeError, AttributeError):
        return "derived from the other answers"


@pass_context
def check_option(context: Context, name: str, value: Any) -> str:
    """copier's validator for one question, at the prompt.

    Answers that arrive without a prompt (--data, --defaults, an update) are
    checked all together by the last question instead: copier reports a
    validator's refusal there as a traceback, but a UserMessageError cleanly.
    """
    conf = context.get("_copier_conf")
    if isinstance(conf, Mapping) and (conf["defaults"] or name in (conf["data"] or {})):
        return ""
    return check(name, value)


@pass_context
def choices_for(context: Context, name: str) -> str:
    """A question's choices as YAML, plus a value given with --data that is not one of them.

    copier checks --data choices before any validator and stops with a
    traceback; let the value through so that the last question refuses it
    with a message naming the option and its choices.
    """
    choices: list[Any] = list(OPTIONS[name].choices)
    conf = context.get("_copier_conf")
    data = (conf["data"] or {}) if isinstance(conf, Mapping) else {}
    if name in data and data[name] not in choices:
        choices.append(data[name])
    return json.dumps(choices)


@pass_context
def bindings_json(context: Context) -> str:
    return json.dumps(export_bindings(unit(context)), indent=2, sort_keys=True)


class SystemdUnitExtension(Extension):
    def __init__(self, environment: Environment) -> None:
        super().__init__(environment)
        environment.globals.update(
            mix_app_name=mix_app_name,
            unit=unit,
            validate_all=validate_all,
            bindings_json=bindings_json,
            check_option=check_option,
            choices_for=choices_for,
            default_of=default_of,
        )
