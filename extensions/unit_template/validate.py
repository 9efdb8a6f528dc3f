"""Validators: one per option kind, each returning "" or a message naming what is allowed.

``check(name, value)`` validates one answer as copier's `validator:` does;
``check_all(answers)`` validates the whole set, including cross-option rules,
before anything is rendered.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Mapping, Sequence
from typing import Any

from . import systemd_syntax as syntax
from .hardening import directive_names
from .normalise import NotAsMeant, normalise
from .options import CONFIG_STRATEGIES, DIR_BASES, DIR_NAMES, OPTIONS, is_unset
from .sockets import check_listen_sockets
from .versions import EXEC_KINDS, NO_EXPANSION_PREFIX, NO_EXPANSION_SINCE

REFERENCE = re.compile(r":([a-z][a-z0-9_]*)")

APP_NAME = re.compile(r"[a-z][a-z0-9_]{0,63}")
MODULE_NAME = re.compile(r"[A-Z][A-Za-z0-9_]*(\.[A-Z][A-Za-z0-9_]*)*")
EXT_NAME = re.compile(r"[a-z0-9][a-z0-9_.-]{0,63}")
IDENTIFIER = re.compile(r"[A-Za-z0-9_.@-]{1,255}")
WORD = re.compile(r"[A-Za-z0-9_.-]{1,255}")
ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
NODE_NAME = re.compile(r"[A-Za-z0-9_-]{1,240}")
IPV4 = re.compile(r"((25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)")
CREDENTIAL_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}")

Validator = Callable[[Any], str]


def _strings_in(value: Any) -> list[str]:
    if isinstance(value, list):
        return [s for item in value for s in _strings_in(item)]
    return [value] if isinstance(value, str) else []


def _control_chars(value: Any) -> str:
    for text in _strings_in(value):
        if CONTROL.search(text):
            return "must not contain a newline or other control character"
    return ""


def _matches(pattern: re.Pattern[str], allowed: str) -> Validator:
    def check(value: Any) -> str:
        if isinstance(value, str) and pattern.fullmatch(value):
            return ""
        return f"must be {allowed}, not {value!r}"

    return check


def _text_check(rule: Callable[[str], str], what: str) -> Validator:
    """A checker of systemd_syntax applied to a string answer; the value is named in the message."""

    def check(value: Any) -> str:
        if not isinstance(value, str):
            return f"must be {what}, not {value!r}"
        error = rule(value)
        return f"{error}, not {_shown(value)}" if error else ""

    return check


_abspath = _text_check(syntax.path_error, "an absolute path")
_relpath = _text_check(syntax.relative_path_error, "a relative path")
_mode = _text_check(syntax.mode_error, "an octal mode")
_timespan = _text_check(syntax.timespan_error, "a time span")
_limit = _text_check(lambda v: syntax.limit_error(v, sizes=False), "a whole number")
_size_limit = _text_check(lambda v: syntax.limit_error(v, sizes=True), "a whole number")
_user = _text_check(syntax.user_name_error, "a user or group name")
_unit_name = _text_check(syntax.unit_prefix_error, "a systemd unit name")


def _version(value: Any) -> str:
    """After normalise.py: an int from ASCII digits; anything else was not one."""
    if isinstance(value, int) and not isinstance(value, bool) and 200 <= value <= 999:
        return ""
    return f"must be a whole number from 200 to 999 (ASCII digits), not {value!r}"


def _port(value: Any) -> str:
    """After normalise.py: an int from ASCII digits, a TCP port an unprivileged VM may bind."""
    if isinstance(value, int) and not isinstance(value, bool) and 1024 <= value <= 65535:
        return ""
    return f"must be a whole number from 1024 to 65535 (ASCII digits), not {value!r}"


def _is_reference(item: Any) -> bool:
    """`:name` stands for another option's value: checked once expanded."""
    return isinstance(item, str) and REFERENCE.fullmatch(item) is not None


def _is_list(value: Any) -> str:
    return "" if isinstance(value, list) else f"must be a list, not {value!r}"


def _items(item_check: Validator, allow_parts: bool) -> Validator:
    def check(value: Any) -> str:
        if not isinstance(value, list):
            return f"must be a list, not {value!r}"
        for item in value:
            if allow_parts and isinstance(item, list):
                if not all(isinstance(p, (str, int)) and not isinstance(p, bool) for p in item):
                    return f"each part of {item!r} must be a string or a number"
                continue
            error = item_check(item)
            if error:
                return error
        return ""

    return check


