"""Checks at the prompt, and what the final check says when it still refuses.

At a question, the answer is checked on its own (validate.check) and then
with the answers so far and the defaults of the rest, as the whole set is
(checks.problems: references, paths after expansion, version gates,
strategies, every problem as data). A whole-set error is refused at this question unless a question
the user is still going to be asked can settle it (the problem is about that
option, or its message names it), or it does not come from this answer (the same error without it, and
it names another option). So an error is refused as soon as every answer it
depends on is in. "Going to be asked": the question's condition holds for the
answers so far, `advanced` counting as no until it is answered; and a question
whose computed default is refused (``refused_defaults``), or whose recorded answer
the answers so far refuse (an update's, ``refused_answers``), is asked on every path.

A computed default this answer makes wrong (ext_name `my.app` gives app_user
`my.app`) is refused here, naming both (``from_this_answer``), even when the
derived option's question comes later: that prompt would offer the wrong value.
Only app_name is not refused for what is computed from it (it must be the app of
mix.exs): the derived option's question is asked instead, showing why.

When the final check refuses anyway (answers given with --data, or an error
only the whole set shows), the answers given are written as a ready
--data-file beside the project, so nothing typed is lost.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Mapping
from pathlib import Path
from typing import Any

import yaml

from . import checks
from .kinds import _shown as shown
from .option import is_unset
from .options import OPTIONS
from .problems import OptionError, Problem
from .resolve import defaults_or_none, resolve_sources
from .validate import answer_problem, default_problem, default_reason


def mentions(problem: Problem, names: Collection[str]) -> bool:
    """Whether a problem's message names one of these options: as `name`, or as a plain word that is
    not one of the values of the option it is about (config_strategies' `credentials`
    is a strategy; a `:name` reference is a value too)."""
    about, text = problem.option, problem.message
    if about in names:
        return True  # the problem is about that option: its question can settle it
    values = set(OPTIONS[about].choices) if about in OPTIONS else set()
    for name in names:
        if f"`{name}`" in text:
            return True
        if name not in values and re.search(rf"(?<![\w:`]){re.escape(name)}(?![\w`])", text):
            return True
    return False


def refused_defaults(answers: Mapping[str, Any]) -> dict[str, Problem]:
    """Each option left unanswered whose computed default is wrong, with why and the answers
    it is computed from (validate.default_problem)."""
    try:
        values, sources = resolve_sources(answers)
    except (OptionError, KeyError, TypeError, AttributeError, ValueError):
        return {}
    refused = {}
    for name, option in OPTIONS.items():
        answer = answers.get(name)
        if callable(option.default) and is_unset(answer) and not (answer == "" and option.empty_is_value):
            problem = default_problem(name, values[name], [(s, values[s]) for s in sources.get(name, [])])
            if problem:
                refused[name] = problem
    return refused


def refused_answers(answers: Mapping[str, Any], names: Collection[str]) -> dict[str, Problem]:
    """Each of these options (an update's recorded answers) that is set and that the whole set of
    answers refuses, with the first problem about it."""
    refused: dict[str, Problem] = {}
    for problem in checks.problems(answers):
        if problem.option in names and not is_unset(answers.get(problem.option)):
            refused.setdefault(problem.option, problem)
    return refused


def from_this_answer(name: str, value: Any, problem: Problem, answers: Mapping[str, Any]) -> Problem | None:
    """A refused computed default of another option that this answer makes, told at this answer, or None."""
    about = problem.option
    if about == name or about not in OPTIONS:
        return None
    values = defaults_or_none({**answers, name: value})
    if values is None or refused_defaults({**answers, name: value}).get(about) != problem:
        return None
    if refused_defaults({**answers, name: None}).get(about) == problem:
        return None  # the same wrong default without this answer: not its doing
    return Problem(
        name,
        f"{shown(value)} gives {about} {shown(values[about])}, but {about} {default_reason(about, values[about])}: "
        f"change {name}, or give {about} its own value (--data {about}=...)",
        (name,),
    )


def refusal(name: str, value: Any, answers: Mapping[str, Any], still_asked: Callable[[], Collection[str]]) -> str:
    """Why the answer `value` to question `name` is refused now, or "".

    ``answers`` are the answers so far (the rest are missing: their defaults
    apply); ``still_asked()`` the questions that will be asked after this one,
    computed only when the answers have a problem (most have none: it costs
    rendering every later question's condition).
    An error is refused here when no question still to come can settle it and
    it comes from this answer (it is not there without it, or it names this option).
    A computed default this answer makes wrong is refused here, naming both,
    unless this is app_name (see the module's docstring).
    """
    own = answer_problem(name, value)
    if own or (name != "app_name" and is_unset(answers.get("app_name"))):
        return str(own) if own else ""
    with_value = checks.problems({**answers, name: value})
    if not with_value:
        return ""
    without = checks.problems({**answers, name: None})
    later = still_asked()
    for problem in with_value:
        # Without app_name nothing resolves, so every problem would look like its doing.
        caused = name != "app_name" and problem not in without
        derived = from_this_answer(name, value, problem, answers) if name != "app_name" else None
        if derived:
            return str(derived)
        if mentions(problem, later):
            continue
        if caused or mentions(problem, {name}):
            return str(problem)
    return ""


def _same(value: Any, other: Any) -> bool:
    """The same answer: equal, both empty, or the same number typed as text (`5` for 5)."""
    if value == other or (is_unset(value) and is_unset(other)):
        return True
    return isinstance(other, int) and not isinstance(other, bool) and isinstance(value, str) and value.strip() == str(other)


def given_answers(
    answers: Mapping[str, Any], fallback: Mapping[str, Any] | None = None, defaults: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """The answers worth keeping: all but a question's own default (`defaults`, else the option's)
    where the same command, run again without it, takes that default too (it takes `fallback`:
    the recorded answer, the user's copier defaults, the import). A name no question asks (a typo
    given with --data) is kept as given, for the user to correct there."""
    fallback, defaults = fallback or {}, defaults or {}

    def kept(name: str, value: Any) -> bool:
        if name not in OPTIONS:
            return True
        default = defaults.get(name, OPTIONS[name].default)
        return not (_same(value, default) and _same(value, fallback.get(name, default)))

    return {name: value for name, value in answers.items() if kept(name, value)}


def data_file_path(project: Path) -> Path:
    """Beside the project (nothing goes into it before the answers are right): <parent>/<project>.systemd-answers.yml."""
    project = project.resolve()
    return project.parent / f"{project.name}.systemd-answers.yml"


def data_file_text(kept: Mapping[str, Any]) -> str:
    header = "# Answers of a refused copier copy or update: fix the option named, then run it again with --data-file\n"
    return header + yaml.safe_dump(dict(kept), sort_keys=False, allow_unicode=True, width=1000)


def recorded_refused_message(errors: list[str], answers_file: str, version: str) -> str:
    """copier update renders the recorded answers with the version that recorded them first: when
    that version refuses them (the file was edited by hand), no answer given now can help."""
    return "\n".join(
        [
            f"The answers recorded in {answers_file} are refused by the template version that recorded them"
            f" ({version}), so copier update cannot render that version to compare with:",
            *(f"  {error}" for error in errors),
            f"If {answers_file} was edited by hand, put it back as copier wrote it (git log -p -- {answers_file}),",
            "then change answers with copier update --data name=value. Nothing was written.",
        ]
    )


def refused_message(
    errors: list[str],
    answers: Mapping[str, Any],
    project: Path | None,
    title: str = "Invalid answers:",
    fallback: Mapping[str, Any] | None = None,
    defaults: Mapping[str, Any] | None = None,
    files: bool = False,
) -> str:
    """The final check's message: what is wrong, and the answers given as a ready --data-file
    (`fallback`, `defaults`: see given_answers). `files`: the problems are the project's files
    (the pre-flight), which an answer may or may not settle."""
    lines = [title, *(f"  {error}" for error in errors), "Nothing was written."]
    kept = given_answers(answers, fallback, defaults)
    if files and not kept:
        return "\n".join([*lines, "Fix what is named above, then run the same copier command again."])
    text = data_file_text(kept)
    if project is not None:
        path = data_file_path(project)
        try:
            path.write_text(text, encoding="utf-8")
        except OSError as error:
            lines.append(f"(Could not write your answers to {path}: {error.strerror}.)")
        else:
            fix = "Fix what is named above (in the project, or its answer there)" if files else "Fix the answer named above there"
            lines += [
                f"Your answers are kept in {path}. {fix}, then run",
                f"the same copier command again with --data-file {path} in place of any --data options.",
            ]
            return "\n".join(lines)
    lines += ["Your answers, ready for --data-file:", "", text]
    return "\n".join(lines)
