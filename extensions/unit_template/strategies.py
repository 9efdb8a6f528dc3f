"""Configuration strategies: what each one adds to the resolved options.

``apply_strategies(values)`` takes the resolved, expanded options and returns
them with each picked strategy's directories, environment files, start
commands and runtime-environment script added, so the unit templates (and
anything else reading the options) see one consistent set. Each strategy is
a small function; the README (Configuration and secrets) explains them to users.
``problems(values)`` is the strategies' check, run by the check step (checks.py)
before anything is applied: apply_strategies assumes checked input.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable, Mapping
from typing import Any

from .options import CONFIG_STRATEGIES
from .problems import Problem
from .versions import SINCE

Values = dict[str, Any]

# The scripts each strategy renders into scripts_output_dir and runs from scripts_dir.
SCRIPTS = {
    "s3_sync": "sync-config-s3",
    "ssm": "sync-config-ssm",
    "cloud_init": "cloud-init-environment",
}
# cloud-init's own sync point for "metadata is there". Not cloud-init.target:
# current cloud-init orders that target After=multi-user.target, so a service
# wanted by multi-user.target and ordered after it would form an ordering cycle.
CLOUD_INIT_AFTER = "cloud-config.target"
INSTANCE_DATA = "/run/cloud-init/instance-data.json"


def bootstrap_file(values: Mapping[str, Any]) -> str:
    """Settings for the S3 and SSM scripts (bucket, SSM path, region), put there at deploy time."""
    return f"{values['deploy_dir']}/etc/environment"


def configuration_environment_file(values: Mapping[str, Any]) -> str:
    return f"{values['configuration_dir']}/environment"


def runtime_environment_file(values: Mapping[str, Any]) -> str:
    return f"{values['runtime_dir']}/environment"


def default_ssm_path(values: Mapping[str, Any]) -> str:
    return f"/{values['ext_name']}/{values['mix_env']}/"


def script_settings(values: Mapping[str, Any]) -> dict[str, str]:
    """The values the scripts embed as defaults, each quoted for sh once."""
    settings = {
        "configuration_dir": values["configuration_dir"],
        "runtime_dir": values["runtime_dir"],
        "app_group": values["app_group"],
        "release_name": values["release_name"],
        "ssm_path": default_ssm_path(values),
        "instance_data": INSTANCE_DATA,
    }
    return {name: shlex.quote(value) for name, value in settings.items()}


def script_path(values: Mapping[str, Any], strategy: str) -> str:
    return f"{values['scripts_dir']}/{SCRIPTS[strategy]}"


def _with_dir(values: Values, name: str) -> Values:
    dirs = list(values["dirs"])
    return {**values, "dirs": dirs if name in dirs else [*dirs, name]}


def _listed(path: str, env_files: list[str]) -> bool:
    return any(item.lstrip("-") == path for item in env_files)


def _with_env_file(values: Values, path: str, optional: bool, first: bool) -> Values:
    """Add an EnvironmentFile= (before the user's when `first`), unless it is already there."""
    env_files = list(values["env_files"])
    if _listed(path, env_files):
        return values
    entry = f"-{path}" if optional else path
    return {**values, "env_files": [entry, *env_files] if first else [*env_files, entry]}


def _with_start_pre(values: Values, command: str) -> Values:
    """Strategy commands run in CONFIG_STRATEGIES order, before the user's exec_start_pre."""
    return {**values, "strategy_start_pre": [*values["strategy_start_pre"], command]}


def _with_env_var(values: Values, name: str, value: str) -> Values:
    """Add NAME=value to Environment= unless the user set NAME."""
    if any(item.partition("=")[0] == name for item in values["env_vars"]):
        return values
    return {**values, "env_vars": [*values["env_vars"], f"{name}={value}"]}


def environment_file(values: Values) -> Values:
    """/etc/<name>/environment, optional, in a ConfigurationDirectory=."""
    values = _with_dir(values, "configuration")
    return _with_env_file(values, configuration_environment_file(values), optional=True, first=True)


def s3_sync(values: Values) -> Values:
    """A root script syncs a bucket prefix into the configuration dir before each start."""
    values = _with_dir(values, "configuration")
    values = _with_env_file(values, bootstrap_file(values), optional=True, first=True)
    return _with_start_pre(values, f"+{script_path(values, 's3_sync')}")


def ssm(values: Values) -> Values:
    """A root script dumps SSM parameters to <configuration_dir>/ssm.json for a config provider."""
    values = _with_dir(_with_dir(values, "configuration"), "runtime")
    values = _with_env_file(values, bootstrap_file(values), optional=True, first=True)
    # A config provider writes the merged config to RELEASE_TMP before the VM boots.
    values = _with_env_var(values, "RELEASE_TMP", values["runtime_dir"])
    return _with_start_pre(values, f"+{script_path(values, 'ssm')}")


def cloud_init(values: Values) -> Values:
    """A oneshot writes the node name and IP from cloud-init's instance data to <runtime_dir>/environment."""
    values = _with_dir(values, "runtime")
    after = list(values["runtime_environment_unit_after_targets"])
    values = {
        **values,
        "runtime_environment_service_script": script_path(values, "cloud_init"),
        "runtime_environment_unit_after_targets": after if CLOUD_INIT_AFTER in after else [*after, CLOUD_INIT_AFTER],
    }
    # Not optional: if the oneshot failed, the release must not start with a wrong node name.
    return _with_env_file(values, runtime_environment_file(values), optional=False, first=False)


def credentials(values: Values) -> Values:
    """LoadCredential=<name>:<configuration_dir>/<name>: secrets in $CREDENTIALS_DIRECTORY, not the environment."""
    values = _with_dir(values, "configuration")
    return {
        **values,
        "load_credentials": [(name, f"{values['configuration_dir']}/{name}") for name in values["credentials"]],
    }


STRATEGY_FUNCTIONS: dict[str, Callable[[Values], Values]] = {
    "environment_file": environment_file,
    "s3_sync": s3_sync,
    "ssm": ssm,
    "cloud_init": cloud_init,
    "credentials": credentials,
}


def strategy_errors(values: Mapping[str, Any]) -> list[str]:
    """What stops the picked strategies from working with the other answers (before they are applied)."""
    picked = set(values["config_strategies"])
    version = values["systemd_version"]
    errors = []
    for name in sorted(picked & {"s3_sync", "ssm"}):
        if version < SINCE["ExecStart prefix +"]:
            errors.append(
                f"{name} runs its script as root with ExecStartPre=+, which needs systemd_version >= "
                f"{SINCE['ExecStart prefix +']} (yours: {version})"
            )
    if "credentials" in picked and version < SINCE["LoadCredential="]:
        errors.append(
            f"credentials uses LoadCredential=, which needs systemd_version >= {SINCE['LoadCredential=']} "
            f"(yours: {version}); use environment_file on older systems"
        )
    if "credentials" in picked and not values["credentials"]:
        errors.append("credentials is picked but the `credentials` option lists no names, e.g. [db_password]")
    if values["credentials"] and "credentials" not in picked:
        errors.append("the `credentials` option lists names but config_strategies does not include credentials")
    if "cloud_init" in picked and values["runtime_environment_service_script"]:
        errors.append(
            "cloud_init runs its own runtime-environment script; leave runtime_environment_service_script "
            f"empty (it is {values['runtime_environment_service_script']!r})"
        )
    return errors


def problems(values: Mapping[str, Any]) -> list[Problem]:
    """A check of the check step (checks.py), on the resolved options: one problem per strategy_errors entry."""
    return [Problem("config_strategies", error) for error in strategy_errors(values)]


def apply_strategies(values: Mapping[str, Any]) -> Values:
    """The options with every picked strategy's additions, in CONFIG_STRATEGIES order (checked input: checks.py)."""
    result: Values = {**values, "load_credentials": [], "strategy_start_pre": []}
    for name in CONFIG_STRATEGIES:
        if name in values["config_strategies"]:
            result = STRATEGY_FUNCTIONS[name](result)
    pre = result.pop("strategy_start_pre")
    return {
        **result,
        "exec_start_pre": [*pre, *values["exec_start_pre"]],
        "script_settings": script_settings(result),
        "bootstrap_file": bootstrap_file(result),
    }


def rendered_scripts(values: Mapping[str, Any]) -> list[str]:
    """File names of the scripts to render for the picked strategies."""
    return [SCRIPTS[name] for name in CONFIG_STRATEGIES if name in SCRIPTS and name in values["config_strategies"]]