def _command_text(relative_ok: bool) -> Validator:
    """One command line, as systemd.service(5) reads it; a reference is checked once expanded."""

    def check(value: Any) -> str:
        if isinstance(value, list):
            return _items(lambda _: "", allow_parts=True)([value])
        if not isinstance(value, str):
            return f"must be a command line or a list of parts, not {_shown(value)}"
        if _is_reference(value):
            return ""
        error = syntax.command_error(value, relative_ok)
        return f"{_shown(value)} {error}" if error else ""

    return check


_command = _command_text(relative_ok=False)
_script = _command_text(relative_ok=True)


def _env_var(item: Any) -> str:
    if not isinstance(item, str):
        return f"each item must be NAME=value or a list of parts, not {_shown(item)}"
    if _is_reference(item):
        return ""
    name, sep, _ = item.partition("=")
    if not sep:
        return f"{_shown(item)} must have the form NAME=value"
    if not ENV_NAME.fullmatch(name):
        return f"{name!r} is not a valid variable name (letters, digits and _, not starting with a digit)"
    return ""


def _path_item(prefixes: tuple[str, ...]) -> Validator:
    """An item of a list of paths, after the prefixes its directive allows (systemd.exec(5))."""

    def check(item: Any) -> str:
        if not isinstance(item, str) or not item:
            return f"each item must be a path or a list of parts, not {_shown(item)}"
        if _is_reference(item):
            return ""
        error = syntax.prefixed_path_error(item, prefixes)
        return f"{_shown(item)} {error}" if error else ""

    return check


# EnvironmentFile=: "-" makes a file optional. ReadWritePaths= and friends: "-" ignores a
# missing path, "+" makes it relative to RootDirectory=, in that order (systemd drops "+-").
ENV_FILE_PREFIXES = ("", "-")
SANDBOX_PREFIXES = ("", "-", "+", "-+")


def _unit_item(item: Any) -> str:
    if not isinstance(item, str):
        return f"each item must be a unit name such as cloud-init.target, not {_shown(item)}"
    return syntax.unit_name_error(item)


def _shown(value: Any, limit: int = 80) -> str:
    """A value as the message shows it: its repr, shortened if long."""
    text = repr(value)
    return text if len(text) <= limit else f"{text[: limit - 20]}...({len(str(value))} characters)"


def _credential_names(value: Any) -> str:
    if not isinstance(value, list):
        return f"must be a list of credential names such as [db_password], not {value!r}"
    for item in value:
        if not isinstance(item, str) or not CREDENTIAL_NAME.fullmatch(item):
            return (
                f"{item!r} is not a credential name (a file name: letters, digits, _, . and -, "
                "not starting with . or -, at most 64 characters)"
            )
    if len(set(value)) != len(value):
        return f"names a credential twice: {value!r}"
    return ""


def _members(known: Callable[[], Collection[str]], not_a_list: str, not_a_member: str, twice: str = "") -> Validator:
    """A list whose items must all be in known(); ``not_a_member`` may name {allowed};
    with ``twice``, an item listed twice is refused with that message."""

    def check(value: Any) -> str:
        if not isinstance(value, list):
            return f"{not_a_list}, not {value!r}"
        allowed = known()
        for item in value:
            if item not in allowed:
                return f"{item!r} " + not_a_member.format(allowed=", ".join(sorted(allowed)))
        if twice and len(set(value)) != len(value):
            return f"{twice}: {value!r}"
        return ""

    return check


_dirs = _members(
    lambda: DIR_NAMES, f"must be a list drawn from {', '.join(DIR_NAMES)}", f"is not one of {', '.join(DIR_NAMES)}"
)
_strategies = _members(
    lambda: CONFIG_STRATEGIES,
    f"must be a list drawn from {', '.join(CONFIG_STRATEGIES)}",
    f"is not a configuration strategy (pick from {', '.join(CONFIG_STRATEGIES)})",
    twice="names a strategy twice",
)
_directive_names = _members(
    directive_names,
    "must be a list of hardening directives such as MemoryDenyWriteExecute",
    "is not a hardening directive of this template (one of: {allowed})",
)
_option_names = _members(lambda: OPTIONS, "must be a list of option names", "is not an option of this template")


def _bool(value: Any) -> str:
    return "" if isinstance(value, bool) else f"must be true or false, not {value!r}"


# Upstream values this template refuses, with what to use instead.
REFUSED_CHOICES = {
    ("restart_method", "touch"): (
        "touch is not supported (upstream it renders nothing, so only an app that watches the flag file "
        "itself restarts): use systemd_flag, whose path unit restarts the service when "
        "<flags_dir>/restart.flag changes, or systemctl"
    ),
}


def _choice(name: str) -> Validator:
    choices = OPTIONS[name].choices

    def check(value: Any) -> str:
        if (name, value) in REFUSED_CHOICES:
            return REFUSED_CHOICES[(name, value)]
        return "" if value in choices else f"must be one of {', '.join(choices)}, not {value!r}"

    return check


