"""Erlang distribution: which node the unit runs, where it listens, and its cookie.

``distribution`` picks one of:

- ``local`` (the default): distribution for ``bin/<release> remote``/``rpc`` on
  the server only. No epmd (``-start_epmd false``); the node listens on one
  fixed port, on 127.0.0.1 only; its cookie is made per host on first start.
- ``none``: ``RELEASE_DISTRIBUTION=none``: no epmd, no listener, no remote shell.
- ``cluster``: nodes on several hosts connect: ``name`` mode, one fixed port
  (the same on every node: without epmd a node finds the others on its own
  port), bound to ``distribution_interface`` (or to every interface when the
  cloud_init strategy names the node at boot); the cookie is the credential
  ``erlang_cookie``, or ERLANG_COOKIE in the environment file (the same secret on every node).
- ``release``: what the release does by itself (mix_systemd's behaviour):
  sname, an epmd started inside the unit on every interface, the build-time cookie.

The cookie never reaches the VM's command line: a mix release always passes
``-setcookie $RELEASE_COOKIE`` (the build-time cookie unless set), so the unit
adds a second, bare ``-setcookie``; given it twice, the VM ignores both and
reads ``$HOME/.erlang.cookie`` (measured with OTP 25). ``HOME`` is the state
dir, where a first start writes a random cookie (or, in cluster, each start
copies the credential), 0400, owned by the app user.

``problems(values)`` is the distribution's check, run by the check step
(checks.py) before anything is applied: apply_distribution assumes checked input.
"""

from __future__ import annotations

import re
import shlex
import zlib
from collections.abc import Mapping
from typing import Any

from .option import Option, Resolved
from .problems import Problem

MODES = ("local", "none", "cluster", "release")
# -start_epmd false with -erl_epmd_port needs OTP 23.1; -dist_listen false (remote shells) OTP 23.0.
MIN_OTP = "23.1"
LOOPBACK = "127.0.0.1"
EPMD_PORT = 4369
PORT_BASE, PORT_SPAN = 4370, 630  # derived ports: 4370-4999, above epmd's 4369
COOKIE_FILE = ".erlang.cookie"
COOKIE_CREDENTIAL = "erlang_cookie"
COOKIE_VARIABLE = "ERLANG_COOKIE"  # cluster with the environment_file strategy: in <configuration_dir>/environment
# Variables the unit sets for the release; an env_vars entry may not set them too.
OWN_VARIABLES = ("RELEASE_DISTRIBUTION", "RELEASE_NODE", "RELEASE_COOKIE", "HOME")
ERL_OPTIONS = "ELIXIR_ERL_OPTIONS"
NODE_SCRIPT_SUFFIX = "-node"
NOT_NODE_NAME = re.compile(r"[^A-Za-z0-9_-]")


def default_node_name(resolved: Resolved) -> str:
    """service_name, with what an Erlang node name cannot hold replaced by _."""
    return NOT_NODE_NAME.sub("_", resolved["service_name"])


def default_port(resolved: Resolved) -> int:
    """A port derived from service_name, so two services on one host differ (unless they collide: then set it)."""
    return PORT_BASE + zlib.crc32(resolved["service_name"].encode()) % PORT_SPAN


def default_distribution(resolved: Resolved) -> str:
    """local; with the cloud_init strategy (it names nodes for a cluster at boot) what it had: release."""
    return "release" if "cloud_init" in resolved["config_strategies"] else "local"


DISTRIBUTION_OPTIONS: dict[str, Option] = {
    "distribution": Option(
        "choice",
        default_distribution,
        MODES,
        help=(
            "Erlang distribution: local (remote shell on this host only, per-host cookie), none (off), "
            "cluster (nodes on several hosts, cookie from the credential erlang_cookie or the environment file) "
            "or release (the release's own: epmd and the build cookie on every interface)"
        ),
        basic=True,
        question_default="{{ 'release' if picked('config_strategies', 'cloud_init') else 'local' }}",
        derived="`local` (`release` with the cloud_init strategy or a mix_systemd import)",
    ),
    "node_name": Option(
        "node_name",
        default_node_name,
        help="Erlang node name, before the @",
        ask="{{ distribution == 'cluster' }}",
        derived="service_name (`_` for what a node name cannot hold)",
    ),
    "distribution_port": Option(
        "port",
        default_port,
        help=f"TCP port of the node's distribution listener, the same on every node of a cluster "
        f"(by default one of {PORT_BASE}-{PORT_BASE + PORT_SPAN - 1}, derived from service_name)",
        ask="{{ distribution == 'cluster' }}",
        derived=f"one of {PORT_BASE}-{PORT_BASE + PORT_SPAN - 1}, derived from service_name",
    ),
    "distribution_interface": Option(
        "ipv4",
        None,
        help="cluster: the IPv4 address the node listens on and is named after, e.g. 10.0.0.5 "
        "(empty: with the cloud_init strategy, every interface and the address cloud-init gives)",
        ask="{{ distribution == 'cluster' }}",
    ),
}


