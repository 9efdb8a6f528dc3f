"""Write copier.yml from the options table, so each option is defined once.

Run ``python extensions/unit_template/questions.py > copier.yml`` after
changing options.py; a test checks that copier.yml is current.
"""

from __future__ import annotations

import re
import sys
import textwrap
from collections.abc import Collection
from pathlib import Path
from typing import Any

import yaml

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from unit_template.earlier import RECORD as EARLIER_ANSWERS
    from unit_template.kinds import KINDS
    from unit_template.messages import DOCS_URL
    from unit_template.options import DIR_NAMES, OPTIONS, RENAMED, Option, likely_meant
else:
    from .earlier import RECORD as EARLIER_ANSWERS
    from .kinds import KINDS
    from .messages import DOCS_URL
    from .options import DIR_NAMES, OPTIONS, RENAMED, Option, likely_meant

SETTINGS: dict[str, Any] = {
    "_min_copier_version": "9.19.0",
    "_subdirectory": "template",
    "_answers_file": ".copier-answers.systemd.yml",
    "_templates_suffix": ".jinja",
    "_envops": {"trim_blocks": True, "lstrip_blocks": True, "keep_trailing_newline": True},
    "_jinja_extensions": [
        "copier_template_extensions.TemplateExtensionLoader",
        "extensions/systemd_unit.py:SystemdUnitExtension",
    ],
    "_skip_if_exists": [],
    "_message_after_copy": "{{ lifecycle_message('copy') }}",
    "_message_after_update": "{{ lifecycle_message('update') }}",
    # An update's answer that renames a file (service_name, ext_name...): the edits of the old file go
    # into the new one. A recopy or a copy over an earlier one renders afresh, merging nothing.
    "_tasks": [
        {
            "command": ["{{ _copier_python }}", "{{ _copier_conf.src_path }}/tasks/carry_edits.py", "{{ carry_plan() }}"],
            "when": "{{ _copier_operation == 'update' and carry_plan() != '' }}",
        }
    ],
}

ADVANCED = {
    "type": "bool",
    "default": False,
    "help": (
        "advanced: ask about identity, paths, start and stop, sandboxing and the files written (at most 25 more)? "
        "Every option can also be given with --data or --data-file (docs/options.md)"
    ),
}

# The advanced path: asked after `advanced`, group by group, each question only
# where its answer is not already decided (an option's `ask` narrows it, e.g.
# a directory's name only for a directory picked in `dirs`). Every option not
# asked here is still an answer: --data NAME=VALUE or --data-file.
ADVANCED_GROUPS: dict[str, tuple[str, ...]] = {
    "identity": ("release_name", "service_name", "app_user", "deploy_user"),
    "paths": ("deploy_dir", *(f"{name}_directory" for name in DIR_NAMES)),
    "start and stop": (
        "pid_file",
        "restart",
        "restart_sec",
        "timeout_start_sec",
        "watchdog_sec",
        "exec_start_pre",
        "limit_nofile",
        "listen_sockets",
    ),
    "sandboxing": ("allow_privileged_ports", "read_write_paths", "hardening_disable"),
    "files written": ("output_dir", "eex_templates", "system_files"),
}
GROUP_OF = {name: group for group, names in ADVANCED_GROUPS.items() for name in names}

# How to type an answer of each kind that is not a plain word or a choice (kinds.KINDS).
SYNTAX = {name: kind.syntax for name, kind in KINDS.items() if kind.syntax}
REFERENCE_NOTE = '":name" is the value of option name'


def question_type(option: Option) -> str:
    """How copier reads a typed answer: bool, yaml or str (text, kept exactly as typed).

    A list option is yaml, also one whose items are choices (config_strategies): the
    text typed at the prompt or given with --data is read as YAML once (`[a, b]`;
    `a, b` stays text, which normalise.py splits), and validate.py checks each item.
    (copier's multiselect would stop with a traceback on `--data 'name=a, b'`.)
    A single choice is str: copier matches the typed text against its choices.
    """
    if KINDS[option.kind].reads == "bool":
        return "bool"
    return "yaml" if KINDS[option.kind].is_list else "str"


def is_single_choice(option: Option) -> bool:
    """A question copier asks as a select list (a list option with choices is typed instead)."""
    return bool(option.choices) and not KINDS[option.kind].is_list


def copier_type(name: str, option: Option) -> str:
    """copier.yml's `type:`. A str question is "str" for typed text, so it is never parsed
    as YAML; a YAML file's null, boolean, number or list for it is taken as YAML gave it
    (``answer_type`` in systemd_unit.py), for normalise.py to read back or refuse. A list
    question is "yaml" and a bool one "bool", except for --data text that is not YAML, or
    not a boolean word: copier would stop with a traceback, or take `maybe` as true, so it
    stays text for the check to refuse."""
    base = question_type(option)
    if base in ("yaml", "bool"):
        return f"{{{{ answer_type({name!r}, {base!r}) }}}}"
    return f"{{{{ answer_type({name!r}) }}}}" if base == "str" else base


