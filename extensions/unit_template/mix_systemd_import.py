"""An existing mix_systemd setup as default answers: `config :mix_systemd, ...` and rel/templates/systemd.

Readable values become answers: atoms become plain strings, except inside
options whose `:name` references expand, where an atom stays a reference
(":runtime_dir"); tuples of parts there become lists of parts. Values that
cannot be read or fail validation are reported by name and left to the
prompt; a key that is not an option here is a typo of the option it is close
to (reported at that option), or else left out with a notice.
"""

from __future__ import annotations

import json
import os
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .checks import problems
from .elixir_terms import Atom, ConfigRead, read_config
from .mix_project import MixProject, app_or_release, release_to_build
from .mix_project import read_project as read_mix_project
from .options import DEFAULT_EXPAND_KEYS, DIR_NAMES, OPTIONS, likely_meant
from .validate import check

CONFIG_FILES = ("config/config.exs", "config/prod.exs")
EEX_TEMPLATES = ("systemd.service.eex", "restart.service.eex", "restart.path.eex", "runtime-environment.service.eex")
NOT_SUPPORTED = {
    "runtime_environment_service": "undocumented upstream switch: runtime_environment_service_script alone enables the unit",
}


# Keys of older mix_systemd versions (its git history before 0.7.0 removed "obsolete option
# flags") that 0.8.2 ignores, which this template has no option for: why each is ignored here.
# The ones whose meaning maps onto an option are read by older_options().
RETIRED = {
    "conform": "conform config files went with Distillery; the release reads config/runtime.exs",
    "conform_conf_path": "conform config files went with Distillery; the release reads config/runtime.exs",
    "cookie_dir": "the Erlang cookie is set up by `distribution` (docs/distribution.md)",
    "cookie_file": "the Erlang cookie is set up by `distribution` (docs/distribution.md)",
    "readonly_release": "the release is always read-only to the app here",
    "home_dir": "computed upstream, not a setting",
    "conf_dir": "computed upstream, not a setting (configuration_dir)",
    "version": "computed upstream from mix.exs, not a setting",
    "app": "the app is read from mix.exs",
    "deploy_group": "the deploy user joins app_group here (deploy_user)",
    "release_path": "releases are unpacked in releases_dir",
    "restart_path": "the flag file is <flags_dir>/restart.flag",
    "network_environment_service": "runtime_environment_service_script alone enables that unit",
    "runtime_environment_service_after": "",  # read by older_options()
}
# What the wrap script of older mix_systemd defaulted to, relative to deploy_dir (its WorkingDirectory=).
OLD_WRAP_SCRIPT = "bin/deploy-runtime-environment-wrap"
OLD_WRAP_AFTER = "cloud-init.target"
OLDER_KEYS = (
    *RETIRED,
    *("distillery", "base_path", "env_port", "restart_flag", "release_tmp", "release_mutable_dir"),
    *("runtime_environment_wrap", "runtime_environment_wrap_script", "network_environment_service_after"),
)


class Unconvertible(ValueError):
    pass


MISSING = object()  # no imported default: the option's own


@dataclass
class Imported:
    answers: dict[str, Any] = field(default_factory=dict)
    problems: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    values: dict[str, str] = field(default_factory=dict)  # the config's value of each problem, as Elixir
    # Imported answers fine alone that the whole set refuses (a forking pid_file the sandbox hides...):
    # kept as the default, and their question asked, saying why (checks.py).
    refused: dict[str, str] = field(default_factory=dict)
    release: str = ""  # the release `mix release` builds, when mix.exs says which


def imported_answer(result: Imported, name: str, answers: Mapping[str, Any]) -> Any:
    """The import's default for name, given the answers so far (MISSING: none). An app_name answered
    other than mix.exs's app still runs the release mix builds, not bin/<app_name>."""
    if name == "release_name" and name not in result.answers and result.release:
        return result.release if answers.get("app_name") != result.release else MISSING
    return result.answers.get(name, MISSING)


def read_config_files(project: Path) -> ConfigRead:
    """config/config.exs, then config/prod.exs over it, as text (no Elixir)."""
    result = ConfigRead()
    for name in CONFIG_FILES:
        path = project / name
        if path.is_file():
            result = result.merged(read_config(path.read_text(encoding="utf-8", errors="replace")))
    return result


