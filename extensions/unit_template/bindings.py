"""The resolved option values as bindings for the EEx templates (mix systemd.generate).

mix_systemd evaluates each template with its config as top-level bindings.
``export_bindings`` gives the same values in the shape that config has them
(JSON-able: atoms are plain strings here, named by ATOM_OPTIONS and
ATOM_LIST_OPTIONS); ``elixir_keyword`` writes them as an Elixir keyword list,
with atoms where mix_systemd has atoms.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from . import distribution, hardening, lifecycle, strategies, units
from .options import CONFIG_STRATEGIES, DIR_BASES, DIR_NAMES, OPTIONS
from .versions import SINCE

# mix_systemd keeps these as atoms: its choices, the app name and Mix.env().
ATOM_OPTIONS = ("service_type", "release_system", "restart_method", "app_name", "release_name", "mix_env")
ATOM_LIST_OPTIONS = ("dirs", "expand_keys", "expand_keys_extra")
# The options mix_systemd 0.8 has (shared/reference/mix_systemd-options.md). The
# .eex files read the others (hardening, credentials, ...) with a fallback to
# the answers copier rendered into them.
MIX_SYSTEMD_OPTIONS = frozenset(
    {
        *("app_name", "module_name", "release_name", "ext_name", "service_name", "app_user", "app_group"),
        *("syslog_identifier", "mix_env", "env_lang", "release_system", "base_dir", "deploy_dir", "releases_dir"),
        *("scripts_dir", "flags_dir", "current_dir", "working_dir", "root_directory", "pid_file", "dirs"),
        *(f"{name}_{suffix}" for name in DIR_NAMES for suffix in ("directory", "directory_base", "directory_mode", "dir")),
        *("runtime_directory_preserve", "systemd_version", "service_type", "start_command", "exec_start"),
        *("exec_start_wrap", "exec_stop", "exec_start_pre", "restart", "restart_sec", "timeout_start_sec"),
        *("limit_nofile", "limit_core", "umask", "env_files", "env_vars", "unit_after_targets", "restart_method"),
        *("runtime_environment_service_script", "runtime_environment_unit_after_targets", "chroot"),
        *("read_write_paths", "read_only_paths", "inaccessible_paths", "paranoia", "expand_keys"),
        *("expand_keys_extra", "output_dir", "template_dir"),
    }
)
# mix_systemd's own defaults where this template's differ (systemd_version 235,
# umask 0027 also under hardening strict, release_name the app name): `mix
# systemd.generate` binds them when the config leaves the option out, so the
# .eex files take such a value as "not set" and use the answer copier resolved.
MIX_SYSTEMD_DEFAULTS: dict[str, Any] = {"systemd_version": 235, "umask": "0027"}
ATOM = re.compile(r"[a-z_][a-zA-Z0-9_]*")


def runtime_environment_unit(values: Mapping[str, Any]) -> str | None:
    script = values["runtime_environment_service_script"]
    return f"{values['service_name']}-runtime-environment.service" if script else None


def mix_after_targets(values: Mapping[str, Any]) -> list[str]:
    """mix_systemd appends the runtime-environment unit to unit_after_targets itself."""
    targets = list(values["unit_after_targets"])
    extra = runtime_environment_unit(values)
    return [*targets, extra] if extra and extra not in targets else targets


def mix_exec_start_wrap(wrap: str | None) -> str:
    """mix_systemd turns nil into "" and makes sure a wrapper ends in a space."""
    if not wrap:
        return ""
    return wrap if wrap.endswith(" ") else f"{wrap} "


def export_bindings(view: Mapping[str, Any], mix_systemd_only: bool = False) -> dict[str, Any]:
    """Every option's value as resolved (expanded, not escaped; before the config
    strategies add theirs, which the .eex files add themselves), shaped like mix_systemd's cfg.
    ``view`` is units.unit_view's result.

    With ``mix_systemd_only``, options mix_systemd does not know are left out,
    as they are when `mix systemd.generate` runs with mix_systemd's own config.
    """
    values = view["config_options"]
    names = [name for name in OPTIONS if not mix_systemd_only or name in MIX_SYSTEMD_OPTIONS]
    bindings = {name: values[name] for name in names}
    bindings["unit_after_targets"] = mix_after_targets(values)
    bindings["exec_start_wrap"] = mix_exec_start_wrap(values["exec_start_wrap"])
    return json.loads(json.dumps(bindings))


def elixir_string(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("#{", "\\#{")
    return '"' + escaped.replace("\n", "\\n").replace("\t", "\\t") + '"'


def elixir_atom(name: str) -> str:
    return f":{name}" if ATOM.fullmatch(name) else f":{elixir_string(name)}"


def elixir_term(value: Any) -> str:
    """A JSON-able value as Elixir source: None is nil, lists are lists, dicts are maps."""
    if value is None:
        return "nil"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return elixir_string(value)
    if isinstance(value, list):
        return "[" + ", ".join(elixir_term(item) for item in value) + "]"
    if isinstance(value, dict):
        return "%{" + ", ".join(f"{elixir_term(k)} => {elixir_term(v)}" for k, v in value.items()) + "}"
    raise TypeError(f"no Elixir term for {value!r}")


def elixir_binding(name: str, value: Any, atoms: bool = True) -> str:
    if atoms and name in ATOM_OPTIONS and isinstance(value, str):
        term = elixir_atom(value)
    elif atoms and name in ATOM_LIST_OPTIONS and isinstance(value, list):
        term = "[" + ", ".join(elixir_atom(item) for item in value) + "]"
    else:
        term = elixir_term(value)
    return f"{name}: {term}"


def elixir_keyword(bindings: Mapping[str, Any], atoms: bool = True) -> str:
    """The bindings as an Elixir keyword list, atoms where mix_systemd has atoms (unless not `atoms`)."""
    return "[" + ", ".join(elixir_binding(name, value, atoms) for name, value in bindings.items()) + "]"


def hardening_table() -> str:
    """Every hardening directive as Elixir tuples {key, value, since, profiles}, for the .eex files."""
    rows = [
        "{"
        + ", ".join([elixir_string(row.key), elixir_string(row.value), str(row.since), elixir_term(sorted(row.profiles))])
        + "}"
        for row in hardening.DIRECTIVES
    ]
    return "[\n    " + ",\n    ".join(rows) + "\n  ]"


def line_table() -> str:
    """lifecycle.LINES as Elixir tuples {section, key, value, since, before, needs}: the versions
    as numbers (since 0 and before nil when not gated), needs as atoms, for the main unit's .eex."""
    rows = [
        "{"
        + ", ".join(
            [
                elixir_string(line.section),
                elixir_string(line.key),
                elixir_string(line.value),
                str(SINCE[line.since]) if line.since else "0",
                str(SINCE[line.before]) if line.before else "nil",
                "[" + ", ".join(elixir_atom(name) for name in line.needs) + "]",
            ]
        )
        + "}"
        for line in lifecycle.LINES
    ]
    return "[\n    " + ",\n    ".join(rows) + "\n  ]"


