"""The Jinja extension copier loads: it exposes the unit_template package to templates."""

from __future__ import annotations

import gc
import hashlib
import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import json
import sys
import weakref
from collections.abc import Callable, Mapping
from functools import partial
from pathlib import Path
from types import ModuleType
from typing import Any

import yaml
from copier.errors import UserMessageError
from jinja2 import Environment, Template, TemplateSyntaxError, pass_context
from jinja2.ext import Extension
from jinja2.runtime import Context
from prompt_toolkit.application import run_in_terminal
from prompt_toolkit.application.current import get_app_or_none

_HERE = Path(__file__).resolve().parent


class _PackageFinder(importlib.abc.MetaPathFinder):
    """Finds this template version's unit_template package under a name unique to its path
    (the import system's documented hook: a finder on sys.meta_path)."""

    def __init__(self, name: str, directory: Path) -> None:
        self.name, self.directory = name, directory

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> importlib.machinery.ModuleSpec | None:
        if fullname != self.name:
            return None  # its submodules: found by the path finder in the package's __path__
        return importlib.util.spec_from_file_location(
            fullname, self.directory / "__init__.py", submodule_search_locations=[str(self.directory)]
        )


def _load_package() -> ModuleType:
    """This template version's unit_template package, under a name unique to its path.

    copier runs every template version of an update in one process: loaded as
    plain `unit_template`, one version's modules would stand in for the other's.
    """
    directory = _HERE / "unit_template"
    name = "unit_template_" + hashlib.sha256(str(directory).encode()).hexdigest()[:16]
    if not any(isinstance(f, _PackageFinder) and f.name == name for f in sys.meta_path):
        sys.meta_path.append(_PackageFinder(name, directory))
    return importlib.import_module(f"{name}.entry")


api = _load_package()

_SUBDIRECTORY = str(api.SETTINGS["_subdirectory"])


# What the extension reads of `_copier_conf`.
_CONF_KEYS = (
    *("dst_path", "answers_file", "data", "user_defaults", "defaults"),
    *("quiet", "overwrite", "pretend", "exclude", "skip_if_exists", "skip_tasks", "conflict"),
)


def _conf(context: Context) -> Mapping[str, Any] | None:
    """The `_copier_conf` values the extension reads, taken once per copier run: copier makes
    that mapping anew for each value it renders, and computes each item again when read."""
    conf = context.get("_copier_conf")
    if not isinstance(conf, Mapping):
        return None
    return _once(context, "conf", None, lambda: {key: conf[key] for key in _CONF_KEYS})


def _answers(context: Context) -> dict[str, Any]:
    return {name: context.get(name) for name in api.OPTIONS}


@pass_context
def mix_app_name(context: Context) -> str:
    conf = _conf(context)
    dst = conf["dst_path"] if isinstance(conf, Mapping) else None
    return api.app_name_in(Path(str(dst))) if dst else ""


def _project(context: Context) -> Path | None:
    conf = _conf(context)
    return Path(str(conf["dst_path"])) if isinstance(conf, Mapping) else None


_PER_RUN: weakref.WeakKeyDictionary[Environment, dict[tuple[str, str], Any]] = weakref.WeakKeyDictionary()


def _once(context: Context, what: str, key: Any, compute: Callable[[], Any]) -> Any:
    """compute() once per copier run and key: copier renders each run (a copy, each side of an
    update) with its own Jinja environment, and asks for the same values many times."""
    memo = _PER_RUN.setdefault(context.environment, {})
    # A plain key is its own slot; a structure is keyed by its JSON (answers hold lists and dicts).
    slot = (what, key) if key is None or isinstance(key, str) else (what, json.dumps(key, sort_keys=True, default=str))
    if slot not in memo:
        memo[slot] = compute()
    return memo[slot]


def _view_of(context: Context, answers: Mapping[str, Any]) -> tuple[dict[str, Any] | None, list[str]]:
    return _once(context, "view", answers, lambda: _view(answers))


def _view(answers: Mapping[str, Any]) -> tuple[dict[str, Any] | None, list[str]]:
    view, problems = api.checked_view(answers)
    return view, [str(problem) for problem in problems]


@pass_context
def unit(context: Context) -> dict[str, Any]:
    """The computed view of every unit; bad input stops copier with the option named."""
    view, errors = _view_of(context, _answers(context))
    if view is None:
        raise UserMessageError("Invalid answers:\n  " + "\n  ".join(errors))
    return view