def read_project(project: Path, mix: MixProject | None = None) -> ConfigRead:
    """`config :mix_systemd` as mix evaluates it, where Elixir read the project; else as text."""
    if mix is not None and mix.config is not None:
        return mix.config
    return read_config_files(project)


def term_source(term: Any) -> str:
    """A term as Elixir source, to show the user their value."""
    if isinstance(term, Atom):
        return f":{term.name}"
    if term is None:
        return "nil"
    if isinstance(term, bool):
        return "true" if term else "false"
    if isinstance(term, str):
        return json.dumps(term, ensure_ascii=False)
    if isinstance(term, list):
        return "[" + ", ".join(term_source(item) for item in term) + "]"
    if isinstance(term, tuple):
        return "{" + ", ".join(term_source(item) for item in term) + "}"
    return repr(term)


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


def mix_systemd_value(name: str, answer: Any) -> Any:
    """A value as mix_systemd takes it, in this template's form: a time span may be a number of seconds."""
    if OPTIONS[name].kind == "timespan" and isinstance(answer, int) and not isinstance(answer, bool):
        return str(answer)
    return answer


def _text(term: Any) -> Any:
    return term.name if isinstance(term, Atom) else term


def _reference(term: Any) -> Any:
    """An env var value of an older option: an atom such as :runtime_dir is a reference."""
    return f":{term.name}" if isinstance(term, Atom) else term


def _wrap_command(script: Any) -> Any:
    """The wrap script as an Exec command: a relative one ran from deploy_dir upstream."""
    script = str(_text(script))
    return script if script.startswith("/") else [":deploy_dir", f"/{script}"]