def directory_table() -> str:
    """name => {directive, the systemd version that manages it, the base it creates it under},
    for the dirs systemd can create."""
    pairs = [
        f"{elixir_string(name)} => {{{elixir_string(units.DIRECTIVE[name])}, {units.DIRECTORY_SINCE[name]}, "
        f"{elixir_string(DIR_BASES[name])}}}"
        for name in DIR_NAMES
        if name in units.DIRECTIVE
    ]
    return "%{\n    " + ",\n    ".join(pairs) + "\n  }"


# units.managed_directory in Elixir: the *Directory= value that creates <name>_dir (its path
# below systemd's base), or nil: too old a systemd, or outside the base, where tmpfiles.d
# creates it. Needs `directory_table`, `version` and `option`.
DIRECTORY_OF_EEX = """directory_of = fn name ->
    with {_, since, base} when version >= since <- directory_table[name],
         true <- String.starts_with?(option.(name, "_dir"), base <> "/") do
      String.replace_prefix(option.(name, "_dir"), base <> "/", "")
    else
      _ -> nil
    end
  end"""


# config_strategies in Elixir, as strategies.py applies them: each picked strategy's
# dirs, environment files, variables, ExecStartPre= commands and runtime-environment
# script, added to the config's own. Needs `text`, `texts`, `cfg` and `picked`.
STRATEGIES_EEX = """with_dir = fn list, name -> if name in list, do: list, else: list ++ [name] end
  with_file = fn files, path, optional, first ->
    entry = if optional, do: "-" <> path, else: path
    cond do
      Enum.any?(files, &(String.trim_leading(&1, "-") == path)) -> files
      first -> [entry | files]
      true -> files ++ [entry]
    end
  end
  with_var = fn vars, name, value ->
    if Enum.any?(vars, &(hd(String.split(&1, "=", parts: 2)) == name)), do: vars, else: vars ++ [name <> "=" <> value]
  end
  script_path = fn name -> text.(scripts_dir) <> "/" <> name end
  bootstrap_file = text.(deploy_dir) <> "/etc/environment"
  strategy = fn
    "environment_file", s ->
      environment_file = text.(cfg[:configuration_dir]) <> "/environment"
      %{s | dirs: with_dir.(s.dirs, "configuration"), env_files: with_file.(s.env_files, environment_file, true, true)}
    "s3_sync", s ->
      %{s | dirs: with_dir.(s.dirs, "configuration"), env_files: with_file.(s.env_files, bootstrap_file, true, true),
        pre: s.pre ++ ["+" <> script_path.(SCRIPT_S3)]}
    "ssm", s ->
      %{s | dirs: s.dirs |> with_dir.("configuration") |> with_dir.("runtime"),
        env_files: with_file.(s.env_files, bootstrap_file, true, true),
        env_vars: with_var.(s.env_vars, "RELEASE_TMP", text.(cfg[:runtime_dir])), pre: s.pre ++ ["+" <> script_path.(SCRIPT_SSM)]}
    "cloud_init", s ->
      after_targets = if CLOUD_INIT_AFTER in s.script_after, do: s.script_after, else: s.script_after ++ [CLOUD_INIT_AFTER]
      %{s | dirs: with_dir.(s.dirs, "runtime"), script: script_path.(SCRIPT_CLOUD_INIT), script_after: after_targets,
        env_files: with_file.(s.env_files, text.(cfg[:runtime_dir]) <> "/environment", false, false)}
    "credentials", s ->
      %{s | dirs: with_dir.(s.dirs, "configuration")}
  end
  # the distribution's additions (dist_*) come first, as in copier's units
  initial = %{dirs: texts.(cfg[:dirs]) ++ (if dist_state and "state" not in texts.(cfg[:dirs]), do: ["state"], else: []),
    env_files: texts.(cfg[:env_files]), env_vars: dist_env ++ texts.(cfg[:env_vars]), pre: [],
    script: text.(cfg[:runtime_environment_service_script]), script_after: texts.(cfg[:runtime_environment_unit_after_targets])}
  applied = Enum.reduce(Enum.filter(STRATEGY_ORDER, &(&1 in picked)), initial, strategy)"""


