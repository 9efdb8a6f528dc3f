"""Kinds of values: the one table of how an answer of each kind is read, checked, expanded and quoted.

An Option's ``kind`` names a row of KINDS. A row says:

- ``reads``: how an answer is read back as what was meant (normalise.py):
  ``text`` as given; ``bool``; ``integer`` (ASCII digits are the number the
  code compares); ``number`` (a YAML number is its digits); ``mode`` (a YAML
  number is refused: 0640 unquoted is 416); ``names`` (a string is a list
  typed ``a, b``); ``addresses`` (as ``names``, and a YAML number in the
  list is the port it was typed as); ``item`` (a string is one item of a
  list); ``env_vars`` (a string is split where a new entry starts);
- ``check``: the validator of one value ("" or what is allowed); None for the
  two kinds whose allowed values are another table's (``choice``: the
  option's choices; ``option_names``: the options), checked in validate.py;
- ``is_list``: a list of items: expanded item by item, and a `:name`
  reference to it stands for its items joined by spaces;
- ``expands``: may hold `:name` references, expanded when the option is in
  expand_keys (otherwise its parts are joined literally);
- ``command``: a command line systemd reads: a referenced value's `$` is
  escaped, its prefixes need systemd versions, a whole-quoted line is refused;
- ``expanded``: the check of each item once references are expanded;
- ``syntax``: how to type it, for the question's help (questions.py).

Kind names are stable: other modules' options use them (add kinds, rename none).
See docs/values.md.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Any

from . import systemd_syntax as syntax
from .hardening import directive_names
from .sockets import check_listen_sockets

DIR_NAMES = ("runtime", "configuration", "state", "cache", "logs", "tmp")
CONFIG_STRATEGIES = ("environment_file", "s3_sync", "ssm", "cloud_init", "credentials")
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


def _whole_number(least: int, most: int | None = None) -> Validator:
    """After normalise.py: an int from ASCII digits (anything else was not one), within the bounds."""
    allowed = f"from {least} to {most} (ASCII digits)" if most is not None else f"of at least {least}"

    def check(value: Any) -> str:
        number = isinstance(value, int) and not isinstance(value, bool)
        if number and value >= least and (most is None or value <= most):
            return ""
        return f"must be a whole number {allowed}, not {value!r}"

    return check


def _is_reference(item: Any) -> bool:
    """`:name` stands for another option's value: checked once expanded."""
    return isinstance(item, str) and REFERENCE.fullmatch(item) is not None


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
    repeated = _repeated(value)
    return f"names the credential {repeated!r} twice" if repeated else ""


def _repeated(items: list[Any]) -> Any:
    """The first item listed more than once, or None."""
    return next((item for index, item in enumerate(items) if item in items[:index]), None)


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
        repeated = _repeated(value) if twice else None
        return f"{twice}: {repeated!r}" if repeated is not None else ""

    return check


_dirs = _members(
    lambda: DIR_NAMES, f"must be a list drawn from {', '.join(DIR_NAMES)}", f"is not one of {', '.join(DIR_NAMES)}"
)
_strategies = _members(
    lambda: CONFIG_STRATEGIES,
    f"must be a list drawn from {', '.join(CONFIG_STRATEGIES)}",
    f"is not a configuration strategy (pick from {', '.join(CONFIG_STRATEGIES)})",
    twice="names a strategy twice",  # the repeated name follows
)
_directive_names = _members(
    directive_names,
    "must be a list of hardening directives such as MemoryDenyWriteExecute",
    "is not a hardening directive of this template (one of: {allowed})",
)


def _bool(value: Any) -> str:
    return "" if isinstance(value, bool) else f"must be true or false, not {value!r}"


def _script_item(text: str) -> str:
    return syntax.command_error(text, relative_ok=True)


def _env_file_item(text: str) -> str:
    return syntax.prefixed_path_error(text, ENV_FILE_PREFIXES)


def _sandbox_item(text: str) -> str:
    return syntax.prefixed_path_error(text, SANDBOX_PREFIXES)


@dataclass(frozen=True)
class Kind:
    check: Validator | None
    reads: str = "text"
    is_list: bool = False
    expands: bool = False
    command: bool = False
    expanded: Callable[[str], str] | None = None
    syntax: str = ""
    # The prompt starts empty and says the default: copier shows a YAML number default as "65535\n...".
    starts_empty: bool = False