def question_default(option: Option) -> Any:
    """The default copier.yml prefills: empty where the option's default is derived
    (None for YAML questions: copier shows it as an empty line, "" would show as '')."""
    if option.question_default is not None:
        return option.question_default
    if callable(option.default) or option.default is None or KINDS[option.kind].starts_empty:
        return "" if question_type(option) == "str" else None
    return option.default


def default_expression(option: Option) -> str | None:
    """The Jinja expression an option's prefilled default is computed with (`mix_app_name()`), or
    None for a plain value (question_default)."""
    default = question_default(option)
    if isinstance(default, str) and default.startswith("{{") and default.endswith("}}"):
        return default[2:-2].strip()
    return None


# copier's prompt cuts a line at the terminal's edge: the help is wrapped to fit 80
# columns, the first line after the prompt's microphone (2 columns) and a space,
# leaving the last column free.
COLUMNS = 79
MARK_WIDTH = 3
INDENT = "  "
JINJA = re.compile(r"\{\{.*?\}\}")
# Room kept for what a {{ ... }} in a help prints: a default such as /srv/foo-bar/releases.
EXPANSION_WIDTH = 24


def wrap_paragraph(text: str, first: bool) -> list[str]:
    """One paragraph of help wrapped to COLUMNS, continuation lines indented; a {{ ... }} is
    never split and counts as EXPANSION_WIDTH columns."""
    expansions = JINJA.findall(text)
    tokens = [f"\x00{index}".ljust(EXPANSION_WIDTH, "\x01") for index in range(len(expansions))]
    for expansion, token in zip(expansions, tokens, strict=True):
        text = text.replace(expansion, token, 1)
    indent = INDENT if text.startswith(INDENT) else ""
    lines = textwrap.wrap(
        text.strip(),
        width=COLUMNS,
        initial_indent=" " * MARK_WIDTH + indent if first else indent,
        subsequent_indent=INDENT + indent,
        break_long_words=False,
        break_on_hyphens=False,
    )
    if first:
        lines[0] = lines[0][MARK_WIDTH:]
    wrapped = "\n".join(lines)
    for expansion, token in zip(expansions, tokens, strict=True):
        wrapped = wrapped.replace(token, expansion)
    return wrapped.splitlines()


def wrap_help(text: str) -> str:
    """A help text whose every line fits an 80-column terminal (one that starts with a
    newline is more lines for a help: it keeps that newline)."""
    paragraphs = text.split("\n")
    return "\n".join(
        line
        for index, paragraph in enumerate(paragraphs)
        for line in (wrap_paragraph(paragraph, first=index == 0) if paragraph.strip() else [""] * (index == 0))
    )


def help_text(name: str, option: Option) -> str:
    """What the prompt shows: the option's name (its --data key), its meaning, how to type it, the default."""
    group = f"[{GROUP_OF[name]}] " if name in GROUP_OF else ""
    lines = [f"{group}{name}: {option.help}"]
    if option.kind in SYNTAX and not is_single_choice(option):
        note = f"; {REFERENCE_NOTE}" if ":" in SYNTAX[option.kind] else ""
        lines.append(f"  {SYNTAX[option.kind]}{note}")
    if option.question_default is None and "(empty:" not in option.help:
        if callable(option.default):
            lines[-1] += f" (empty: {{{{ default_of('{name}') }}}})"
        elif KINDS[option.kind].starts_empty and option.default is not None:
            lines[-1] += f" (empty: {option.default})"
    # What the mix_systemd import could not take for this option (see mix_systemd_import.py):
    # empty, or lines of its own.
    refused = f"{{{{ refused_choices('{name}') }}}}" if is_single_choice(option) else ""
    return wrap_help("\n".join(lines)) + f"{{{{ import_problem('{name}') }}}}" + refused


def asked_on_problem(option: Option) -> bool:
    """Whether the question is asked on every path when import_problem() has something to say:
    every question that is not always asked."""
    return bool(option.ask) or not option.basic


def ask_condition(name: str, option: Option) -> str | None:
    """copier's `ask:` for an option: None (always asked) or a Jinja condition.

    A question not always asked is also asked when the import could not take the
    project's value for it, or its computed default is refused, whatever its own
    condition: else that value would be dropped with no prompt to give it.
    """
    problem = f"asked_for_problem('{name}')"
    if option.ask:
        condition = option.ask.removeprefix("{{").removesuffix("}}").strip()
        return f"{{{{ ({condition}) or {problem} }}}}"
    if option.basic:
        return None
    return f"{{{{ advanced or {problem} }}}}" if name in GROUP_OF else f"{{{{ {problem} }}}}"


