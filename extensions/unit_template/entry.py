"""The package's one entry: everything the Jinja extension (extensions/systemd_unit.py) calls.

The extension loads this package under a name unique to its path, so two
template versions in one copier process (an update renders both) never share
a module, an exception class or a cache.
"""

from __future__ import annotations

from .bindings import eex_constants, elixir_term, export_bindings
from .carry_edits import carry_plan, committed_answers
from .install import install_plan, script_view
from .manifest import files, template_name, written
from .messages import after_copy, after_update, previous_view
from .mix_project import app_name_in
from .mix_systemd_import import Imported, at_question, blocking, default_text, import_project, report
from .normalise import NotAsMeant, normalise
from .option import is_unset
from .options import OPTIONS
from .packaging import package_view
from .preflight import Target, preflight_errors
from .problems import OptionError
from .prompt_checks import refusal, refused_defaults, refused_message
from .questions import SETTINGS, ask_condition, asked_on_problem, question_order, question_type, wrap_help
from .resolve import resolve_defaults
from .units import unit_view
from .validate import check, check_all

__all__ = [
    "OPTIONS",
    "SETTINGS",
    "Imported",
    "NotAsMeant",
    "OptionError",
    "Target",
    "after_copy",
    "after_update",
    "app_name_in",
    "ask_condition",
    "asked_on_problem",
    "at_question",
    "blocking",
    "carry_plan",
    "check",
    "check_all",
    "committed_answers",
    "default_text",
    "eex_constants",
    "elixir_term",
    "export_bindings",
    "files",
    "import_project",
    "install_plan",
    "is_unset",
    "normalise",
    "package_view",
    "preflight_errors",
    "previous_view",
    "question_order",
    "question_type",
    "refusal",
    "refused_defaults",
    "refused_message",
    "report",
    "resolve_defaults",
    "script_view",
    "template_name",
    "unit_view",
    "wrap_help",
    "written",
]
