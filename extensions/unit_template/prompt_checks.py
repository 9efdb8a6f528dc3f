"""Checks at the prompt, and what the final check says when it still refuses.

At a question, the answer is checked on its own (validate.check) and then
with the answers so far and the defaults of the rest, as the whole set is
(units.unit_view: references, paths after expansion, version gates,
strategies). A whole-set error is refused at this question unless a question
still to come can settle it (the message names that option), or it does not
come from this answer (the same error without it, and it names another
option). So an error is refused as soon as every answer it depends on is in.

When the final check refuses anyway (answers given with --data, or an error
only the whole set shows), the answers given are written as a ready
--data-file beside the project, so nothing typed is lost.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from pathlib import Path
from typing import Any

import yaml

from .option import is_unset
from .options import OPTIONS
from .resolve import OptionError, resolve
from .strategies import strategy_errors
from .units import unit_view
from .validate import check, check_all


def whole_set_errors(answers: Mapping[str, Any]) -> list[str]:
    """What is wrong with a set of answers (missing ones at their defaults), each naming its option."""
    errors = check_all(answers)
    if errors:
        return errors
    try:
        strategies = strategy_errors(resolve(answers))
        if strategies:
            return [f"config_strategies: {error}" for error in strategies]
        unit_view(answers)
    except OptionError as error:
        return [str(error)]
    return []


def mentions(message: str, names: Collection[str]) -> bool:
    """Whether an error names one of these options: as `name`, or as a plain word that is not
    one of the values of the option the error is about (config_strategies' `credentials`
    is a strategy; a `:name` reference is a value too)."""
    about, _, text = message.partition(": ")
    values = set(OPTIONS[about].choices) if about in OPTIONS else set()
    for name in names:
        if f"`{name}`" in text:
            return True
        if name not in values and re.search(rf"(?<![\w:`]){re.escape(name)}(?![\w`])", text):
            return True
    return False


def refusal(name: str, value: Any, answers: Mapping[str, Any], still_asked: Collection[str]) -> str:
    """Why the answer `value` to question `name` is refused now, or "".

    ``answers`` are the answers so far (the rest are missing: their defaults
    apply); ``still_asked`` the questions that will be asked after this one.
    An error is refused here when no question still to come can settle it and
    it comes from this answer (it is not there without it, or it names this option).
    """
    error = check(name, value)
    if error or (name != "app_name" and is_unset(answers.get("app_name"))):
        return error
    with_value = whole_set_errors({**answers, name: value})
    if not with_value:
        return ""
    without = whole_set_errors({**answers, name: None})
    for error in with_value:
        if mentions(error, still_asked):
            continue
        if error not in without or mentions(error, {name}) or error.startswith(f"{name}: "):
            return error
    return ""


def given_answers(answers: Mapping[str, Any]) -> dict[str, Any]:
    """The answers worth keeping: set, and not the option's plain default."""
    return {
        name: value
        for name, value in answers.items()
        if name in OPTIONS and not is_unset(value) and value != OPTIONS[name].default
    }


def data_file_path(project: Path) -> Path:
    """Beside the project (nothing goes into it before the answers are right): <parent>/<project>.systemd-answers.yml."""
    project = project.resolve()
    return project.parent / f"{project.name}.systemd-answers.yml"


def data_file_text(answers: Mapping[str, Any]) -> str:
    header = "# Answers of a refused copier copy: fix the option named in the message, then pass this file with --data-file\n"
    return header + yaml.safe_dump(given_answers(answers), sort_keys=False, allow_unicode=True, width=1000)


def refused_message(errors: list[str], answers: Mapping[str, Any], project: Path | None) -> str:
    """The final check's message: what is wrong, and the answers given as a ready --data-file."""
    lines = ["Invalid answers:", *(f"  {error}" for error in errors), "Nothing was written."]
    text = data_file_text(answers)
    if project is not None:
        path = data_file_path(project)
        try:
            path.write_text(text, encoding="utf-8")
        except OSError as error:
            lines.append(f"(Could not write your answers to {path}: {error.strerror}.)")
        else:
            lines += [
                f"Your answers are kept in {path}. Fix the answer named above there, then run",
                f"copier copy again with --data-file {path} in place of any --data options.",
            ]
            return "\n".join(lines)
    lines += ["Your answers, ready for --data-file:", "", text]
    return "\n".join(lines)