def question(name: str, option: Option) -> dict[str, Any]:
    entry: dict[str, Any] = {"type": copier_type(name, option), "help": help_text(name, option)}
    if is_single_choice(option):
        # Rendered by the extension: copier would refuse a bad --data choice
        # with a traceback; the last question refuses it cleanly instead.
        entry["choices"] = f"{{{{ choices_for('{name}') }}}}"
    # The default and the ask condition are the table's (options.py): the extension computes them.
    entry["default"] = f"{{{{ imported('{name}') }}}}"
    # Only a prompt needs it: every answer is checked together by the last question.
    entry["validator"] = f"{{{{ check_option('{name}') }}}}"
    if ask_condition(name, option) is not None:
        entry["ask"] = f"{{{{ asked('{name}') }}}}"
    return entry


def migrations(renamed: dict[str, str]) -> dict[str, Any]:
    """Rename old answers before each update (idempotent, so no version gate)."""
    if not renamed:
        return {}
    command = [
        "{{ _copier_python }}",
        "{{ _copier_conf.src_path }}/extensions/unit_template/answers_migration.py",
        "{{ _copier_conf.answers_file }}",
        *(f"{old}={new}" for old, new in sorted(renamed.items())),
    ]
    return {"_migrations": [{"command": command, "when": "{{ _stage == 'before' }}"}]}


def question_order() -> list[str]:
    """The options in the order they are asked: the plain questions, then the advanced
    path group by group, then conditional questions of other modules, then the rest."""
    basic = [name for name, opt in OPTIONS.items() if opt.basic]
    grouped = [name for names in ADVANCED_GROUPS.values() for name in names]
    conditional = [name for name, opt in OPTIONS.items() if opt.ask and not opt.basic and name not in GROUP_OF]
    rest = [name for name in OPTIONS if name not in {*basic, *grouped, *conditional}]
    return [*basic, "advanced", *grouped, *conditional, *rest]


def always_asked() -> list[str]:
    """The questions on every path: copier records an answer to each."""
    return [*(name for name, opt in OPTIONS.items() if opt.basic and opt.ask is None), "advanced"]


def unknown_data(given: Collection[str]) -> list[str]:
    """A problem for each name --data or --data-file gives that no question of copier.yml asks
    (copier would leave it out without a word): "name: why", with the option it was likely meant for.
    copier's own names (`_commit`...) are not answers."""
    asked = question_order()
    problems = []
    for name in sorted(name for name in given if name not in asked and not name.startswith("_")):
        meant = RENAMED.get(name) or likely_meant(name, asked)
        hint = f" (renamed {meant})" if name in RENAMED else f" (a typo of {meant}?)" if meant else ""
        problems.append(f"{name}: not an option of this template{hint}; every option: {DOCS_URL}/options.md")
    return problems


def questionnaire() -> dict[str, Any]:
    advanced = {**ADVANCED, "help": wrap_help(ADVANCED["help"])}
    questions = {name: advanced if name == "advanced" else question(name, OPTIONS[name]) for name in question_order()}
    return {
        **SETTINGS,
        **migrations(RENAMED),
        **questions,
        # The answers this project had before the updates that changed them (earlier.py), for the install script.
        EARLIER_ANSWERS: {"type": "json", "when": False, "ask": False, "default": "{{ record_earlier_answers() }}"},
        # Last: checks every answer together, before any file is written.
        "answers_are_valid": {"type": "str", "when": False, "ask": False, "default": "{{ validate_all() }}"},
        # The path of each file the answers write ("" for one they leave out): template/'s file names read it.
        "files": {"type": "json", "when": False, "ask": False, "default": "{{ manifest() }}"},
    }


HEADER = "# Generated from extensions/unit_template/options.py by questions.py: edit those, not this file.\n"


class _Dumper(yaml.SafeDumper):
    """Help of several lines as a literal block; Jinja with 'literals' in double quotes."""


def _text(dumper: yaml.SafeDumper, text: str) -> yaml.ScalarNode:
    if "\n" in text:
        style = "|"
    elif "'" in text and '"' not in text and "\\" not in text:
        style = '"'
    else:
        style = None
    return dumper.represent_scalar("tag:yaml.org,2002:str", text, style=style)


_Dumper.add_representer(str, _text)


def render() -> str:
    # One line a value: copier's pure-Python YAML loader reads this faster than folded lines.
    return HEADER + yaml.dump(questionnaire(), Dumper=_Dumper, sort_keys=False, width=10_000, allow_unicode=True)


if __name__ == "__main__":
    sys.stdout.write(render())