@pass_context
def lifecycle_message(context: Context, operation: str) -> str:
    """_message_after_copy/_update: the files, the commands to install them, the exposure score."""
    conf = _conf(context)
    view, previous = unit(context), _previous(context)
    if not isinstance(conf, Mapping):  # rendered outside copier
        return api.after_update(view, Path(), previous) if operation == "update" else api.after_copy(view, Path(), previous)
    project, answers_file, pretend = Path(str(conf["dst_path"])), str(conf["answers_file"]), bool(conf["pretend"])
    not_carried = api.not_carried(project, previous, view) if conf["skip_tasks"] and not pretend else []
    if operation == "update":
        drift = api.config_drift(project, answers_file, _mix_env(conf), _answers(context))
        conflict = str(conf["conflict"])
        unchanged = pretend and _pretended_unchanged(context, conf, view)
        message = api.after_update(
            view, project, previous, pretend=pretend, answers_file=answers_file, conflict=conflict, pretended_unchanged=unchanged
        )
        return "\n".join([message, *not_carried, *drift])
    return "\n".join([api.after_copy(view, project, previous, pretend=pretend, answers_file=answers_file), *not_carried])


def _pretended_unchanged(context: Context, conf: Mapping[str, Any], view: Mapping[str, Any]) -> bool:
    """--pretend writes nothing: whether the files it would write are those the project has already
    (the answers file aside, whose _commit changes with every version)."""
    targets, _ = _targets(context, conf, view)
    project, answers_file = Path(str(conf["dst_path"])), str(conf["answers_file"])
    return all(
        (project / target.path).is_file() and (project / target.path).read_bytes() == target.content
        for target in targets
        if target.path != answers_file
    )


def _committed(context: Context) -> dict[str, Any]:
    """The answers file as committed before this run (`git show`, once per run); {} if none."""
    conf = _conf(context)
    if not isinstance(conf, Mapping):
        return {}
    project, answers_file = Path(str(conf["dst_path"])), str(conf["answers_file"])
    return _once(context, "committed", [str(project), answers_file], lambda: api.committed_answers(project, answers_file))


def _previous_view(context: Context, answers: Mapping[str, Any]) -> dict[str, Any] | None:
    """api.previous_view of these answers, once per run."""
    return _once(context, "previous view", answers, lambda: api.previous_view(answers))


def _previous(context: Context) -> dict[str, Any] | None:
    """The view of the answers committed before this run: what a rename or a moved deploy dir leaves behind."""
    return _previous_view(context, _committed(context))


@pass_context
def record_earlier_answers(context: Context) -> str:
    """The default of the hidden question earlier_answers (unit_template/earlier.py), as JSON: {}
    without committed answers. copier's render of the recorded answers is given the record as data."""
    committed = _committed(context)
    if not committed:
        return "{}"
    answers = _answers(context)
    view_of = partial(_previous_view, context)  # the same views as the switch steps' (_switched_from)
    record = _once(context, "earlier answers", [committed, answers], lambda: api.earlier_record(committed, answers, view_of))
    return json.dumps(record)


def _switched_from(context: Context) -> dict[str, Any] | None:
    """The view the install script's switch steps start from: the answers with their recorded earlier
    values, so that copier's render of the recorded answers writes the same script."""
    record = context.get(api.EARLIER_ANSWERS)
    if not isinstance(record, Mapping):
        return None
    return api.switched_from_view(_answers(context), record, partial(_previous_view, context))


def _install_plan(context: Context, view: Mapping[str, Any], previous: Mapping[str, Any] | None) -> Any:
    return _once(context, "install plan", [view, previous], lambda: api.install_plan(view, previous))


@pass_context
def install_script_view(context: Context) -> dict[str, Any]:
    """The install plan, laid out for the install script template."""
    view = unit(context)
    return api.script_view(view, _install_plan(context, view, _switched_from(context)))


@pass_context
def package_view(context: Context) -> dict[str, Any]:
    """The install plan, laid out for the nfpm configuration and the maintainer scripts."""
    view = unit(context)
    return api.package_view(view, _install_plan(context, view, None))


_IMPORTS: dict[str, api.Imported] = {}


def _mix_env(conf: Mapping[str, Any]) -> str:
    """The MIX_ENV the config files are evaluated for: --data mix_env, else prod."""
    return str((conf["data"] or {}).get("mix_env") or "prod")


def _config_stamp(project: Path, mix_env: str) -> str:
    config = project / "config"
    files = [project / "mix.exs", *(sorted(config.glob("*.exs")) if config.is_dir() else [])]
    return json.dumps([str(project), mix_env, *(path.stat().st_mtime_ns if path.is_file() else 0 for path in files)])


