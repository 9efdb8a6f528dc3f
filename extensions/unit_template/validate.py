"""Checks of the answers: each value by its kind (kinds.KINDS), then the whole set.

``check(name, value)`` validates one answer as copier's `validator:` does;
``check_all(answers)`` each answer of a set on its own. The rest are checks of
the whole set, each returning ``list[Problem]``: the check step (checks.py)
runs them, in its order, on the values each one reads.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Any

from . import systemd_syntax as syntax
from .distribution import user_variable
from .kinds import KINDS, Validator, _abspath, _control_chars, _env_var, _members, _shown
from .normalise import NotAsMeant, normalise
from .options import DIR_BASES, OPTIONS, is_unset
from .problems import Problem
from .versions import EXEC_PREFIX_SINCE, SINCE

_option_names = _members(lambda: OPTIONS, "must be a list of option names", "is not an option of this template")


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


# The accounts shared by unrelated services (systemd warns "Special user nobody configured,
# this is not safe!"): the app's files and rights would be theirs too. root is refused for these too.
SHARED_ACCOUNTS = {"app_user": ("nobody",), "app_group": ("nobody", "nogroup"), "deploy_user": ("nobody",)}


def _refused_account(name: str, value: Any) -> str:
    if name in SHARED_ACCOUNTS and value == "root":
        if name == "deploy_user":
            return "root restarts the service already: leave deploy_user empty, or name the user who deploys"
        return (
            "root has every right on the server, which no hardening directive takes back: a flaw in the app would be "
            "the server's; the app needs an account of its own (the default is named after ext_name)"
        )
    if value not in SHARED_ACCOUNTS.get(name, ()):
        return ""
    return (
        f"{value} is shared by unrelated services (systemd warns it is not safe): whatever runs as it could read "
        "and change the app's files; the app needs an account of its own (the default is named after ext_name)"
    )


def _whole_quoted_command(name: str, value: Any) -> str:
    """A command typed in quotes as a whole (to keep `!` from the shell): systemd would read
    all of it as the program's name. Say how to type it instead."""
    if not KINDS[OPTIONS[name].kind].command or not isinstance(value, str):
        return ""
    inner = syntax.whole_quoted_command(value)
    if inner is None:
        return ""
    return (
        f"{_shown(value)} is one quoted word, so systemd would run a program named {inner!r}, spaces and all: "
        "drop the outer quotes to give a command and its arguments (with --data, quote the whole argument "
        f"for the shell instead: '{name}={inner}')"
    )


def _pointless_value(name: str, value: Any) -> str:
    """A value its kind allows that cannot do what the option is for."""
    text = "" if is_unset(value) else str(value)
    if name == "limit_nofile" and text.split(":")[0] == "0":
        return "0 lets the VM open no file at all, so it could not start: give how many it may open (65535 by default)"
    watchdog_span = name == "watchdog_sec" and text and not syntax.timespan_error(text)
    if watchdog_span and syntax.timespan_usec(text) in (0, syntax.USEC_INFINITY):
        return f"{text} sets no watchdog: leave watchdog_sec empty for none, or give the time within which the app pings"
    return ""


# The kinds whose allowed values are another table's: the option's choices, the options.
TABLE_CHECKS = {"choice": _choice, "option_names": lambda _: _option_names}


def kind_check(name: str) -> Validator:
    """The check of option `name`'s values: its kind's (kinds.KINDS), or one against its table."""
    kind = OPTIONS[name].kind
    check = KINDS[kind].check
    return check if check is not None else TABLE_CHECKS[kind](name)


def value_error(name: str, value: Any) -> str:
    """What is wrong with an option's value (already normalised), "" if nothing."""
    error = _control_chars(value) or _whole_quoted_command(name, value)
    if not error:
        validator = kind_check(name)
        error = validator(value) or _refused_account(name, value) or _pointless_value(name, value)
    return error


def answer_problem(name: str, value: Any) -> Problem | None:
    """What is wrong with one answer as given, or None."""
    if name not in OPTIONS:
        return Problem(name, "not an option of this template")
    try:
        value = normalise(OPTIONS[name], value)
    except NotAsMeant as problem:
        return Problem(name, str(problem))
    if is_unset(value) and name != "app_name":
        return None
    error = value_error(name, value)
    return Problem(name, error) if error else None


def answers_problems(answers: Mapping[str, Any]) -> list[Problem]:
    """Every problem with a set of answers, each answer checked on its own."""
    return [problem for name in OPTIONS for problem in [answer_problem(name, answers.get(name))] if problem]


def check(name: str, value: Any) -> str:
    """Validate one answer as given, as copier's validator shows it: "" when it is fine, else "option: message"."""
    problem = answer_problem(name, value)
    return str(problem) if problem else ""