def strategies_code() -> str:
    facts = {
        "SCRIPT_S3": elixir_string(strategies.SCRIPTS["s3_sync"]),
        "SCRIPT_SSM": elixir_string(strategies.SCRIPTS["ssm"]),
        "SCRIPT_CLOUD_INIT": elixir_string(strategies.SCRIPTS["cloud_init"]),
        "CLOUD_INIT_AFTER": elixir_string(strategies.CLOUD_INIT_AFTER),
        "STRATEGY_ORDER": elixir_term(list(CONFIG_STRATEGIES)),
    }
    return re.sub("|".join(facts), lambda match: facts[match.group(0)], STRATEGIES_EEX)


def mix_systemd_defaults() -> str:
    return "%{" + ", ".join(f"{name}: {elixir_term(value)}" for name, value in MIX_SYSTEMD_DEFAULTS.items()) + "}"


def eex_constants() -> dict[str, Any]:
    """Facts the .eex files need from this package, as Elixir source (``since``: versions.SINCE)."""
    return {
        "since": SINCE,
        "hardening_table": hardening_table(),
        "hardened_profiles": elixir_term(sorted(hardening.HARDENED)),
        "bind_capability": elixir_string(hardening.BIND_CAPABILITY),
        "dir_names": elixir_term(list(DIR_NAMES)),
        "directory_table": directory_table(),
        "line_table": line_table(),
        "line_options": lifecycle.line_options(),
        "directory_of": DIRECTORY_OF_EEX,
        "base_after": elixir_term(units.BASE_AFTER),
        "forking_start": elixir_string(units.FORKING_START),
        "strategies": strategies_code(),
        "loopback": distribution.LOOPBACK,
        "loopback_tuple": "{" + distribution.LOOPBACK.replace(".", ",") + "}",
        "local_cookie_command": elixir_string(distribution.cookie_command({"distribution": "local"})),
        "mix_systemd_defaults": mix_systemd_defaults(),
        "writable_for": "["
        + ", ".join(f"{{{elixir_string(k)}, {elixir_term(list(v))}}}" for k, v in units.WRITABLE_FOR.items())
        + "]",
    }