def _imported_for(context: Context) -> api.Imported:
    """The first copy's defaults from the project's mix_systemd setup (over an earlier copy: none, see imported)."""
    return _once(context, "imported", None, lambda: _import(_conf(context), context))


def _import(conf: Mapping[str, Any] | None, context: Context) -> api.Imported:
    if not isinstance(conf, Mapping) or not _first_copy(context, conf):
        return api.Imported()
    project = Path(str(conf["dst_path"]))
    # Read once per process and state of the config files: copier update runs several workers.
    key = _config_stamp(project, _mix_env(conf))
    if key not in _IMPORTS:
        _IMPORTS[key] = api.import_project(project, _mix_env(conf))
        message = api.report(_IMPORTS[key], set(conf["data"] or {}))
        if message and not conf["quiet"]:
            print(message, file=sys.stderr)
    return _IMPORTS[key]


@pass_context
def imported(context: Context, name: str) -> str:
    """A question's default: over an earlier copy its recorded answer (copier copy reads none, unlike
    recopy and update); on a first copy the project's mix_systemd setting if it has a readable one; else
    the option's own (questions.question_default), computed from the answers so far where it is an expression."""
    value = _default_answer(context, name)
    option = api.OPTIONS[name]
    kind = api.question_type(option)
    if kind == "yaml" and answer_type(context, name, kind) == "str":
        return api.as_text(option, value)  # the prompt's prefilled text: `state, logs`, not `["state", "logs"]`
    # Parts for a single command are a list: YAML text, as answer_type reads it.
    return api.default_text(value, "yaml" if kind == "str" and isinstance(value, list) else kind)


def _default_answer(context: Context, name: str) -> Any:
    """The value of question `name`'s default (see imported)."""
    recorded = _recorded_answers(context)
    if name in recorded:
        return recorded[name]
    value = api.imported_answer(_imported_for(context), name, {"app_name": context.get("app_name")})
    return _own_default(context, name) if value is api.MISSING else value


def _answers_so_far(context: Context) -> dict[str, Any]:
    """What a condition or a default of the option table is rendered with: the context, without the
    string literals of the copier.yml value being rendered (template_shapes.py), which would stand
    for the condition's own."""
    return {key: value for key, value in context.get_all().items() if key != api.LITERALS}


def _own_default(context: Context, name: str) -> Any:
    """The option's prefilled default (questions.question_default), an expression read with the answers so far."""
    option = api.OPTIONS[name]
    expression = api.default_expression(option)
    if expression is None:
        return api.question_default(option)
    read = _once(context, "default expression", expression, lambda: context.environment.compile_expression(expression))
    return read(**_answers_so_far(context))


@pass_context
def asked(context: Context, name: str) -> bool:
    """A question's `ask:`: its condition (questions.ask_condition, from the option table), read
    with the answers so far. Under --defaults a question gets the same answer asked or not (the
    recorded one, else the default): not computed then."""
    conf = _conf(context)
    if isinstance(conf, Mapping) and conf["defaults"]:
        return False
    return _may_ask(context.environment, name, _answers_so_far(context), strict=True)


def _recorded_answers(context: Context) -> dict[str, Any]:
    """The user's answers in the project's answers file, under the names of this version."""
    return _once(context, "recorded answers", None, lambda: api.with_current_names(api.user_answers(_recorded(context))))


def _prompt_default(context: Context, name: str) -> Any:
    """What question `name` takes without an answer given, as copier picks it: the recorded answer, a
    default of the user's copier settings, else the question's default (the import's, or its own,
    computed from the answers so far: `local` for distribution, not the option's function)."""
    conf = _conf(context)
    user_defaults = (conf["user_defaults"] or {}) if isinstance(conf, Mapping) else {}
    if name in user_defaults and name not in _recorded_answers(context):
        return user_defaults[name]
    return _default_answer(context, name)


def _fallback_answers(context: Context) -> tuple[dict[str, Any], dict[str, Any]]:
    """For the kept --data-file of a refusal: what each question takes when this command runs again
    without its answer, and its own default for these answers."""
    taken = {name: _prompt_default(context, name) for name in api.OPTIONS}
    return taken, {name: _own_default(context, name) for name in api.OPTIONS}


def _answers_file_data(path: Path) -> dict[str, Any]:
    try:
        loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError, UnicodeDecodeError):
        return {}
    return loaded if isinstance(loaded, dict) else {}


