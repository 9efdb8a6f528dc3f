"""Validators: one per option kind, each returning "" or a message naming what is allowed.

``check(name, value)`` validates one answer as copier's `validator:` does;
``check_all(answers)`` validates the whole set, including cross-option rules,
before anything is rendered.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable, Collection, Mapping
from typing import Any

from .hardening import directive_names
from .options import CONFIG_STRATEGIES, DIR_NAMES, OPTIONS, is_unset
from .sockets import check_listen_sockets

APP_NAME = re.compile(r"[a-z][a-z0-9_]*")
MODULE_NAME = re.compile(r"[A-Z][A-Za-z0-9_]*(\.[A-Z][A-Za-z0-9_]*)*")
EXT_NAME = re.compile(r"[a-z0-9][a-z0-9_.-]*")
UNIT_NAME = re.compile(r"[A-Za-z0-9_.:-]{1,240}")
TARGET_UNIT = re.compile(r"[A-Za-z0-9_.:@\\-]+\.(service|socket|target|device|mount|automount|swap|path|timer|slice|scope)")
USER_NAME = re.compile(r"[a-z_][a-z0-9_-]{0,30}")
IDENTIFIER = re.compile(r"[A-Za-z0-9_.@-]{1,64}")
WORD = re.compile(r"[A-Za-z0-9_.-]+")
MODE = re.compile(r"0?[0-7]{3}")
TIMESPAN = re.compile(r"(\d+(\.\d+)?\s*(us|ms|s|sec|seconds?|m|min|minutes?|h|hr|hours?|d|days?)?\s*)+|infinity")
ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
CONTROL = re.compile(r"[\x00-\x1f\x7f]")
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


def _abspath(value: Any) -> str:
    if not isinstance(value, str) or not value.startswith("/"):
        return f"must be an absolute path (starting with /), not {value!r}"
    if posixpath.normpath(value) != value or value.startswith("//"):
        return f"must be a normalised absolute path (no //, /./, /../ or trailing /), not {value!r}"
    if any(c in value for c in " \"'\\%$"):
        return f"must not contain spaces, quotes, backslashes, % or $, not {value!r}"
    return ""


def _relpath(value: Any) -> str:
    if not isinstance(value, str) or not value or value.startswith("/"):
        return f"must be a relative path (no leading /), not {value!r}"
    if posixpath.normpath(value) != value or value.split("/")[0] == "..":
        return f"must be a normalised relative path (no //, ./, ../ or trailing /), not {value!r}"
    if any(c in value for c in " \"'\\%$"):
        return f"must not contain spaces, quotes, backslashes, % or $, not {value!r}"
    return ""


def _integer(low: int, high: int, extra: tuple[str, ...] = ()) -> Validator:
    def check(value: Any) -> str:
        if isinstance(value, str) and value in extra:
            return ""
        text = str(value).strip() if not isinstance(value, bool) else ""
        if text.isdigit() and low <= int(text) <= high:
            return ""
        allowed = f"a whole number from {low} to {high}" + "".join(f" or {e!r}" for e in extra)
        return f"must be {allowed}, not {value!r}"

    return check


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


def _command(value: Any) -> str:
    if isinstance(value, list):
        return _items(lambda _: "", allow_parts=True)([value])
    if not isinstance(value, str) or not value.strip():
        return f"must be a command line or a list of parts, not {value!r}"
    return ""


def _env_var(item: Any) -> str:
    if not isinstance(item, str):
        return f"each item must be NAME=value or a list of parts, not {item!r}"
    name, sep, _ = item.partition("=")
    if not sep:
        return f"{item!r} must have the form NAME=value"
    if not ENV_NAME.fullmatch(name):
        return f"{name!r} is not a valid variable name (letters, digits and _, not starting with a digit)"
    return ""


def _path_item(item: Any) -> str:
    if not isinstance(item, str) or not item:
        return f"each item must be a path or a list of parts, not {item!r}"
    return ""


def _strategies(value: Any) -> str:
    allowed = ", ".join(CONFIG_STRATEGIES)
    if not isinstance(value, list):
        return f"must be a list drawn from {allowed}, not {value!r}"
    for item in value:
        if item not in CONFIG_STRATEGIES:
            return f"{item!r} is not a configuration strategy (pick from {allowed})"
    if len(set(value)) != len(value):
        return f"names a strategy twice: {value!r}"
    return ""


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


def _members(known: Callable[[], Collection[str]], not_a_list: str, not_a_member: str) -> Validator:
    """A list whose items must all be in known(); ``not_a_member`` may name {allowed}."""

    def check(value: Any) -> str:
        if not isinstance(value, list):
            return f"{not_a_list}, not {value!r}"
        allowed = known()
        for item in value:
            if item not in allowed:
                return f"{item!r} " + not_a_member.format(allowed=", ".join(sorted(allowed)))
        return ""

    return check


_dirs = _members(
    lambda: DIR_NAMES, f"must be a list drawn from {', '.join(DIR_NAMES)}", f"is not one of {', '.join(DIR_NAMES)}"
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


KIND_VALIDATORS: dict[str, Validator] = {
    "app_name": _matches(APP_NAME, "an Elixir app name (lower-case letters, digits and _, starting with a letter)"),
    "module_name": _matches(MODULE_NAME, "an Elixir module name such as FooBar"),
    "ext_name": _matches(EXT_NAME, "lower-case letters, digits, _, . and -"),
    "unit_name": _matches(UNIT_NAME, "a systemd unit name (letters, digits, _, ., : and -; no @)"),
    "user": _matches(
        USER_NAME,
        "a user or group name useradd accepts "
        "(lower-case letters, digits, _ and -, starting with a letter or _, at most 31 characters)",
    ),
    "identifier": _matches(IDENTIFIER, "a syslog identifier (letters, digits, _, ., @ and -)"),
    "word": _matches(WORD, "a single word (letters, digits, _, . and -)"),
    "text": lambda v: "" if isinstance(v, str) else f"must be text, not {v!r}",
    "abspath": _abspath,
    "relpath": _relpath,
    "mode": _matches(MODE, "an octal mode such as 750 or 0027 (digits 0-7)"),
    "version": _integer(200, 999),
    "limit": _integer(0, 2**63 - 1, ("infinity",)),
    "timespan": _matches(TIMESPAN, "a time span such as 5, 500ms, 2s or 1min"),
    "bool": _bool,
    "dirs": _dirs,
    "strategies": _strategies,
    "credential_names": _credential_names,
    "option_names": _option_names,
    "directive_names": _directive_names,
    "command": _command,
    "commands": _items(_command, allow_parts=True),
    "paths": _items(_path_item, allow_parts=True),
    "env_vars": _items(_env_var, allow_parts=True),
    "listen_sockets": check_listen_sockets,
    "unit_names": _items(_matches(TARGET_UNIT, "a unit name such as cloud-init.target"), allow_parts=False),
}


def check(name: str, value: Any) -> str:
    """Validate one answer; "" when it is fine, else a message naming the option."""
    if name not in OPTIONS:
        return f"{name}: not an option of this template"
    if is_unset(value) and name != "app_name":
        return ""
    option = OPTIONS[name]
    error = _control_chars(value)
    if not error:
        validator = _choice(name) if option.kind == "choice" else KIND_VALIDATORS[option.kind]
        error = validator(value)
    return f"{name}: {error}" if error else ""


def check_all(answers: Mapping[str, Any]) -> list[str]:
    """Every problem with a set of answers, each naming its option."""
    return [error for name in OPTIONS for error in [check(name, answers.get(name))] if error]