def check_all(answers: Mapping[str, Any]) -> list[str]:
    """Every problem with the answers of a set, each on its own, shown as "option: message"
    (the whole set's problems: checks.problems)."""
    return [str(problem) for problem in answers_problems(answers)]


def default_reason(name: str, value: Any) -> str:
    """What is wrong with a computed default, as a value of option `name`, "" if nothing."""
    try:
        value = normalise(OPTIONS[name], value)
    except NotAsMeant as problem:
        return str(problem)
    return "" if is_unset(value) else value_error(name, value)


def derived_problems(
    values: Mapping[str, Any], answers: Mapping[str, Any], sources: Mapping[str, list[str]] | None = None
) -> list[Problem]:
    """Each value not answered but computed from other answers (app_user from ext_name...),
    checked as if it had been typed, naming the answers it came from (``sources``)."""
    problems = []
    for name, option in OPTIONS.items():
        answer = answers.get(name)
        if not is_unset(answer) or (answer == "" and option.empty_is_value):
            continue
        problem = default_problem(name, values[name], [(s, values[s]) for s in (sources or {}).get(name, [])])
        if problem:
            problems.append(problem)
    return problems


def default_problem(name: str, default: Any, sources: Sequence[tuple[str, Any]] = ()) -> Problem | None:
    """An option left empty: the default it stands for, checked as if typed, naming the answers it is
    computed from (``sources``: (option, value) pairs)."""
    error = default_reason(name, default)
    if not error:
        return None
    names = tuple(source for source, _ in sources)
    if not sources:
        return Problem(
            name,
            f"its default {_shown(default)}, computed from the other answers, {error}: "
            f"give {name} an answer, or change the answer it is computed from",
        )
    given = " and ".join(f"{source} {_shown(value)}" for source, value in sources)
    message = f"its default {_shown(default)}, computed from {given}, {error}: give {name} an answer, or change "
    return Problem(name, message + " or ".join(names), names)


def unit_suffix(values: Mapping[str, Any]) -> str:
    """The longest suffix any rendered unit adds to service_name."""
    suffixes = [".service"]
    if values["runtime_environment_service_script"]:
        suffixes.append("-runtime-environment.service")
    if values["restart_method"] == "systemd_flag":
        suffixes.append("-restart.service")
    return max(suffixes, key=len)


def unit_name_problems(values: Mapping[str, Any]) -> list[Problem]:
    """service_name with every suffix the template gives it: a unit name systemd accepts."""
    error = syntax.unit_prefix_error(values["service_name"], unit_suffix(values))
    return [Problem("service_name", f"{_shown(values['service_name'])} {error}")] if error else []


def prefix_version_error(text: str, version: int) -> str:
    """A prefix the oldest systemd in use (systemd_version) does not know: it would refuse the line."""
    words = syntax.command_words(text)
    prefixes, _ = syntax.split_prefixes(words[0])
    for prefix, since in EXEC_PREFIX_SINCE.items():
        if prefix in prefixes and version < since:
            return f"has the prefix {prefix}, which systemd knows since version {since}; systemd_version is {version}"
    return ""


def expanded_problems(values: Mapping[str, Any]) -> list[Problem]:
    """Commands and paths once references are expanded: what systemd will read."""
    problems = []
    for name, option in OPTIONS.items():
        kind = KINDS[option.kind]
        rule = kind.expanded
        value = values[name]
        if rule is None or value is None or value == "":
            continue
        for item in value if isinstance(value, list) else [value]:
            error = _control_chars(item) or rule(str(item))
            if not error and kind.command:
                error = prefix_version_error(str(item), values["systemd_version"])
            if error:
                problems.append(Problem(name, f"after expansion {_shown(item)} {error}"))
                break
    return problems


# Directories of the system itself: a tmpfiles.d `d` line or *Directory= would take them over for the app.
SYSTEM_DIRS = frozenset(
    {"/", "/bin", "/boot", "/dev", "/etc", "/home", "/lib", "/lib64", "/media", "/mnt", "/opt", "/proc", "/root"}
    | {"/run", "/sbin", "/srv", "/sys", "/tmp", "/usr", "/usr/local", "/var", "/var/tmp", *DIR_BASES.values()}
)


# Names systemd and the distributions' base packages keep under those bases (not every one: the
# common ones): a dir of that name would be handed to the app's user, and a RuntimeDirectory=
# removed when the service stops (/run/systemd, /var/lib/apt, /var/log/journal...).
SYSTEM_NAMES = frozenset(
    {"systemd", "journal", "private", "user", "lock", "log", "udev", "dbus", "shm", "mount", "credentials"}
    | {"apt", "dpkg", "ucf", "rpm", "dnf", "yum", "alternatives", "initramfs-tools", "misc", "pam", "polkit-1"}
    | {"sudo", "ssh", "sshd", "machines", "portables", "cloud", "NetworkManager", "dhcp", "selinux", "security"}
    | {"default", "network", "netplan", "ldconfig", "snapd", "containers", "sysctl.d", "tmpfiles.d", "sysusers.d"}
)


