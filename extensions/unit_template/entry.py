"""The package's one entry: everything the Jinja extension (extensions/systemd_unit.py) calls.

The extension loads this package under a name unique to its path, so two
template versions in one copier process (an update renders both) never share
a module, an exception class or a cache.

The answers flow one way: resolved (resolve.py), checked as a whole (checks.py),
then viewed (units.py). ``checked_view`` is that flow for a caller that needs
the view or the problems: problems are data (problems.Problem), never raised.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from .bindings import eex_constants, elixir_term, export_bindings
from .carry_edits import carry_plan, committed_answers, not_carried, user_answers, with_current_names
from .checks import checked
from .config_drift import config_drift
from .earlier import RECORD as EARLIER_ANSWERS
from .earlier import earlier_answers, switched_from
from .install import install_plan, script_view
from .manifest import files, template_name, written
from .messages import after_copy, after_update
from .mix_project import app_name_in
from .mix_systemd_import import MISSING, Imported, at_question, blocking, default_text, import_project, imported_answer, report
from .normalise import NotAsMeant, as_text, normalise, yaml_list
from .option import is_unset
from .options import OPTIONS
from .packaging import package_view
from .preflight import Target, excluded_errors, preflight_errors
from .problems import Problem
from .prompt_checks import recorded_refused_message, refusal, refused_answers, refused_defaults, refused_message
from .questions import (
    SETTINGS,
    always_asked,
    ask_condition,
    asked_on_problem,
    default_expression,
    question_default,
    question_order,
    question_type,
    unknown_data,
    wrap_help,
)
from .resolve import defaults_or_none
from .template_shapes import LITERALS, shape
from .units import view
from .validate import check

__all__ = [
    "EARLIER_ANSWERS",
    "LITERALS",
    "MISSING",
    "OPTIONS",
    "SETTINGS",
    "Imported",
    "NotAsMeant",
    "Target",
    "after_copy",
    "after_update",
    "always_asked",
    "app_name_in",
    "as_text",
    "ask_condition",
    "asked_on_problem",
    "at_question",
    "blocking",
    "carry_plan",
    "check",
    "checked_view",
    "committed_answers",
    "config_drift",
    "default_expression",
    "default_text",
    "defaults_or_none",
    "earlier_record",
    "eex_constants",
    "elixir_term",
    "excluded_errors",
    "export_bindings",
    "files",
    "import_project",
    "imported_answer",
    "install_plan",
    "is_unset",
    "normalise",
    "not_carried",
    "package_view",
    "preflight_errors",
    "previous_view",
    "question_default",
    "question_order",
    "question_type",
    "recorded_refused_message",
    "refusal",
    "refused_answers",
    "refused_defaults",
    "refused_message",
    "report",
    "script_view",
    "shape",
    "switched_from_view",
    "template_name",
    "unknown_data",
    "user_answers",
    "with_current_names",
    "wrap_help",
    "written",
    "yaml_list",
]


def checked_view(answers: Mapping[str, Any]) -> tuple[dict[str, Any] | None, list[Problem]]:
    """The view every template reads (units.view), or None and every problem with the answers (checks.py)."""
    resolved, problems = checked(answers)
    return (view(resolved), []) if resolved is not None else (None, problems)


def previous_view(previous: Mapping[str, Any]) -> dict[str, Any] | None:
    """The view of the answers last committed in the project (carry_edits.committed_answers), if they still pass the checks."""
    if not previous:
        return None
    return checked_view(with_current_names(user_answers(previous)))[0]


ViewOf = Callable[[Mapping[str, Any]], "dict[str, Any] | None"]


def earlier_record(committed: Mapping[str, Any], answers: Mapping[str, Any], view_of: ViewOf = previous_view) -> dict[str, Any]:
    """What the answers file records as earlier_answers (earlier.py), from the answers file as committed.
    view_of: previous_view, or a caller's memo of it (switched_from_view needs the same view)."""
    return earlier_answers(committed, answers, lambda answers: view_of(answers) is not None)


def switched_from_view(
    answers: Mapping[str, Any], record: Mapping[str, Any], view_of: ViewOf = previous_view
) -> dict[str, Any] | None:
    """The view the install script's switch steps start from; None without a record (nothing to switch)."""
    return view_of(switched_from(answers, record)) if record else None
