"""Every option of the template in one table: its kind, default and allowed values.

A default is either a constant or a function of the other resolved options
(a derivation). copier.yml asks one question per option, under the same name;
an empty answer (``""`` or ``null``) means "use the default", so derived values
follow the answers they derive from, also after ``copier update``.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

from .deploy import DEPLOY_OPTIONS
from .distribution import DISTRIBUTION_OPTIONS
from .kinds import CONFIG_STRATEGIES, DIR_NAMES, KINDS
from .lifecycle import LIFECYCLE_OPTIONS
from .option import Option, Resolved, is_unset, joined
from .overlap import OVERLAP_OPTIONS
from .packaging import PACKAGING_OPTIONS
from .sockets import SOCKET_OPTIONS
from .versions import FLOOR, lowest_version, summary

__all__ = ["CONFIG_STRATEGIES", "DIR_NAMES", "OPTIONS", "Option", "Resolved", "is_unset"]

DIR_BASES = {
    "runtime": "/run",
    "configuration": "/etc",
    "state": "/var/lib",
    "cache": "/var/cache",
    "logs": "/var/log",
    "tmp": "/var/tmp",
}
SERVICE_TYPES = ("simple", "exec", "notify", "forking")
RELEASE_SYSTEMS = ("mix", "distillery")
RESTART_METHODS = ("systemctl", "systemd_flag")
PRESERVE_VALUES = ("no", "yes", "restart")
RESTART_VALUES = ("always", "on-success", "on-failure", "on-abnormal", "on-watchdog", "on-abort", "no")
HARDENING_PROFILES = ("none", "paranoia", "standard", "strict")

DEFAULT_EXPAND_KEYS = (
    "env_files",
    "env_vars",
    "runtime_environment_service_script",
    "exec_start",
    "exec_start_pre",
    "exec_start_wrap",
    "exec_stop",
    "read_write_paths",
    "read_only_paths",
    "inaccessible_paths",
)


def camel_case(name: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in name.split("_"))


def start_command(resolved: Resolved) -> str:
    """The release script command that runs the VM for this Type= and release system."""
    forking = resolved["service_type"] == "forking"
    if resolved["release_system"] == "distillery":
        return "start" if forking else "foreground"
    # Elixir's `daemon` never writes a PID file; forking runs `start` in the
    # background and records its PID itself (see units.exec_start).
    return "start"


def staged_path(output_dir: str, server_path: str) -> str:
    """Where a file for server_path goes in the repo: under the staging root that holds
    <root>/lib/systemd/system, so copying that root to / installs it; else beside output_dir."""
    suffix = "lib/systemd/system"
    if output_dir == suffix or output_dir.endswith("/" + suffix):
        root = output_dir[: -len(suffix)]
        return f"{root}{server_path.lstrip('/')}"
    parent = output_dir.rpartition("/")[0]
    return f"{parent}/scripts" if parent else "scripts"


DIR_HELP = {
    "runtime": "runtime files, removed when the service stops",
    "configuration": "configuration, e.g. an environment file with secrets",
    "state": "data kept between runs",
    "cache": "cache files that may be deleted",
    "logs": "log files not sent to the journal",
    "tmp": "temporary files",
}


def _dir_options(name: str) -> dict[str, Option]:
    what = DIR_HELP[name]
    return {
        f"{name}_directory": Option(
            "relpath",
            lambda r: r["service_name"],
            help=f"Name of the {name} dir ({what}) under {DIR_BASES[name]}",
            ask=f"{{{{ advanced and picked('dirs', '{name}') }}}}",
            derived="service_name",
        ),
        f"{name}_directory_base": Option("abspath", DIR_BASES[name], help=f"Base of the {name} dir"),
        f"{name}_directory_mode": Option("mode", "750", help=f"Octal mode of the {name} dir"),
        f"{name}_dir": joined(
            "abspath",
            f"<{name}_directory_base>/<{name}_directory>",
            help=f"Full path of the {name} dir, given to the app as {name.upper()}_DIR"
            + ("" if name == "tmp" else f" (outside {DIR_BASES[name]}: the tmpfiles.d file creates it)"),
        ),
    }


OPTIONS: dict[str, Option] = {
    # Identity
    "app_name": Option(
        "app_name",
        help="Elixir app name (the `app:` of mix.exs)",
        basic=True,
        question_default="{{ mix_app_name() }}",
        derived="`app:` of mix.exs (umbrella: `default_release`, else the first release)",
    ),
    "module_name": Option(
        "module_name", lambda r: camel_case(r["app_name"]), help="CamelCase module name", derived="app_name in CamelCase"
    ),
    "release_name": Option("app_name", lambda r: r["app_name"], help="Release name: runs bin/<release_name>", derived="app_name"),
    "ext_name": Option(
        "ext_name",
        lambda r: r["app_name"].replace("_", "-"),
        help="External name, for files, dirs and the user",
        derived="app_name with `_` as `-`",
    ),
    "service_name": Option("unit_name", lambda r: r["ext_name"], help="systemd unit name, without .service", derived="ext_name"),
    "app_user": Option("user", lambda r: r["ext_name"], help="OS user the app runs as (User=)", derived="ext_name"),
    "app_group": Option("user", lambda r: r["ext_name"], help="OS group the app runs as (Group=)", derived="ext_name"),
    "deploy_user": Option(
        "user",
        None,
        help="User who may restart the service by touching restart.flag (systemd_flag only), nothing more (empty: none)",
        # systemd_flag: the deploy user owns restart.flag alone; the deploy tree stays root's.
        ask="{{ restart_method == 'systemd_flag' }}",
    ),
    "syslog_identifier": Option(
        "identifier", lambda r: r["service_name"], help="SyslogIdentifier= in the journal", derived="service_name"
    ),
    "mix_env": Option("word", "prod", help="MIX_ENV of the release"),
    "env_lang": Option("text", "en_US.utf8", help="LANG for the VM (empty: not set)", empty_is_value=True),
    "release_system": Option(
        "choice", "mix", RELEASE_SYSTEMS, help="What builds the release: mix (Elixir 1.9+) or distillery", basic=True
    ),
    # Layout on the target
    "base_dir": Option("abspath", "/srv", help="Base directory for apps on the server", basic=True),
    "deploy_dir": joined("abspath", "<base_dir>/<ext_name>", help="Directory of this app"),
    "releases_dir": joined("abspath", "<deploy_dir>/releases", help="Where releases are unpacked"),
    "scripts_dir": joined("abspath", "<deploy_dir>/bin", help="Deployment scripts"),
    "flags_dir": joined("abspath", "<deploy_dir>/flags", help="Flag files, e.g. restart.flag"),
    "current_dir": joined("abspath", "<deploy_dir>/current", help="The running release (a symlink)"),
    "working_dir": Option(
        "abspath", lambda r: r["current_dir"], help="WorkingDirectory=: the directory the release runs in", derived="current_dir"
    ),
    "root_directory": joined("abspath", "<deploy_dir>/current", help="RootDirectory= with chroot"),
    "pid_file": Option(
        "abspath",
        lambda r: f"{r['runtime_directory_base']}/{r['runtime_directory']}/{r['app_name']}.pid",
        help="PID file for service_type forking",
        ask="{{ advanced and service_type == 'forking' }}",
        derived="`<runtime_dir>/<app_name>.pid`",
    ),
    # systemd-managed directories
    "dirs": Option(
        "dirs",
        [],
        help=f"Dirs systemd creates for the app, any of: {', '.join(DIR_NAMES)}",
        basic=True,
    ),
    **{key: opt for name in DIR_NAMES for key, opt in _dir_options(name).items()},
    "runtime_directory_preserve": Option(
        "choice", "no", PRESERVE_VALUES, help="Keep the runtime dir when the service stops (RuntimeDirectoryPreserve=)"
    ),
    "systemd_version": Option(
        "version",
        lambda r: lowest_version(r, COMMAND_OPTIONS),
        help=(
            "Oldest systemd on your servers: gates each directive "
            "(239 RHEL 8, 249 Ubuntu 22.04, 252 Debian 12/RHEL 9.2+, 255 Ubuntu 24.04)"
            f" (empty: the lowest that has everything asked for: {FLOOR}, {summary()})"
        ),
        basic=True,
        derived=f"the lowest that has everything asked for, at least `{FLOOR}` ({summary()})",
    ),
    # Process
    "service_type": Option(
        "choice", "simple", SERVICE_TYPES, help="Type=: simple, exec, notify (the app sends READY=1) or forking", basic=True
    ),
    "start_command": Option(
        "word",
        start_command,
        help="Release command that runs the VM (start, daemon, foreground)",
        derived="`start` (distillery: `foreground`; distillery + forking: `start`)",
    ),
    "exec_start": Option("command", None, help="Replaces the whole ExecStart= command"),
    "exec_start_wrap": Option("command", None, help="Command put before ExecStart= (it must exec the rest)"),
    "exec_stop": Option("command", None, help="ExecStop= (empty: systemd sends SIGTERM, which stops the VM cleanly)"),
    "exec_start_pre": Option(
        "commands",
        [],
        help="ExecStartPre= commands (+ runs as root outside the sandbox; ! as root inside it)",
    ),
    "restart": Option("choice", "always", RESTART_VALUES, help="Restart=: when systemd restarts the app after it exits"),
    "restart_sec": Option("timespan", "1s", help="RestartSec=: the first delay before a restart (systemd's own is 100ms)"),
    "timeout_start_sec": Option("timespan", None, help="TimeoutStartSec= (empty: systemd's default)"),
    **LIFECYCLE_OPTIONS,
    "watchdog_sec": Option(
        "timespan",
        None,
        help="WatchdogSec= for service_type notify (the app must ping)",
        ask="{{ advanced and service_type == 'notify' }}",
    ),
    "limit_nofile": Option("limit", 65535, help="LimitNOFILE=: open files"),
    "limit_core": Option("size_limit", None, help="LimitCORE=: core dump size (empty: not set)"),
    "umask": Option(
        "mode",
        lambda r: "0077" if r["hardening"] == "strict" else "0027",
        help="UMask=, octal",
        derived="`0027` (`0077` with hardening strict)",
    ),
    "env_files": Option(
        "paths",
        [],
        help="EnvironmentFile= paths; a leading - makes one optional",
        basic=True,
    ),
    "env_vars": Option(
        "env_vars",
        [],
        help="Environment= entries NAME=value",
        basic=True,
    ),
    "unit_after_targets": Option("unit_names", [], help="Units to start after (After=)"),
    "restart_method": Option(
        "choice",
        "systemctl",
        RESTART_METHODS,
        help="systemctl, or systemd_flag: touching <flags_dir>/restart.flag restarts the service",
        basic=True,
    ),
    **SOCKET_OPTIONS,
    **OVERLAP_OPTIONS,
    "runtime_environment_service_script": Option(
        "script", None, help="Script run by a oneshot unit before the app (relative: in scripts_dir)"
    ),
    "runtime_environment_unit_after_targets": Option("unit_names", [], help="After= of that oneshot unit"),
    # Configuration strategies (docs/configuration.md)
    "config_strategies": Option(
        "strategies",
        ["environment_file"],
        CONFIG_STRATEGIES,
        help=(
            "How the release gets its configuration and secrets, any of: "
            f"{', '.join(CONFIG_STRATEGIES)} (see docs/configuration.md)"
        ),
        basic=True,
    ),
    "credentials": Option(
        "credential_names",
        [],
        help="Secret files in the configuration dir handed to the app by LoadCredential=",
        basic=True,
        ask="{{ picked('config_strategies', 'credentials') }}",
    ),
    "scripts_output_dir": Option(
        "relpath",
        lambda r: staged_path(r["output_dir"], r["scripts_dir"]),
        help="Where the configuration scripts go in your repo: under the units' staging root, at scripts_dir",
        derived="scripts_dir under the staging root of output_dir",
    ),
    # Erlang distribution, epmd and the cookie (docs/distribution.md)
    **DISTRIBUTION_OPTIONS,
    **DEPLOY_OPTIONS,
    # Sandboxing
    "chroot": Option(
        "bool", False, help="Run the app with RootDirectory=<root_directory>: a self-contained root, not the release itself"
    ),
    "read_write_paths": Option(
        "sandbox_paths",
        [],
        help=(
            "ReadWritePaths=: absolute paths the app may write in a read-only sandbox "
            "(each with -: one missing on the server is skipped, not a failed start)"
        ),
        ask="{{ advanced and hardening != 'none' }}",
    ),
    "read_only_paths": Option("sandbox_paths", [], help="ReadOnlyPaths=: absolute paths the app may read but not write"),
    "inaccessible_paths": Option("sandbox_paths", [], help="InaccessiblePaths=: absolute paths hidden from the app"),
    "paranoia": Option("bool", False, help="mix_systemd's paranoia set (same as hardening: paranoia)"),
    "hardening": Option(
        "choice",
        lambda r: "paranoia" if r["paranoia"] else "standard",
        HARDENING_PROFILES,
        help="Sandboxing: none, paranoia (mix_systemd's), standard (a typical Phoenix release) or strict",
        basic=True,
        question_default="{{ 'paranoia' if paranoia is defined and paranoia else 'standard' }}",
        derived="`standard` (`paranoia` when paranoia is true)",
    ),
    "allow_privileged_ports": Option(
        "bool",
        False,
        help="Let the app bind ports below 1024 (adds CAP_NET_BIND_SERVICE, drops PrivateUsers=)",
        ask="{{ advanced and hardening in ['standard', 'strict'] }}",
    ),
    "hardening_disable": Option(
        "directive_names",
        [],
        help="Hardening directives to leave out, by name or as Name=value",
        ask="{{ advanced and hardening in ['standard', 'strict'] }}",
    ),
    # Variable expansion
    "expand_keys": Option("option_names", list(DEFAULT_EXPAND_KEYS), help="Options whose :name references expand"),
    "expand_keys_extra": Option("option_names", [], help="More options whose references expand"),
    # Files this template writes
    "output_dir": Option("relpath", "rel/systemd/lib/systemd/system", help="Where the unit files go in your repo"),
    "template_dir": Option("relpath", "rel/templates/systemd", help="Where the EEx templates go"),
    "eex_templates": Option("bool", True, help="Also write EEx templates for mix_systemd's `mix systemd.generate`"),
    "system_files": Option(
        "bool", True, help="Also write a sysusers.d file (app user and group) and a tmpfiles.d file (deploy dirs)"
    ),
    **PACKAGING_OPTIONS,
}

# The options systemd reads as command lines: their prefixes need systemd versions (versions.py).
COMMAND_OPTIONS = tuple(name for name, option in OPTIONS.items() if KINDS[option.kind].command)

# Questions renamed between template versions, old name -> new name: copier's
# `_migrations` (answers_migration.py) renames them in the answers file before
# an update, so the old answer carries over. Never remove an entry.
RENAMED: dict[str, str] = {}


def likely_meant(name: str, names: Iterable[str]) -> str | None:
    """The name a given one that is no option is most likely a typo of, if one is close enough
    (a --data name, a config :mix_systemd key)."""
    return next(iter(difflib.get_close_matches(name, list(names), n=1, cutoff=0.8)), None)