def _recorded(context: Context) -> dict[str, Any]:
    """The answers file in the project before this run ({} in a first copy, or in the empty dir
    where copier update renders a version): names in it are recorded, not given."""
    conf = _conf(context)
    if not isinstance(conf, Mapping):
        return {}
    answers_file = Path(str(conf["dst_path"])) / str(conf["answers_file"])
    return _once(context, "answers file", None, lambda: _answers_file_data(answers_file))  # one per run: no key


def _copiers_own_worker(context: Context) -> bool:
    """copier update renders the old version from the recorded answers (they carry _commit), and
    the new one from every answer into an empty dir, before it merges them into the project: what
    the user gave with --data or --exclude is checked in the worker that writes the project."""
    conf = _conf(context)
    if not isinstance(conf, Mapping):
        return True
    data, dst = set(conf["data"] or {}), Path(str(conf["dst_path"]))
    empty = not dst.is_dir() or next(dst.iterdir(), None) is None
    return "_commit" in data or (empty and set(api.always_asked()) <= data)


def _given_names(context: Context) -> set[str]:
    """The names this run was given with --data or --data-file (recorded answers are not given)."""
    conf = _conf(context)
    if not isinstance(conf, Mapping) or _copiers_own_worker(context):
        return set()
    return set(conf["data"] or {}) - set(_recorded(context))


# The words copier reads as a boolean, that --data may give a bool question.
BOOLEAN_TEXT = frozenset({"y", "yes", "t", "true", "on", "1", "n", "no", "f", "false", "off", "0"})


def _type_of_given(value: Any, typed: str) -> str:
    """A string stays text for a str question; for a yaml (list) one unless it is a YAML list
    (copier would stop with a traceback on text that is no YAML at all); for a bool one when it
    is not a boolean word (copier would take `maybe` as true). normalise.py then reads it, or the
    check refuses it."""
    if typed == "bool":
        return "bool" if not isinstance(value, str) or value.strip().lower() in BOOLEAN_TEXT else "str"
    if not isinstance(value, str):
        return "yaml"
    # A list question's text stays text (normalise.py reads it), unless it is a YAML list: --data
    # `dirs=[state, logs]` is recorded as the list. (As YAML, `state, logs` would come back to
    # the prompt of the next update as `state, logs` and a line `...`.)
    return "yaml" if typed == "yaml" and api.yaml_list(value) is not None else "str"


@pass_context
def answer_type(context: Context, name: str, typed: str = "str") -> str:
    """The `type:` of a question, given how its answer arrives. `typed` is how a typed answer
    is read: "str" (text, never parsed as YAML), "yaml" (a list, YAML typed once) or "bool".
    What a YAML file (--data-file, the user's settings defaults, the answers file) gave as
    null, a boolean, a number or a list is "yaml", so copier keeps it as is and normalise.py
    reads it back or refuses it; a string is "str", or "yaml" for a list question when it
    reads as a YAML list (--data text such as `[state, logs]`). A list question typed at the
    prompt is "str": normalise.py reads the text."""
    conf = _conf(context)
    if not isinstance(conf, Mapping):
        return typed
    if typed == "yaml" and not conf["defaults"] and name not in (conf["data"] or {}):
        # Typed at the prompt (a recorded answer too, as the answers file holds it: text): text, which
        # normalise.py reads (a list as `a, b` or `[a, b]`), so a refusal names the option, and keys
        # typed after the prefill add to it; as YAML, copier itself would answer "Invalid input".
        return "str"
    for given_in in (conf["data"] or {}, conf["user_defaults"] or {}):
        if name in given_in:
            return _type_of_given(given_in[name], typed)
    last = _recorded(context)
    if name in last:
        return _type_of_given(last[name], typed)
    # A mix_systemd setting written as parts, e.g. exec_start: [:current_dir, "/bin/x start"]
    if typed != "str":
        return typed
    return "yaml" if isinstance(_imported_for(context).answers.get(name), list) else "str"


def as_recorded(answers: Mapping[str, Any], earlier: Any = None) -> dict[str, Any]:
    """The answers file's content: a list question's list as a person types it (`state, logs`), so
    the next update's prompt offers that text, and keys typed after it add to the list; and the
    earlier answers (unit_template/earlier.py), if any: copier records no hidden question."""
    recorded = {
        name: api.as_text(api.OPTIONS[name], value)
        if name in api.OPTIONS and isinstance(value, list) and api.question_type(api.OPTIONS[name]) == "yaml"
        else value
        for name, value in answers.items()
    }
    return {**recorded, api.EARLIER_ANSWERS: dict(earlier)} if isinstance(earlier, Mapping) and earlier else recorded