def older_options(values: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """What the keys of older mix_systemd versions in `values` meant, as answers (unless the config sets
    those options itself), and a notice for each key read or ignored. Removes those keys from `values`."""
    old = {key: values.pop(key) for key in OLDER_KEYS if key in values}
    answers: dict[str, Any] = {}
    notes: list[str] = []

    def mapped(key: str, option: str, value: Any) -> None:
        if option in values:
            notes.append(f"{key} (an older mix_systemd option): ignored, the config sets {option} itself")
        else:
            answers[option] = value
            notes.append(f"{key} (an older mix_systemd option): read as {option}: {json.dumps(value)}")

    env_vars: list[Any] = []
    for key, term in old.items():
        if key == "distillery" and isinstance(term, bool):
            mapped(key, "release_system", "distillery" if term else "mix")
        elif key == "base_path":
            mapped(key, "base_dir", _text(term))
        elif key == "restart_flag" and term is True:
            mapped(key, "restart_method", "systemd_flag")
        elif key in ("env_port", "release_tmp", "release_mutable_dir") and term is not None:
            variable = {"env_port": "PORT", "release_tmp": "RELEASE_TMP", "release_mutable_dir": "RELEASE_MUTABLE_DIR"}[key]
            if variable in _variables_set(values.get("env_vars")):
                notes.append(f"{key} (an older mix_systemd option): ignored, the config's env_vars sets {variable} itself")
                continue
            env_vars.append([f"{variable}=", _reference(term)])
            notes.append(f"{key} (an older mix_systemd option): read as env_vars entry {variable}")
        elif key == "runtime_environment_wrap" and term is True:
            mapped(key, "exec_start_wrap", _wrap_command(old.get("runtime_environment_wrap_script", OLD_WRAP_SCRIPT)))
            after = str(_text(old.get("runtime_environment_service_after", OLD_WRAP_AFTER)))
            answers["unit_after_targets"] = [*values.pop("unit_after_targets", []), after]
            notes.append(f"runtime_environment_wrap (an older mix_systemd option): {after} added to unit_after_targets")
        elif key in ("runtime_environment_service_after", "network_environment_service_after"):
            if old.get("runtime_environment_wrap") is not True:
                mapped(key, "runtime_environment_unit_after_targets", [_text(term)])
        elif key == "runtime_environment_wrap_script" and old.get("runtime_environment_wrap") is True:
            continue  # read with runtime_environment_wrap
        else:
            why = RETIRED.get(key) or "its switch is off or it has no effect on its own"
            notes.append(f"{key} (an older mix_systemd option): ignored ({why})")
    if env_vars:
        answers["env_vars"] = [*values.pop("env_vars", []), *env_vars]
    return answers, notes


def _variables_set(env_vars: Any) -> set[str]:
    """The variable names of env_vars entries, `PORT=4000` or parts such as ["RELEASE_TMP=", :runtime_dir]."""
    entries = env_vars if isinstance(env_vars, (list, tuple)) else []
    firsts = [entry[0] if isinstance(entry, (list, tuple)) and entry else entry for entry in entries]
    return {first.split("=", 1)[0] for first in firsts if isinstance(first, str) and "=" in first}


def unknown_key(result: Imported, name: str) -> None:
    """A key that is no option here: a typo of one the config does not set is that option's problem,
    shown at its question; any other is left out with a notice (mix_systemd hands unknown keys to
    its EEx templates only)."""
    source = result.values.pop(name, None)  # None: a value that could not be read
    meant = likely_meant(name, OPTIONS)
    if meant and meant not in result.values.keys() | result.answers.keys() | result.problems.keys():
        if source is not None:
            result.values[meant] = source
        result.problems[meant] = f"given as `{name}`, which is not an option of this template (a typo of {meant}?)"
    else:
        result.notes.append(f"{name}: not an option of this template, left out (these units do not read it)")


def convert(read: ConfigRead) -> Imported:
    result = Imported(problems={name: why for name, why in read.unreadable.items() if name in OPTIONS})
    values = dict(read.values)
    older, result.notes = older_options(values)
    expandable = expandable_names(values)
    unknown = [name for name in read.unreadable if name not in OPTIONS]  # read or not, no option here
    for name, term in [*values.items(), *older.items()]:
        if name in NOT_SUPPORTED:
            result.notes.append(f"{name}: not needed here ({NOT_SUPPORTED[name]})")
            continue
        result.values[name] = term_source(term)
        if name not in OPTIONS:
            unknown.append(name)
            continue
        try:
            answer = mix_systemd_value(name, as_answer(term, name in expandable))
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
        del result.values[name]
    for name in unknown:  # once every option the config sets is in
        unknown_key(result, name)
    if result.answers.get("paranoia") is True and "hardening" not in result.answers:
        result.answers["hardening"] = "paranoia"
    return result


# mix_systemd derives these from the app's own name, not from the config's
# ext_name or service_name (lib/mix/tasks/systemd.ex): pinned where the config
# renames, so the units keep the paths and users mix_systemd gave them.
FROM_APP_EXT_NAME = ("service_name", "app_user", "app_group")
FROM_APP_SERVICE_NAME = ("syslog_identifier", *(f"{name}_directory" for name in DIR_NAMES))


def mix_systemd_derivations(answers: dict[str, Any], app: str) -> dict[str, Any]:
    """What mix_systemd computed from the app name, for the options the config leaves out."""
    ext = app.replace("_", "-")
    pinned: dict[str, Any] = {}
    if "ext_name" in answers and answers["ext_name"] != ext:
        pinned.update({name: ext for name in FROM_APP_EXT_NAME})
        pinned["deploy_dir"] = f"{answers.get('base_dir') or OPTIONS['base_dir'].default}/{ext}"
    if answers.get("service_name", ext) != ext or "service_name" in pinned:
        pinned.update({name: ext for name in FROM_APP_SERVICE_NAME})
    return {name: value for name, value in pinned.items() if name not in answers}


def with_mix_project(result: Imported, mix: MixProject) -> Imported:
    """The app and release facts of mix.exs, as mix_systemd and `mix release` use them."""
    if mix.failure:
        result.notes.append(f"{mix.failure}; read mix.exs and config/ as text instead")
    if mix.app and "app_name" in result.answers:
        if result.answers["app_name"] != mix.app:
            result.notes.append(f"app_name: mix_systemd takes the app from mix.exs ({mix.app}), not from its config")
        del result.answers["app_name"]
    app = mix.app or str(result.answers.get("app_name") or "")
    if app:
        result.answers.update(mix_systemd_derivations(result.answers, app))
    if "release_name" not in result.answers and "release_name" not in result.problems:
        release, refusal = release_to_build(mix)
        result.release = release
        if refusal:
            result.problems["release_name"] = f"{refusal}: say which release the unit runs"
        elif release and release != app:
            result.answers["release_name"] = release
    return result


def customised_templates(project: Path, template_dir: str) -> list[str]:
    # os.path.isfile: a path too long to look at is no template (the copy refuses it before writing).
    return [f"{template_dir}/{name}" for name in EEX_TEMPLATES if os.path.isfile(project / template_dir / name)]


def import_project(project: Path, mix_env: str = "prod") -> Imported:
    """Default answers from a mix_systemd project; problems and notes to tell the user."""
    mix = read_mix_project(project, mix_env)
    read = read_project(project, mix)
    result = convert(read)
    if read.values or read.unreadable:  # mix_systemd left distribution to the release: keep that
        result.answers.setdefault("distribution", "release")
    if (project / "mix.exs").is_file():
        result = with_mix_project(result, mix)
    if result.answers:  # the whole set as copier would take it, app_name from mix.exs, the rest at their defaults
        together = problems({"app_name": app_or_release(mix), **result.answers})
        result.refused = {p.option: p.message for p in together if p.option in result.answers}
    template_dir = str(result.answers.get("template_dir") or OPTIONS["template_dir"].default)
    existing = customised_templates(project, template_dir)
    if existing:
        result.answers["eex_templates"] = False
        result.notes.append(
            f"kept your EEx templates ({', '.join(existing)}): eex_templates defaults to false; "
            "port their changes to the rendered units"
        )
    return result


def configured_options(project: Path, mix_env: str = "prod") -> dict[str, Any]:
    """The options `config :mix_systemd` sets, as the import takes them (no mix.exs facts, no EEx templates)."""
    return convert(read_project(project, read_mix_project(project, mix_env))).answers


def default_text(value: Any, question_type: str) -> str:
    """A default as copier.yml's rendered text for the question's type."""
    if question_type == "str":
        return "" if value is None else str(value)
    if question_type == "bool":
        return "true" if value else "false"
    return json.dumps(value)


def data_hint(name: str) -> str:
    if name not in OPTIONS:
        return f"nothing: remove {name} from config :mix_systemd"
    return f"--data {name}={'[...]' if isinstance(OPTIONS[name].default, list) else 'VALUE'}"


def _why(imported: Imported, name: str) -> str:
    """What is wrong with an imported setting, alone or with the others, without its option's name."""
    why = imported.problems.get(name) or imported.refused[name]
    return why.removeprefix(f"{name}: ")


def problem_line(imported: Imported, name: str) -> str:
    value = imported.values.get(name)
    shown = f" = {value}" if value is not None else ""
    return f"{name}{shown}: {_why(imported, name)}"


def blocking(imported: Imported, given: set[str]) -> str:
    """Why a copy without prompts must stop: a mix_systemd setting it could not take, unless --data
    gives it. The settings refused with the others are named too, so one run names all there is to fix."""
    names = sorted(name for name in imported.problems if name not in given)
    if not names:
        return ""
    lines = [f"  {problem_line(imported, name)}; set it with {data_hint(name)}" for name in names]
    refused = [f"  {problem_line(imported, name)}" for name in sorted(imported.refused) if name not in given]
    if refused:
        refused.insert(0, "Refused with the other answers too (give it with --data, or change what it clashes with):")
    return "\n".join(
        [
            "Your config :mix_systemd has settings this copy could not import (nothing was written):",
            *lines,
            *refused,
            "Give each with --data (or answer it at the prompt, without --defaults).",
        ]
    )


def at_question(imported: Imported, name: str) -> str:
    """The import's problem with one option, for that question's help."""
    if name in imported.refused:
        return f"\n  YOUR config :mix_systemd VALUE IS REFUSED WITH THE OTHERS: {imported.refused[name]}"
    if name not in imported.problems:
        return ""
    return f"\n  NOT IMPORTED from your project: {problem_line(imported, name)}"


def report(imported: Imported, given: Collection[str] = ()) -> str:
    """What the import could not take, for the user to answer at the prompt (not what --data gives)."""
    unanswered = sorted(name for name in {**imported.problems, **imported.refused} if name not in given)
    lines = [f"  {name}: {_why(imported, name)}" for name in unanswered]
    lines += [f"  {note}" for note in imported.notes]
    if not lines:
        return ""
    asked = " (answer these at the prompt)" if unanswered else ""
    return f"From your mix_systemd config{asked}:\n" + "\n".join(lines)
