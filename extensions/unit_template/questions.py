"""Write copier.yml from the options table, so each option is defined once.

Run ``python extensions/unit_template/questions.py > copier.yml`` after
changing options.py; a test checks that copier.yml is current.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import yaml

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from unit_template.options import OPTIONS, RENAMED, Option
else:
    from .options import OPTIONS, RENAMED, Option

YAML_KINDS = {"version", "limit", "command", "commands", "paths", "env_vars", "unit_names", "dirs", "option_names",
              "directive_names", "credential_names", "listen_sockets"}

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
}

ADVANCED = {
    "type": "bool",
    "default": False,
    "help": "Show the advanced options (paths, users, limits, sandboxing details...)?",
}


def question_type(option: Option) -> str:
    if option.kind == "bool":
        return "bool"
    return "yaml" if option.kind in YAML_KINDS else "str"


def question_default(option: Option) -> Any:
    if option.question_default is not None:
        return option.question_default
    if callable(option.default) or (option.default is None and question_type(option) == "str"):
        return ""
    return option.default


def imported_default(name: str, option: Option) -> str:
    """The default, unless the project's `config :mix_systemd` sets this option (see mix_systemd_import.py)."""
    default = question_default(option)
    if isinstance(default, str) and default.startswith("{{") and default.endswith("}}"):
        fallback = default[2:-2].strip()
    else:
        fallback = repr(default)
    return f"{{{{ imported({name!r}, {fallback}) }}}}"


def help_text(name: str, option: Option) -> str:
    if callable(option.default) and option.question_default is None:
        return f"{option.help} (empty: {{{{ default_of('{name}') }}}})"
    return option.help


def question(name: str, option: Option) -> dict[str, Any]:
    entry: dict[str, Any] = {"type": question_type(option), "help": help_text(name, option)}
    if option.choices:
        # Rendered by the extension: copier would refuse a bad --data choice
        # with a traceback; the last question refuses it cleanly instead.
        entry["choices"] = f"{{{{ choices_for('{name}') }}}}"
        if isinstance(option.default, list):
            entry["multiselect"] = True
    entry["default"] = imported_default(name, option)
    entry["validator"] = f"{{{{ check_option('{name}', {name}) }}}}"
    if not option.basic:
        entry["ask"] = option.ask or "{{ advanced }}"
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


def questionnaire() -> dict[str, Any]:
    basic = {name: opt for name, opt in OPTIONS.items() if opt.basic}
    advanced = {name: opt for name, opt in OPTIONS.items() if not opt.basic}
    return {
        **SETTINGS,
        **migrations(RENAMED),
        **{name: question(name, opt) for name, opt in basic.items()},
        "advanced": ADVANCED,
        **{name: question(name, opt) for name, opt in advanced.items()},
        # Last: checks every answer together, before any file is written.
        "answers_are_valid": {"type": "str", "when": False, "ask": False, "default": "{{ validate_all() }}"},
        # Computed names for the rendered file paths.
        "unit_stem": {"type": "str", "when": False, "ask": False, "default": "{{ unit().service_name }}"},
    }


HEADER = "# Generated from extensions/unit_template/options.py by questions.py: edit those, not this file.\n"


def render() -> str:
    return HEADER + yaml.safe_dump(questionnaire(), sort_keys=False, width=120, allow_unicode=True)


if __name__ == "__main__":
    sys.stdout.write(render())