@pass_context
def picked(context: Context, name: str, word: str) -> bool:
    """Whether the answer to list question `name` so far holds `word`, read as the checks read it:
    `a, b` is two names, null the option's default, and an answer that cannot be read holds nothing."""
    try:
        value = api.normalise(api.OPTIONS[name], context.get(name))
    except api.NotAsMeant:
        return False
    if api.is_unset(value):
        value = api.OPTIONS[name].default
    return isinstance(value, list) and word in value


@pass_context
def import_problem(context: Context, name: str) -> str:
    """What the import could not take for this option, its computed default that is refused, or its
    recorded answer that the answers so far refuse: shown in its question's help, and asks it on every path."""
    found = api.at_question(_imported_for(context), name) or default_problem(context, name) or recorded_problem(context, name)
    return api.wrap_help(found)


@pass_context
def asked_for_problem(context: Context, name: str) -> bool:
    """The `ask:` of a question asked only when its import, its computed default or its recorded answer has a problem.
    Under --defaults nothing is asked either way (the last question refuses the whole set):
    not computed then."""
    conf = _conf(context)
    return conf is not None and not conf["defaults"] and import_problem(context, name) != ""


def _refused_defaults(context: Context, answers: Mapping[str, Any]) -> dict[str, Any]:
    """api.refused_defaults once per run and answers: every `ask:` condition after a prompt reads it."""
    return _once(context, "refused defaults", answers, lambda: api.refused_defaults(answers))


def _refused_answers(context: Context, answers: Mapping[str, Any]) -> dict[str, Any]:
    """api.refused_answers of the recorded answers, once per run and answers."""
    recorded = sorted(_recorded_answers(context))
    if not recorded or api.is_unset(answers.get("app_name")):
        return {}
    return _once(context, "refused answers", answers, lambda: api.refused_answers(answers, recorded))


def recorded_problem(context: Context, name: str) -> str:
    """An update's recorded answer that the answers so far refuse: its help says so, and it is asked
    (else a question not asked, such as deploy_user, would leave the update no way through)."""
    error = _refused_answers(context, _answers(context)).get(name)
    return f"\n  YOUR RECORDED ANSWER IS REFUSED: {error.message}" if error else ""


def default_problem(context: Context, name: str) -> str:
    """A question's computed default the answers so far make wrong: its help says so."""
    answers = _answers(context)
    if not isinstance(answers.get("app_name"), str) or name not in api.OPTIONS or api.is_unset(answers.get("app_name")):
        return ""
    error = _refused_defaults(context, answers).get(name)
    return f"\n  ITS DEFAULT IS REFUSED: {error.message}" if error else ""


def _first_copy(context: Context, conf: Mapping[str, Any]) -> bool:
    """No answers recorded in the project when this run began: its mix_systemd settings are the defaults
    to import. (An update, or a copy over an earlier one, starts from the recorded answers instead.)"""
    return _once(context, "first copy", None, lambda: not (Path(str(conf["dst_path"])) / str(conf["answers_file"])).is_file())


@pass_context
def validate_all(context: Context) -> str:
    """Used by the last, hidden question: refuse before any file is written, keeping the answers."""
    refused = _once(context, "refusal", _answers(context), lambda: _whole_copy_refusal(context))
    if refused:
        raise UserMessageError(refused)
    return "ok"


def _whole_copy_refusal(context: Context) -> str:
    """Why this copy must not write anything: a name no question asks, the import, the answers
    as a whole, or a file it cannot write."""
    conf = _conf(context)
    answers = _answers(context)
    kept_beside = None if isinstance(conf, Mapping) and conf["pretend"] else _project(context)  # --pretend writes nothing
    unknown = api.unknown_data(_given_names(context))
    if unknown:
        # Kept in the data file too, for the user to correct the name there.
        given = {name: value for name, value in (conf["data"] or {}).items() if name not in answers and not name.startswith("_")}
        title = "Given with --data or --data-file, and asked by no question:"
        return api.refused_message(unknown, {**answers, **given}, kept_beside, title, *_fallback_answers(context))
    if isinstance(conf, Mapping) and conf["defaults"] and _first_copy(context, conf):
        message = api.blocking(_imported_for(context), set(conf["data"] or {}))
        if message:
            return message
    view, errors = _view_of(context, answers)
    data = (conf["data"] or {}) if isinstance(conf, Mapping) else {}
    if view is None and "_commit" in data:  # copier update's render of the recorded answers (_copiers_own_worker)
        return api.recorded_refused_message(errors, str(conf["answers_file"]), str(data["_commit"]))
    if view is None:
        return api.refused_message(errors, answers, kept_beside, "Invalid answers:", *_fallback_answers(context))
    if isinstance(conf, Mapping):
        # Every file rendered now, and checked against the project: no write can fail half-way.
        targets, errors = _targets(context, conf, view)
        errors = errors or _excluded_errors(context, conf, view) or _preflight_errors(context, conf, view, targets)
        if errors:
            title = "The copy cannot write its files:"
            return api.refused_message(errors, answers, kept_beside, title, *_fallback_answers(context), files=True)
    return ""