def uses_cookie_file(values: Mapping[str, Any]) -> bool:
    return values["distribution"] in ("local", "cluster")


def node_host(values: Mapping[str, Any]) -> str | None:
    """The part after @; None when the cloud_init strategy sets RELEASE_NODE at boot."""
    if values["distribution"] == "local":
        return LOOPBACK
    return values["distribution_interface"]


def node(values: Mapping[str, Any]) -> str | None:
    host = node_host(values)
    return f"{values['node_name']}@{host}" if host else None


def erl_flags(values: Mapping[str, Any], remote: bool) -> list[str]:
    """VM flags: no epmd, one fixed port, the interface, and the bare -setcookie that makes the VM read the file."""
    flags = ["-start_epmd", "false", "-erl_epmd_port", str(values["distribution_port"])]
    if remote:
        # A remote shell or rpc node connects out only: it must not take the node's port.
        flags += ["-dist_listen", "false"]
    else:
        host = node_host(values)
        if host:
            flags += ["-kernel", "inet_dist_use_interface", "{" + host.replace(".", ",") + "}"]
    return [*flags, "-setcookie"]


def release_environment(values: Mapping[str, Any], remote: bool) -> dict[str, str]:
    """What the release script needs, in the unit (remote=False) or for `bin/<release> remote`/`rpc`."""
    mode = values["distribution"]
    if mode == "none":
        return {"RELEASE_DISTRIBUTION": "none"}
    if mode == "release":
        return {}
    env = {"HOME": values["state_dir"], "RELEASE_DISTRIBUTION": "name"}
    name = node(values)
    if name:
        env["RELEASE_NODE"] = name
    env[ERL_OPTIONS] = " ".join(erl_flags(values, remote))
    return env


def user_variable(env_vars: list[str], name: str) -> str | None:
    for item in env_vars:
        key, _, value = item.partition("=")
        if key == name:
            return value
    return None


def with_environment(values: Mapping[str, Any]) -> list[str]:
    """env_vars with the unit's distribution variables first; a user's ELIXIR_ERL_OPTIONS comes after ours."""
    env_vars = list(values["env_vars"])
    own = release_environment(values, remote=False)
    user_erl = user_variable(env_vars, ERL_OPTIONS)
    if ERL_OPTIONS in own and user_erl is not None:
        own[ERL_OPTIONS] = f"{own[ERL_OPTIONS]} {user_erl}"
        env_vars = [item for item in env_vars if item.partition("=")[0] != ERL_OPTIONS]
    return [f"{key}={value}" for key, value in own.items()] + env_vars


def cluster_cookie_source(values: Mapping[str, Any]) -> str | None:
    """Where a cluster node's cookie comes from: the credential erlang_cookie, else ERLANG_COOKIE
    in the environment file (the environment_file strategy); None: no secret for it."""
    picked = values["config_strategies"]
    if "credentials" in picked and COOKIE_CREDENTIAL in values["credentials"]:
        return "credentials"
    if "environment_file" in picked:
        return "environment_file"
    return None


def cookie_command(values: Mapping[str, Any]) -> str:
    """ExecStartPre=, as the app user: local makes a random cookie once; cluster copies the credential each start.

    Written to a temporary file and renamed: the VM never reads half a cookie.
    """
    mode = values["distribution"]
    if mode == "local":
        body = (
            'set -eu; cookie="$HOME/.erlang.cookie"; [ -s "$cookie" ] && exit 0; '
            'tmp=$(mktemp "$cookie.XXXXXX"); od -An -N32 -tx1 /dev/urandom | tr -dc 0-9a-f >"$tmp"; '
            'chmod 0400 "$tmp"; mv -f "$tmp" "$cookie"'
        )
    elif mode == "cluster" and cluster_cookie_source(values) == "credentials":
        body = (
            'set -eu; cookie="$HOME/.erlang.cookie"; tmp=$(mktemp "$cookie.XXXXXX"); '
            f'cat "$CREDENTIALS_DIRECTORY/{COOKIE_CREDENTIAL}" >"$tmp"; chmod 0400 "$tmp"; mv -f "$tmp" "$cookie"'
        )
    elif mode == "cluster":
        body = (
            f'set -eu; [ -n "${{{COOKIE_VARIABLE}:-}}" ] || {{ echo "{COOKIE_VARIABLE} is not set: put it in '
            f'{values["configuration_dir"]}/environment" >&2; exit 1; }}; cookie="$HOME/.erlang.cookie"; '
            f'tmp=$(mktemp "$cookie.XXXXXX"); printf %s "${COOKIE_VARIABLE}" >"$tmp"; chmod 0400 "$tmp"; '
            'mv -f "$tmp" "$cookie"'
        )
    else:
        raise ValueError(f"no cookie file in distribution {mode}")
    return f"/bin/sh -c '{body.replace('$', '$$')}'"


