"""What the unit templates print: each value computed and escaped here, once.

``unit_view(answers)`` returns a plain dict; the Jinja templates only place
its entries, and ``export_bindings`` gives the EEx templates the same values.
It only computes, from answers the check step (checks.py) has found no problem
with: entry.checked_view gives the view or the problems.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from . import hardening
from .deploy import deploy_scripts, deploy_view
from .distribution import apply_distribution, distribution_additions, distribution_view
from .escape import environment, specifiers
from .install import install_script_path
from .lifecycle import lifecycle_view
from .options import DIR_BASES, DIR_NAMES
from .overlap import overlap_view
from .packaging import package_dir
from .resolve import resolve
from .sockets import socket_unit, socket_view
from .strategies import apply_strategies, rendered_scripts
from .system_files import system_files_view
from .versions import SINCE

DIRECTIVE = {
    "runtime": "RuntimeDirectory",
    "configuration": "ConfigurationDirectory",
    "state": "StateDirectory",
    "cache": "CacheDirectory",
    "logs": "LogsDirectory",
}
# systemd >= this version manages the directory itself (*Directory=).
DIRECTORY_SINCE = {name: SINCE[f"{directive}="] for name, directive in DIRECTIVE.items()}
BASE_AFTER = ["local-fs.target", "network.target"]
# Elixir's release script writes to RELEASE_TMP; the crash dump goes to ERL_CRASH_DUMP.
# A crash dump must outlive the restart that follows the crash: PrivateTmp's /tmp
# and /var/tmp do not, so under standard/strict the logs dir is added for it.
WRITABLE_FOR = {"RELEASE_TMP": ("runtime", "tmp", "cache"), "ERL_CRASH_DUMP": ("logs", "state")}
# forking + mix: `bin/<release> daemon` never writes a PID file, so the release's `start`
# (it execs down to beam) runs in the background of a shell that records its PID.
FORKING_START = '/bin/sh -c \'"$$@" & echo $$! >"$$PIDFILE"\' sh '


def variable_names(env_vars: list[str]) -> set[str]:
    return {item.partition("=")[0] for item in env_vars}


def crash_dump_needs_logs_dir(values: Mapping[str, Any]) -> bool:
    """Under standard/strict, with no persistent dir in `dirs`, ERL_CRASH_DUMP gets the logs dir."""
    return (
        values["hardening"] in hardening.HARDENED
        and values["systemd_version"] >= DIRECTORY_SINCE["logs"]
        and not set(WRITABLE_FOR["ERL_CRASH_DUMP"]) & set(values["dirs"])
        and "ERL_CRASH_DUMP" not in variable_names(values["env_vars"])
    )


def effective_dirs(values: Mapping[str, Any]) -> list[str]:
    """`dirs` in the canonical order, plus the runtime dir forking's PID file needs
    and the logs dir for crash dumps under standard/strict."""
    wanted = set(values["dirs"])
    if values["service_type"] == "forking" and values["pid_file"].startswith(values["runtime_dir"] + "/"):
        wanted.add("runtime")
    if crash_dump_needs_logs_dir(values):
        wanted.add("logs")
    return [name for name in DIR_NAMES if name in wanted]


def command_path(script: str, scripts_dir: str) -> str:
    """A script name without a path runs from scripts_dir."""
    prefix = len(script) - len(script.lstrip("-@:+!"))
    body = script[prefix:]
    return script if body.startswith("/") else f"{script[:prefix]}{scripts_dir}/{body}"


def exec_start(values: Mapping[str, Any]) -> str:
    if values["exec_start"]:
        return specifiers(values["exec_start"])
    wrap = values["exec_start_wrap"] or ""
    if wrap and not wrap.endswith(" "):
        wrap += " "
    release = f"{values['current_dir']}/bin/{values['release_name']}"
    command = f"{wrap}{release} {values['start_command']}"
    if values["service_type"] == "forking" and values["release_system"] == "mix":
        return specifiers(FORKING_START + command)
    return specifiers(command)


def dir_environment(values: Mapping[str, Any], dirs: list[str]) -> list[str]:
    return [f"{name.upper()}_DIR={values[f'{name}_dir']}" for name in dirs]


def automatic_environment(values: Mapping[str, Any], dirs: list[str], user_vars: list[str]) -> list[str]:
    """Under standard/strict, point RELEASE_TMP and ERL_CRASH_DUMP at writable dirs."""
    if values["hardening"] not in hardening.HARDENED:
        return []
    user_names = variable_names(user_vars)
    lines = []
    for name, candidates in WRITABLE_FOR.items():
        if name in user_names:
            continue
        usable = [d for d in candidates if d in dirs]
        # PrivateTmp gives the service its own writable /tmp.
        base = values[f"{usable[0]}_dir"] if usable else "/tmp"
        lines.append(f"{name}={base}" if name == "RELEASE_TMP" else f"{name}={base}/erl_crash.dump")
    return lines


def has_directive(values: Mapping[str, Any], name: str) -> bool:
    """Whether this systemd version has a *Directory= for the dir `name`."""
    return name in DIRECTIVE and values["systemd_version"] >= DIRECTORY_SINCE[name]


def managed_directory(values: Mapping[str, Any], name: str) -> str | None:
    """The *Directory= value that makes systemd create <name>_dir (its path below systemd's base
    for it), or None: no such directive, too old a systemd, or a path outside that base."""
    if not has_directive(values, name):
        return None
    path, base = values[f"{name}_dir"], DIR_BASES[name] + "/"
    return path.removeprefix(base) if path.startswith(base) else None


def directories(values: Mapping[str, Any], dirs: list[str]) -> list[tuple[str, str]]:
    """*Directory=, *DirectoryMode= (and RuntimeDirectoryPreserve=) lines systemd understands."""
    lines = []
    for name in dirs:
        directory = managed_directory(values, name)
        if directory is None:
            continue
        lines.append((DIRECTIVE[name], directory))
        lines.append((f"{DIRECTIVE[name]}Mode", values[f"{name}_directory_mode"]))
        if name == "runtime" and values["systemd_version"] >= SINCE["RuntimeDirectoryPreserve="]:
            lines.append(("RuntimeDirectoryPreserve", values["runtime_directory_preserve"]))
    return lines


def unmanaged_dirs(values: Mapping[str, Any], dirs: list[str]) -> list[str]:
    """Dirs in use that systemd does not create here: tmpfiles.d or ExecStartPre does."""
    return [n for n in dirs if managed_directory(values, n) is None]


def directory_notes(values: Mapping[str, Any], dirs: list[str]) -> list[str]:
    """For the closing message: dirs the app is told a path of that *Directory= would not create as answered."""
    notes = []
    for name in dirs:
        if not has_directive(values, name):
            continue
        path, directory = values[f"{name}_dir"], managed_directory(values, name)
        if directory is None:
            notes.append(
                f"{name}_dir {path} is outside {DIR_BASES[name]}, where {DIRECTIVE[name]}= creates dirs: "
                "the tmpfiles.d file creates it instead"
            )
        elif directory != values[f"{name}_directory"]:
            notes.append(
                f"{name}_dir {path} is what the app is told: {DIRECTIVE[name]}={directory} creates it "
                f"({name}_directory {values[f'{name}_directory']} would be {DIR_BASES[name]}/{values[f'{name}_directory']})"
            )
    return notes


def tmp_dir_creation(values: Mapping[str, Any], dirs: list[str]) -> list[str]:
    """/var/tmp/<name> has no *Directory=: the app user creates it, inside PrivateTmp= when hardened.

    Not as root: `+` would create it outside the private /var/tmp the app sees,
    and `!` keeps the empty CapabilityBoundingSet=, so root could not chown it.
    """
    if "tmp" not in dirs:
        return []
    return [specifiers(f"/usr/bin/install -d -m {values['tmp_directory_mode']} {values['tmp_dir']}")]


def in_private_tmp(path: str, lines: list[tuple[str, str]]) -> bool:
    """PrivateTmp= gives the unit its own writable /tmp and /var/tmp."""
    return ("PrivateTmp", "yes") in lines and path.startswith(("/tmp/", "/var/tmp/"))


def ignored_if_missing(path: str) -> str:
    """ReadWritePaths=-/path: a path that does not exist is skipped, not a failed start (226/NAMESPACE)."""
    return path if path.startswith("-") else f"-{path}"


def profile_lines(values: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The hardening directives this unit prints (hardening.py)."""
    return hardening.directives(
        values["hardening"],
        values["systemd_version"],
        values["allow_privileged_ports"],
        frozenset(values["hardening_disable"]),
    )