def _targets(context: Context, conf: Mapping[str, Any], view: Mapping[str, Any]) -> tuple[list[api.Target], list[str]]:
    """_copy_targets once per run: the pre-flight and a pretended update's message read them."""
    return _once(context, "targets", view, lambda: _copy_targets(context, conf, view))


def _copy_targets(context: Context, conf: Mapping[str, Any], view: Mapping[str, Any]) -> tuple[list[api.Target], list[str]]:
    """Every file this copy writes (the manifest), its content rendered as copier will render it."""
    answers_file = str(conf["answers_file"])
    variables = {**context.get_all(), "files": api.files(view)}
    targets = [api.Target(answers_file, None, False)]  # _copier_answers: known only once all is asked
    errors = []
    for file, path in api.written(view):
        try:
            content = context.environment.get_template(f"{_SUBDIRECTORY}/{api.template_name(file.flag)}").render(variables)
        except UserMessageError:
            raise
        except Exception as error:  # a template bug: refused before any write, not half-way
            errors.append(f"{path}: rendering it failed ({type(error).__name__}: {error})")
            continue
        targets.append(api.Target(path, content.encode(), file.executable, file.placed_by))
    try:
        _install_plan(context, view, _previous(context))  # what the closing message, printed after the writes, is made of
    except Exception as error:
        errors.append(f"the closing message cannot be made ({type(error).__name__}: {error})")
    return targets, errors


@pass_context
def manifest(context: Context) -> str:
    """The `files` every template file name reads: each manifest flag's path for these answers, as JSON."""
    return json.dumps(api.files(unit(context)))


def _excluded_errors(context: Context, conf: Mapping[str, Any], view: Mapping[str, Any]) -> list[str]:
    if _copiers_own_worker(context):
        return []
    written = [(path, file.left_out_by) for file, path in api.written(view)]
    return api.excluded_errors(Path(str(conf["dst_path"])), written, list(conf["exclude"] or ()))


def _preflight_errors(context: Context, conf: Mapping[str, Any], view: Mapping[str, Any], targets: list[api.Target]) -> list[str]:
    return api.preflight_errors(
        Path(str(conf["dst_path"])).absolute(),
        targets,
        view,
        str(conf["answers_file"]),
        overwrite=bool(conf["overwrite"]),
        interactive=sys.stdin.isatty(),
        skipped=list(conf["skip_if_exists"] or ()),
    )


@pass_context
def default_of(context: Context, name: str) -> str:
    """An option's default for the answers given so far, for help texts."""
    answers = {key: value for key, value in _answers(context).items() if key != name}
    values = api.defaults_or_none(answers)
    return str(values[name]) if values is not None and name in values else "derived from the other answers"


@pass_context
def check_option(context: Context, name: str) -> str:
    """copier's validator for one question, at the prompt: copier renders it with the answer
    to check as the question's variable.

    Answers that arrive without a prompt (--data, --defaults, an update) are
    checked all together by the last question instead: copier reports a
    validator's api.refusal there as a traceback, but a UserMessageError cleanly.
    """
    if not _at_prompt(context, name):
        return ""
    value = context.get(name)
    if not _typed_at_a_prompt():
        return api.check(name, value)  # the whole set is checked once the person answers
    return _shown_whole(_refusal(context, name, value))


def _shown_whole(message: str) -> str:
    """The refusal, for the prompt's one-line error toolbar; one wider than the terminal (the
    remedy comes last) is printed whole above the prompt too, where the terminal wraps it."""
    app = get_app_or_none()
    if message and app is not None and len(message) + 40 > app.output.get_size().columns:
        run_in_terminal(lambda: print(message, file=sys.stderr))
    return message