def node_script(values: Mapping[str, Any]) -> str | None:
    """The script's file name: <service_name>-node, in scripts_dir."""
    return f"{values['service_name']}{NODE_SCRIPT_SUFFIX}" if uses_cookie_file(values) else None


def node_script_path(values: Mapping[str, Any]) -> str | None:
    script = node_script(values)
    return f"{values['scripts_dir']}/{script}" if script else None


def remote_command(values: Mapping[str, Any], *args: str) -> str | None:
    """The command the docs give for `bin/<release> <args>` against this service's node."""
    path = node_script_path(values)
    if not path:
        return None
    return " ".join(["sudo", "-u", values["app_user"], path, *(shlex.quote(a) for a in args)])


def problems(values: Mapping[str, Any]) -> list[Problem]:
    """What stops this distribution from working with the other answers (before it is applied), each
    about the option that settles it: a check of the check step (checks.py), on the resolved options."""
    mode = values["distribution"]
    picked = set(values["config_strategies"])
    found = []
    if mode in ("local", "cluster", "none"):
        for name in OWN_VARIABLES:
            if user_variable(values["env_vars"], name) is not None:
                message = (
                    f"sets {name}, which distribution {mode} sets itself "
                    "(use node_name for the node's name; distribution release leaves these to you)"
                )
                found.append(Problem("env_vars", message))
    if user_variable(values["env_vars"], COOKIE_VARIABLE) is not None:
        message = (
            f"must not hold {COOKIE_VARIABLE}: any user can read a unit's Environment= "
            f"(systemctl show); put it in {values['configuration_dir']}/environment"
        )
        found.append(Problem("env_vars", message))
    if mode in ("local", "cluster") and str(values["distribution_port"]) == str(EPMD_PORT):
        message = (
            f"{EPMD_PORT} is epmd's, which a release with distribution release (or any Erlang node with epmd) "
            f"on this host listens on: pick another (empty: one of {PORT_BASE}-{PORT_BASE + PORT_SPAN - 1})"
        )
        found.append(Problem("distribution_port", message))
    if mode in ("local", "none") and "cloud_init" in picked:
        message = f"the cloud_init strategy names the node for a cluster: with distribution {mode} use cluster (or release)"
        found.append(Problem("distribution", message))
    if mode == "cluster":
        if cluster_cookie_source(values) is None:
            message = (
                "cluster needs the cookie as a secret: add credentials to config_strategies and "
                f"{COOKIE_CREDENTIAL} to credentials (the same cookie in "
                f"{values['configuration_dir']}/{COOKIE_CREDENTIAL} on every node), or the environment_file "
                f"strategy with {COOKIE_VARIABLE}=<cookie> in {values['configuration_dir']}/environment"
            )
            found.append(Problem("distribution", message))
        interface = values["distribution_interface"]
        if not interface and "cloud_init" not in picked:
            message = (
                "cluster needs distribution_interface (this host's address other nodes reach), "
                "or the cloud_init strategy to name the node at boot"
            )
            found.append(Problem("distribution_interface", message))
        elif interface in ("0.0.0.0", LOOPBACK):  # the typical slips: "every interface", "this host"
            message = (
                f"{interface} is no address other hosts reach, and the node is named after it: give this host's "
                "address on the network the nodes share (for one host only, use distribution local)"
            )
            found.append(Problem("distribution_interface", message))
    elif values["distribution_interface"]:
        message = f"{values['distribution_interface']} is for distribution cluster only (distribution is {mode}): leave it empty"
        found.append(Problem("distribution_interface", message))
    return found


def apply_distribution(values: Mapping[str, Any]) -> dict[str, Any]:
    """The options with the distribution's state dir and environment added (checked input: checks.py)."""
    if values["distribution"] in ("none", "release"):
        return {**values, "env_vars": with_environment(values)}
    dirs = list(values["dirs"])
    return {
        **values,
        "dirs": dirs if "state" in dirs else [*dirs, "state"],
        "env_vars": with_environment(values),
        # First: the cookie is there before any other command of the unit runs.
        "exec_start_pre": [cookie_command(values), *values["exec_start_pre"]],
    }


def distribution_additions(values: Mapping[str, Any]) -> dict[str, Any]:
    """What apply_distribution adds to the options, for the EEx templates to add the same:
    the variables before the user's, the cookie command, and whether the state dir is added."""
    applied = apply_distribution(values)
    return {
        "env": [item for item in applied["env_vars"] if item not in values["env_vars"]],
        "pre": [command for command in applied["exec_start_pre"] if command not in values["exec_start_pre"]],
        "state": "state" in applied["dirs"] and "state" not in values["dirs"],
    }


def distribution_view(values: Mapping[str, Any]) -> dict[str, Any]:
    """What the unit and the node script print."""
    remote = release_environment(values, remote=True)
    return {
        "node_script": node_script(values),
        "node_script_env": [(key, shlex.quote(value)) for key, value in remote.items()],
        "node_release": f"{values['current_dir']}/bin/{values['release_name']}",
    }