# One checker per kind of value; an Option's kind names one. Kind names are stable:
# other modules' options use them (add kinds, rename none). See docs/values.md.
KIND_VALIDATORS: dict[str, Validator] = {
    "app_name": _matches(APP_NAME, "an Elixir app name (lower-case letters, digits and _, starting with a letter, at most 64)"),
    "module_name": _matches(MODULE_NAME, "an Elixir module name such as FooBar"),
    "ext_name": _matches(EXT_NAME, "lower-case letters, digits, _, . and - (at most 64 characters)"),
    "unit_name": _unit_name,
    "user": _user,
    "identifier": _matches(IDENTIFIER, "a syslog identifier (letters, digits, _, ., @ and -, at most 255)"),
    "word": _matches(WORD, "a single word (letters, digits, _, . and -)"),
    "text": lambda v: "" if isinstance(v, str) else f"must be text, not {_shown(v)}",
    "abspath": _abspath,
    "relpath": _relpath,
    "mode": _mode,
    "version": _version,
    "port": _port,
    "node_name": _matches(NODE_NAME, "an Erlang node name before the @ (letters, digits, _ and -)"),
    "ipv4": _matches(IPV4, "an IPv4 address such as 10.0.0.5"),
    "limit": _limit,
    "size_limit": _size_limit,
    "timespan": _timespan,
    "bool": _bool,
    "dirs": _dirs,
    "strategies": _strategies,
    "credential_names": _credential_names,
    "option_names": _option_names,
    "directive_names": _directive_names,
    "command": _command,
    "script": _script,
    "commands": _items(_command, allow_parts=True),
    "paths": _items(_path_item(ENV_FILE_PREFIXES), allow_parts=True),
    "sandbox_paths": _items(_path_item(SANDBOX_PREFIXES), allow_parts=True),
    "env_vars": _items(_env_var, allow_parts=True),
    "listen_sockets": check_listen_sockets,
    "unit_names": _items(_unit_item, allow_parts=False),
}


# The accounts shared by unrelated services (systemd warns "Special user nobody configured,
# this is not safe!"): the app's files and rights would be theirs too.
SHARED_ACCOUNTS = {"app_user": ("nobody",), "app_group": ("nobody", "nogroup"), "deploy_user": ("nobody",)}


def _shared_account(name: str, value: Any) -> str:
    if value not in SHARED_ACCOUNTS.get(name, ()):
        return ""
    return (
        f"{value} is shared by unrelated services (systemd warns it is not safe): whatever runs as it could read "
        "and change the app's files; the app needs an account of its own (the default is named after ext_name)"
    )


def _whole_quoted_command(name: str, value: Any) -> str:
    """A command typed in quotes as a whole (to keep `!` from the shell): systemd would read
    all of it as the program's name. Say how to type it instead."""
    if OPTIONS[name].kind not in EXEC_KINDS or not isinstance(value, str):
        return ""
    inner = syntax.whole_quoted_command(value)
    if inner is None:
        return ""
    return (
        f"{_shown(value)} is one quoted word, so systemd would run a program named {inner!r}, spaces and all: "
        "drop the outer quotes to give a command and its arguments (with --data, quote the whole argument "
        f"for the shell instead: '{name}={inner}')"
    )


def value_error(name: str, value: Any) -> str:
    """What is wrong with an option's value (already normalised), "" if nothing."""
    option = OPTIONS[name]
    error = _control_chars(value) or _whole_quoted_command(name, value)
    if not error:
        validator = _choice(name) if option.kind == "choice" else KIND_VALIDATORS[option.kind]
        error = validator(value) or _shared_account(name, value)
    return error


def check(name: str, value: Any) -> str:
    """Validate one answer as given; "" when it is fine, else a message naming the option."""
    if name not in OPTIONS:
        return f"{name}: not an option of this template"
    try:
        value = normalise(OPTIONS[name], value)
    except NotAsMeant as problem:
        return f"{name}: {problem}"
    if is_unset(value) and name != "app_name":
        return ""
    error = value_error(name, value)
    return f"{name}: {error}" if error else ""


def check_all(answers: Mapping[str, Any]) -> list[str]:
    """Every problem with a set of answers, each naming its option."""
    return [error for name in OPTIONS for error in [check(name, answers.get(name))] if error]


def default_reason(name: str, value: Any) -> str:
    """What is wrong with a computed default, as a value of option `name`, "" if nothing."""
    try:
        value = normalise(OPTIONS[name], value)
    except NotAsMeant as problem:
        return str(problem)
    return "" if is_unset(value) else value_error(name, value)