def _typed_at_a_prompt() -> bool:
    """Whether copier runs this validator on what a person typed, inside the prompt.

    copier also runs it on a question's default before prompting, and on each
    answer recorded by the last copy before an update: a refusal there stops
    copier with a traceback, or silently drops the recorded answer. Those get
    the single-answer check only; the whole set is checked at the prompt and
    by the last question. What a person types is checked while the prompt's
    prompt_toolkit application runs, and only then.
    """
    return get_app_or_none() is not None


def _given(context: Context) -> Mapping[str, Any]:
    conf = _conf(context)
    return (conf["data"] or {}) if isinstance(conf, Mapping) else {}


def _at_prompt(context: Context, name: str) -> bool:
    """Whether question `name` is answered at a prompt (not by --data, --defaults or an update's --defaults)."""
    conf = _conf(context)
    return isinstance(conf, Mapping) and not conf["defaults"] and name not in _given(context)


def _refusal(context: Context, name: str, value: Any) -> str:
    answers = {key: context.get(key) for key in api.OPTIONS if key != name}
    # What is still to be asked depends on this answer too (e.g. `credentials` on config_strategies).
    return api.refusal(name, value, answers, lambda: _still_asked(context, name, {**answers, name: value}, _given(context)))


_QUESTION_ORDER = api.question_order()


def _still_asked(context: Context, name: str, answers: Mapping[str, Any], data: Mapping[str, Any]) -> set[str]:
    """The questions after `name` that the user is going to be asked.

    Their conditions see the answers so far, the defaults of the rest, and
    `advanced` as false until it is answered; a question whose computed default
    is refused is asked on every path (asked_for_problem).
    """
    if name not in _QUESTION_ORDER:
        return set()
    values: dict[str, Any] = dict(api.defaults_or_none(answers) or answers)
    values.update({key: value for key, value in answers.items() if not api.is_unset(value)})
    values["advanced"] = context.get("advanced", False) is True
    values["_copier_conf"] = context.get("_copier_conf")  # the conditions read it as copier gives it
    refused = {**_refused_defaults(context, answers), **_refused_answers(context, answers)}
    imported = _imported_for(context)
    # The conditions' asked_for_problem(), from what is known here (the global would recompute it per question).
    values["asked_for_problem"] = lambda question: question in refused or bool(api.at_question(imported, question))
    later = _QUESTION_ORDER[_QUESTION_ORDER.index(name) + 1 :]
    asked = set()
    for question in later:
        if question == "advanced" or question in data:
            continue
        asked_anyway = question in refused and api.asked_on_problem(api.OPTIONS[question])
        if asked_anyway or _may_ask(context.environment, question, values):
            asked.add(question)
    return asked


def _may_ask(environment: Environment, question: str, values: Mapping[str, Any], strict: bool = False) -> bool:
    """Whether the ask condition of `question` holds for these values. A condition that cannot be
    read (an answer it reads is not in yet, or not valid yet) may hold; `strict`: it is an error,
    as copier's own rendering of it would be."""
    condition = api.ask_condition(question, api.OPTIONS[question])
    if condition is None:
        return True
    try:
        return environment.from_string(condition).render(values).strip() == "True"
    except Exception:
        if strict:
            raise
        return True


@pass_context
def choices_for(context: Context, name: str) -> str:
    """A question's choices as YAML, plus a value given with --data that is not one of them.

    copier checks --data choices before any validator and stops with a
    traceback; let the value through so that the last question refuses it
    with a message naming the option and its choices.
    """
    choices: list[Any] = list(api.OPTIONS[name].choices)
    data = _given(context)
    if _at_prompt(context, name):
        # A select prompt runs no validator: a choice the answers so far refuse is shown disabled instead, with why.
        refused = _choice_refusals(context, name)
        default = _prompt_default(context, name)
        return json.dumps([_choice(c, refused[c], c in (default if isinstance(default, list) else [default])) for c in choices])
    if name in data:
        given = data[name]
        choices += [item for item in (given if isinstance(given, list) else [given]) if item not in choices]
    return json.dumps(choices)


def _choice_refusals(context: Context, name: str) -> dict[str, str]:
    """Why the answers so far refuse each choice of select question `name` ("" for a choice they take)."""
    answers = {key: context.get(key) for key in api.OPTIONS if key != name}
    choices = api.OPTIONS[name].choices
    return _once(context, "choice refusals", [name, answers], lambda: {c: _refusal(context, name, c) for c in choices})