KINDS: dict[str, Kind] = {
    "app_name": Kind(
        _matches(APP_NAME, "an Elixir app name (lower-case letters, digits and _, starting with a letter, at most 64)")
    ),
    "module_name": Kind(_matches(MODULE_NAME, "an Elixir module name such as FooBar")),
    "ext_name": Kind(_matches(EXT_NAME, "lower-case letters, digits, _, . and - (at most 64 characters)")),
    "unit_name": Kind(_unit_name),
    "user": Kind(_user),
    "identifier": Kind(_matches(IDENTIFIER, "a syslog identifier (letters, digits, _, ., @ and -, at most 255)")),
    "word": Kind(_matches(WORD, "a single word (letters, digits, _, . and -)")),
    "text": Kind(lambda v: "" if isinstance(v, str) else f"must be text, not {_shown(v)}"),
    "abspath": Kind(_abspath),
    "relpath": Kind(_relpath),
    "mode": Kind(_mode, reads="mode", syntax="octal, e.g. 750"),
    "version": Kind(_whole_number(200, 999), reads="integer", syntax="a number, e.g. 252", starts_empty=True),
    "port": Kind(_whole_number(1024, 65535), reads="integer"),  # a TCP port an unprivileged VM may bind
    "count": Kind(_whole_number(1), reads="integer", syntax="a whole number of at least 1, e.g. 5"),
    "node_name": Kind(_matches(NODE_NAME, "an Erlang node name before the @ (letters, digits, _ and -)")),
    "ipv4": Kind(_matches(IPV4, "an IPv4 address such as 10.0.0.5")),
    "limit": Kind(_limit, reads="number", syntax="a number or infinity, e.g. 65535", starts_empty=True),
    "size_limit": Kind(_size_limit, reads="number"),
    "timespan": Kind(_timespan, reads="number", syntax="a time span, e.g. 5s, 500ms or 1min"),
    "bool": Kind(_bool, reads="bool"),
    "choice": Kind(None),
    "dirs": Kind(
        _dirs,
        reads="names",
        is_list=True,
        syntax="names separated by commas, e.g. state, logs (or a YAML list, [state, logs])",
    ),
    "strategies": Kind(
        _strategies,
        reads="names",
        is_list=True,
        syntax="names separated by commas, e.g. environment_file, credentials (or a YAML list; [] for none)",
    ),
    "credential_names": Kind(
        _credential_names, reads="names", is_list=True, syntax="a YAML list, e.g. [db_password, secret_key_base]"
    ),
    "option_names": Kind(None, reads="names", is_list=True, syntax="a YAML list of option names, e.g. [exec_start_pre]"),
    "directive_names": Kind(
        _directive_names,
        reads="names",
        is_list=True,
        syntax='a YAML list, e.g. [MemoryDenyWriteExecute, "SystemCallFilter=~@resources"]',
    ),
    "command": Kind(
        _command,
        expands=True,
        command=True,
        expanded=syntax.command_error,
        syntax='a command line, e.g. /srv/foo/bin/prepare --check, or a list of parts, e.g. [":scripts_dir", "/prepare"]',
    ),
    "script": Kind(_script, expands=True, command=True, expanded=_script_item),
    "commands": Kind(
        _items(_command, allow_parts=True),
        reads="item",
        is_list=True,
        expands=True,
        command=True,
        expanded=syntax.command_error,
        syntax='a YAML list of commands, e.g. ["+/srv/foo/bin/sync-config", ["+", ":deploy_dir", "/bin/x"]]',
    ),
    "paths": Kind(
        _items(_path_item(ENV_FILE_PREFIXES), allow_parts=True),
        reads="item",
        is_list=True,
        expands=True,
        expanded=_env_file_item,
        syntax='a YAML list, e.g. [/etc/foo/env, ["-", ":configuration_dir", "/environment"]]',
    ),
    "sandbox_paths": Kind(
        _items(_path_item(SANDBOX_PREFIXES), allow_parts=True),
        reads="item",
        is_list=True,
        expands=True,
        expanded=_sandbox_item,
    ),
    "env_vars": Kind(
        _items(_env_var, allow_parts=True),
        reads="env_vars",
        is_list=True,
        expands=True,
        syntax='NAME=value entries separated by commas, e.g. PORT=4000, ["RELEASE_TMP=", ":runtime_dir"] '
        "(or a YAML list)",
    ),
    "listen_sockets": Kind(
        check_listen_sockets,
        reads="addresses",
        is_list=True,
        syntax='a YAML list of addresses, e.g. ["127.0.0.1:4000", "443"]',
    ),
    "unit_names": Kind(
        _items(_unit_item, allow_parts=False), reads="names", is_list=True, syntax="a YAML list, e.g. [cloud-init.target]"
    ),
}