def made_writable(values: Mapping[str, Any], dirs: list[str], lines: list[tuple[str, str]]) -> list[str]:
    """The dirs in use that ProtectSystem=strict would leave read-only, for ReadWritePaths=: those systemd
    does not create, but the configuration dir and one in PrivateTmp= (not there yet at setup)."""
    if ("ProtectSystem", "strict") not in lines:
        return []
    unmanaged = [values[f"{n}_dir"] for n in unmanaged_dirs(values, dirs) if n != "configuration"]
    return [path for path in unmanaged if not in_private_tmp(path, lines)]


def sandbox_paths(values: Mapping[str, Any], dirs: list[str], lines: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """ReadWritePaths= and friends, with or without chroot."""
    read_write = [ignored_if_missing(path) for path in values["read_write_paths"]] + made_writable(values, dirs, lines)
    # Their names before systemd 231: ReadWriteDirectories= and so on.
    suffix = "Paths" if values["systemd_version"] >= SINCE["ReadWritePaths="] else "Directories"
    found = []
    for key, paths in (
        ("ReadWrite", read_write),
        ("ReadOnly", values["read_only_paths"]),
        ("Inaccessible", values["inaccessible_paths"]),
    ):
        if paths:
            found.append((key + suffix, specifiers(" ".join(paths))))
    return found


def runtime_environment_unit(values: Mapping[str, Any]) -> str | None:
    if not values["runtime_environment_service_script"]:
        return None
    return f"{values['service_name']}-runtime-environment.service"


def applied(resolved: Mapping[str, Any]) -> dict[str, Any]:
    """The resolved options with the distribution's lines, then the strategies' on top
    (the EEx templates add them the same way)."""
    return apply_strategies(apply_distribution(resolved))


def unit_view(answers: Mapping[str, Any]) -> dict[str, Any]:
    """Everything the unit templates print, for one set of checked answers (checks.py)."""
    return view(resolve(answers))


def view(resolved: Mapping[str, Any]) -> dict[str, Any]:
    """Everything the unit templates print, from the resolved, expanded and checked options."""
    values = applied(resolved)
    node = distribution_view(values)
    dirs = effective_dirs(values)
    forking = values["service_type"] == "forking"
    lines = profile_lines(values)
    runtime_env_unit = runtime_environment_unit(values)
    after = BASE_AFTER + list(values["unit_after_targets"]) + ([runtime_env_unit] if runtime_env_unit else [])
    after += [socket_unit(values)] if socket_unit(values) else []
    env_vars = list(values["env_vars"])
    environment_lines = (
        ([f"LANG={values['env_lang']}"] if values["env_lang"] else [])
        + [f"MIX_ENV={values['mix_env']}"]
        + dir_environment(values, dirs)
        + ([f"PIDFILE={values['pid_file']}"] if forking else [])
        + automatic_environment(values, dirs, env_vars)
        + env_vars
    )
    return {
        **values,
        # The option values themselves, before the entries below replace some: for bindings.py.
        "options": values,
        # Before the distribution and the strategies add theirs, as a mix_systemd config holds them: for bindings.py.
        "config_options": resolved,
        "distribution_additions": distribution_additions(resolved),
        "dirs": dirs,
        "after": " ".join(after),
        "wants": runtime_env_unit,
        "exec_start_pre": tmp_dir_creation(values, dirs) + [specifiers(command) for command in values["exec_start_pre"]],
        "exec_start": exec_start(values),
        "exec_stop": specifiers(values["exec_stop"]) if values["exec_stop"] else None,
        "environment": [environment(line) for line in environment_lines],
        "environment_files": [specifiers(path) for path in values["env_files"]],
        "pid_file": values["pid_file"] if forking else None,
        "directories": directories(values, dirs),
        "directory_notes": directory_notes(values, dirs),
        "sandbox_paths": sandbox_paths(values, dirs, lines),
        "hardening_lines": lines,
        "hardening_notes": hardening.left_out_notes(
            values["hardening"],
            values["systemd_version"],
            values["allow_privileged_ports"],
            frozenset(values["hardening_disable"]),
        ),
        "notify_access": "main" if values["service_type"] == "notify" else None,
        "runtime_environment_unit": runtime_env_unit,
        "runtime_environment_exec": specifiers(command_path(values["runtime_environment_service_script"], values["scripts_dir"]))
        if runtime_env_unit
        else None,
        "runtime_environment_after": " ".join(["local-fs.target", *values["runtime_environment_unit_after_targets"]]),
        "dir_environment": [environment(line) for line in dir_environment(values, dirs) + env_vars],
        "restart_flag": f"{values['flags_dir']}/restart.flag",
        "config_scripts": rendered_scripts(values)
        + ([node["node_script"]] if node["node_script"] else [])
        + deploy_scripts(values),
        "install_script": install_script_path(values),
        "package_dir": package_dir(values),
        **node,
        **system_files_view(values, unmanaged_dirs(values, dirs)),
        **lifecycle_view(values),
        **socket_view(values),
        **deploy_view(values),
        **overlap_view(values, environment_lines, directories(values, dirs)),
    }