@pass_context
def refused_choices(context: Context, name: str) -> str:
    """The end of a select question's help: each refused choice with why, whole. The prompt shows a
    refused choice disabled, its reason cut at the terminal's edge."""
    if not _at_prompt(context, name):
        return ""
    refused = [f"{choice}: {why}" for choice, why in _choice_refusals(context, name).items() if why]
    return api.wrap_help("\nRefused by the answers so far:\n" + "\n".join(f"  {line}" for line in refused)) if refused else ""


def _choice(value: str, refusal: str, is_default: bool) -> Any:
    """One choice of a select or checkbox prompt: a refused one is disabled, with why. copier checks
    the default against the choices before the prompt, and a disabled default would stop it with a
    traceback: a refused default stays selectable, its title saying why (the last question refuses it)."""
    if not refusal:
        return value
    if is_default:
        return [f"{value} (refused: {refusal})", value]
    return [value, {"value": value, "validator": refusal}]


@pass_context
def bindings_json(context: Context) -> str:
    """The option values mix_systemd's bindings would hold, for the EEx templates."""
    return json.dumps(api.export_bindings(unit(context)), indent=2, sort_keys=True)


@pass_context
def carry_plan(context: Context) -> str:
    """For copier.yml's task: the files the new answers rename, with what tasks/carry_edits.py needs
    to carry their edits over, as JSON; "" when nothing is to carry."""
    conf = _conf(context)
    previous = _previous(context)
    if not isinstance(conf, Mapping) or previous is None:
        return ""
    plan = api.carry_plan(Path(str(conf["dst_path"])), _committed(context), previous, unit(context))
    return json.dumps({**plan, "conflict": str(conf["conflict"])}) if plan else ""


def _from_string_by_shape(environment: Environment) -> Callable[..., Template]:
    """Environment.from_string, compiling each shape of source once (template_shapes.py),
    and making each source's Template once.

    copier renders each question's type, default, ask, when and validator, and
    each file name, with `from_string`, which compiles anew every time, at each
    prompt: the question values that differ only in their literals share one
    compiled template. A Template keeps no state between renders, so one made
    from the same source (with no globals of the caller's own) serves again.
    """
    from_string = environment.from_string
    compiled: dict[str, Any] = {}
    made: dict[str, Template] = {}

    def from_string_by_shape(source: Any, globals: Any = None, template_class: Any = None) -> Template:
        if not isinstance(source, str) or globals is not None or template_class is not None:
            return from_string(source, globals, template_class)  # e.g. a boolean `when:`: a TypeError copier expects
        if source not in made:
            shape, literals = api.shape(source)
            if shape not in compiled:
                try:
                    compiled[shape] = environment.compile(shape)
                except TemplateSyntaxError:  # a shape Jinja does not read as its source: the source itself
                    shape, literals = source, ()
                    compiled[shape] = environment.compile(shape)
            bound = environment.make_globals({api.LITERALS: literals} if literals else None)
            made[source] = environment.template_class.from_code(environment, compiled[shape], bound, None)
        return made[source]

    return from_string_by_shape


def _keep_collections_short() -> None:
    """Leave what is alive now (copier, its libraries, this package) out of later garbage collections.

    copier makes a prompt_toolkit application for every question; the cycles of the
    earlier ones are freed by full collections, which scan the whole heap and fell,
    90-115 ms long, between an Enter and the next prompt. Frozen (gc.freeze, for
    long-lived objects), the longest wait after Enter on the advanced walk went from
    0.12-0.17 s to 0.07-0.10 s (benchmarks/README.md).
    """
    gc.freeze()


class SystemdUnitExtension(Extension):
    def __init__(self, environment: Environment) -> None:
        super().__init__(environment)
        _keep_collections_short()
        environment.from_string = _from_string_by_shape(environment)  # type: ignore[method-assign]
        environment.globals.update(
            lifecycle_message=lifecycle_message,
            install_script_view=install_script_view,
            package_view=package_view,
            imported=imported,
            asked=asked,
            import_problem=import_problem,
            asked_for_problem=asked_for_problem,
            mix_app_name=mix_app_name,
            unit=unit,
            manifest=manifest,
            carry_plan=carry_plan,
            validate_all=validate_all,
            bindings_json=bindings_json,
            eex_constants=api.eex_constants,
            elixir_term=api.elixir_term,
            check_option=check_option,
            answer_type=answer_type,
            picked=picked,
            choices_for=choices_for,
            default_of=default_of,
            as_recorded=as_recorded,
            record_earlier_answers=record_earlier_answers,
            refused_choices=refused_choices,
        )