def _system_name(path: str) -> tuple[str, str]:
    """(base, name) when a path is, or is below, one of the system's own names under a base of the
    app's dirs; else ("", "")."""
    for base in DIR_BASES.values():
        first = path.removeprefix(base + "/").split("/")[0] if path.startswith(base + "/") else ""
        if first in SYSTEM_NAMES:
            return base, first
    return "", ""


def system_dir_problem(name: str, values: Mapping[str, Any], given_to_app: bool = True) -> Problem | None:
    path = values[name]
    if path in SYSTEM_DIRS:
        own = f"{path.rstrip('/')}/{values['ext_name']}"
        message = f"{path} is a directory of the system, which would be given to the app's user: "
        return Problem(name, message + f"use a directory of the app's own below it (such as {own})")
    base, system = _system_name(path) if given_to_app else ("", "")
    if system:
        where = "is" if path == f"{base}/{system}" else f"is in {base}/{system},"
        message = f"{path} {where} the system's own, which would be given to the app's user: "
        return Problem(name, message + f"name the dir after the app instead (such as {base}/{values['ext_name']})")
    return None


def system_dir_problems(values: Mapping[str, Any], names: Collection[str], app_dirs: Collection[str] = ()) -> list[Problem]:
    """Each dir the app gets (created, owned and moded for it) is its own, not one of the system's;
    and `app_dirs`, which the app's user gets, are not below a name the system keeps (SYSTEM_NAMES)."""
    found = (system_dir_problem(name, values, name in app_dirs) for name in names)
    return [problem for problem in found if problem]


# Path options and the prefixes systemd allows before their absolute paths.
PATH_PREFIXES = {"env_files": "-", "read_write_paths": "-+", "read_only_paths": "-+", "inaccessible_paths": "-+"}


# Variables the unit sets from an option of its own: an env_vars entry for one would come after it and win, unsaid.
SET_BY_OPTION = {"MIX_ENV": "mix_env", "LANG": "env_lang"}


def own_variable_problems(values: Mapping[str, Any]) -> list[Problem]:
    """env_vars setting what another option sets (MIX_ENV, LANG when env_lang is given)."""
    found = []
    for variable, option in SET_BY_OPTION.items():
        if values[option] and user_variable(values["env_vars"], variable) is not None:
            message = f"sets {variable}, which {option} sets ({values[option]}): give it as {option} instead"
            found.append(Problem("env_vars", message))
    return found


def env_var_problems(values: Mapping[str, Any]) -> list[Problem]:
    """Environment= entries once expanded, with the distribution's and the strategies' added."""
    return [Problem("env_vars", f"after expansion {error}") for error in map(_env_var, values["env_vars"]) if error]


def daemon_start_problems(values: Mapping[str, Any]) -> list[Problem]:
    """`daemon` detaches from the shell that would record its PID: systemd could not track the VM."""
    if values["release_system"] == "mix" and values["start_command"] == "daemon":
        return [
            Problem(
                "start_command",
                "daemon is not supported: Elixir's daemon mode writes no PID file, so systemd cannot track the VM; "
                "leave start_command empty (start) and use service_type forking, simple, exec or notify",
            )
        ]
    return []


def path_problems(values: Mapping[str, Any]) -> list[Problem]:
    """After expansion every path must be absolute and normalised, or systemd ignores it."""
    return [
        Problem(option, f"after expansion {error}")
        for option, prefixes in PATH_PREFIXES.items()
        for error in (_abspath(item.lstrip(prefixes)) for item in values[option])
        if error
    ]


def service_type_problems(values: Mapping[str, Any]) -> list[Problem]:
    if values["service_type"] == "exec" and values["systemd_version"] < SINCE["Type=exec"]:
        return [
            Problem(
                "service_type",
                f"exec needs systemd_version {SINCE['Type=exec']} or later, not {values['systemd_version']}: "
                "use simple, or raise systemd_version",
            )
        ]
    return []


def chroot_problems(values: Mapping[str, Any]) -> list[Problem]:
    """RootDirectory= at the release itself (root_directory's default): no /bin/sh, no shared
    libraries, and the start command's path is looked up inside it: the start always fails (226/NAMESPACE)."""
    if not values["chroot"] or values["root_directory"] != values["current_dir"]:
        return []
    return [
        Problem(
            "chroot",
            f"RootDirectory={values['root_directory']} would run the release inside its own directory, which has no "
            "/bin/sh nor the libraries the VM links to: the service could never start; set root_directory to a "
            f"self-contained root (/bin/sh, the shared libraries, the release at <root_directory>{values['current_dir']}), "
            "or leave chroot off",
        )
    ]