def derived_errors(
    values: Mapping[str, Any], answers: Mapping[str, Any], sources: Mapping[str, list[str]] | None = None
) -> list[str]:
    """Each value not answered but computed from other answers (app_user from ext_name...),
    checked as if it had been typed, with a message naming the answers it came from (``sources``)."""
    errors = []
    for name, option in OPTIONS.items():
        answer = answers.get(name)
        if not is_unset(answer) or (answer == "" and option.empty_is_value):
            continue
        error = default_error(name, values[name], [(s, values[s]) for s in (sources or {}).get(name, [])])
        if error:
            errors.append(error)
    return errors


def default_error(name: str, default: Any, sources: Sequence[tuple[str, Any]] = ()) -> str:
    """An option left empty: the default it stands for, checked as if typed, naming the answers it is
    computed from (``sources``: (option, value) pairs)."""
    error = default_reason(name, default)
    if not error:
        return ""
    if not sources:
        return (
            f"{name}: its default {_shown(default)}, computed from the other answers, {error}: "
            f"give {name} an answer, or change the answer it is computed from"
        )
    given = " and ".join(f"{source} {_shown(value)}" for source, value in sources)
    names = " or ".join(source for source, _ in sources)
    return f"{name}: its default {_shown(default)}, computed from {given}, {error}: give {name} an answer, or change {names}"


def unit_suffix(values: Mapping[str, Any]) -> str:
    """The longest suffix any rendered unit adds to service_name."""
    suffixes = [".service"]
    if values["runtime_environment_service_script"]:
        suffixes.append("-runtime-environment.service")
    if values["restart_method"] == "systemd_flag":
        suffixes.append("-restart.service")
    return max(suffixes, key=len)


def unit_name_errors(values: Mapping[str, Any]) -> list[str]:
    """service_name with every suffix the template gives it: a unit name systemd accepts."""
    error = syntax.unit_prefix_error(values["service_name"], unit_suffix(values))
    return [f"service_name: {_shown(values['service_name'])} {error}"] if error else []


# Per kind: the checker of one expanded item (a string), for the values after `:name` references.
EXPANDED_ITEM_CHECKS: dict[str, Callable[[str], str]] = {
    "command": syntax.command_error,
    "commands": syntax.command_error,
    "script": lambda text: syntax.command_error(text, relative_ok=True),
    "paths": lambda text: syntax.prefixed_path_error(text, ENV_FILE_PREFIXES),
    "sandbox_paths": lambda text: syntax.prefixed_path_error(text, SANDBOX_PREFIXES),
}


# systemd.service(5) prefixes newer than systemd's oldest versions (reference/systemd-versions.md;
# `:` from systemd's NEWS, "CHANGES WITH 242").
EXEC_PREFIX_SINCE = {"+": 231, "!": 235, NO_EXPANSION_PREFIX: NO_EXPANSION_SINCE}


def prefix_version_error(text: str, version: int) -> str:
    """A prefix the oldest systemd in use (systemd_version) does not know: it would refuse the line."""
    words = syntax.command_words(text)
    prefixes, _ = syntax.split_prefixes(words[0])
    for prefix, since in EXEC_PREFIX_SINCE.items():
        if prefix in prefixes and version < since:
            return f"has the prefix {prefix}, which systemd knows since version {since}; systemd_version is {version}"
    return ""


def expanded_errors(values: Mapping[str, Any]) -> list[str]:
    """Commands and paths once references are expanded: what systemd will read."""
    errors = []
    for name, option in OPTIONS.items():
        rule = EXPANDED_ITEM_CHECKS.get(option.kind)
        value = values[name]
        if rule is None or value is None or value == "":
            continue
        for item in value if isinstance(value, list) else [value]:
            error = _control_chars(item) or rule(str(item))
            if not error and option.kind in EXEC_KINDS:
                error = prefix_version_error(str(item), values["systemd_version"])
            if error:
                errors.append(f"{name}: after expansion {_shown(item)} {error}")
                break
    return errors


# Directories of the system itself: a tmpfiles.d `d` line or *Directory= would take them over for the app.
SYSTEM_DIRS = frozenset(
    {"/", "/bin", "/boot", "/dev", "/etc", "/home", "/lib", "/lib64", "/media", "/mnt", "/opt", "/proc", "/root"}
    | {"/run", "/sbin", "/srv", "/sys", "/tmp", "/usr", "/usr/local", "/var", "/var/tmp", *DIR_BASES.values()}
)


def system_dir_errors(values: Mapping[str, Any], names: Collection[str]) -> list[str]:
    """Each dir the app gets (created, owned and moded for it) is its own, not one of the system's."""
    return [
        f"{name}: {values[name]} is a directory of the system, which would be given to the app's user: "
        f"use a directory of the app's own below it (such as {values[name].rstrip('/')}/{values['ext_name']})"
        for name in names
        if values[name] in SYSTEM_DIRS
    ]
