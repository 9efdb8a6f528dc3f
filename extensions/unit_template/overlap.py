"""Overlapped deploys and restarts: the next VM accepts on the same socket before the serving one stops.

With ``listen_sockets`` (and ``overlap`` left on), a second unit,
``<service>-overlap.service``, is the service's own unit plus a few overrides:
it takes the socket's fds too (``Sockets=``: systemd passes the same listening
socket to several services), runs under its own node name and distribution
port (``distribution_port`` + 1), its own runtime dir (and so RELEASE_TMP),
never restarts itself, and is never enabled. State, cache, logs and
configuration are the service's. ``deploy`` and ``deploy restart`` hand over
in two overlaps, so that ``<service>.service`` serves again at the end:

1. start ``<service>-overlap`` (the new release), wait until it is ready;
   both VMs accept from one kernel queue. Not ready: stop it; the serving VM
   never stopped (rolling back is switching ``current`` back).
2. restart ``<service>.service`` (the old VM drains, the overlap VM serves),
   wait until it is ready, stop the overlap VM (it drains).

All the directives are older than the template's floor (Sockets=, the empty
RuntimeDirectory= that resets the list): no version gate.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .distribution import ERL_OPTIONS, release_environment, user_variable
from .escape import environment
from .option import NOT_ASKED, Option

SUFFIX = "-overlap"
OVERLAP_TYPES = ("simple", "exec", "notify")  # forking's PID file and daemon's fork have one VM per unit

OVERLAP_OPTIONS: dict[str, Option] = {
    "overlap": Option(
        "bool",
        True,
        help="With listen_sockets: deploy and `deploy restart` start the next VM beside the serving one "
        "(two VMs for a moment) and stop the old one once the new is ready (off: stop, then start)",
        ask=NOT_ASKED,
    ),
}


def overlap_unit(values: Mapping[str, Any]) -> str | None:
    """<service>-overlap.service, when the service has a socket unit and a type that runs one VM per unit."""
    if not (values["listen_sockets"] and values["overlap"] and values["service_type"] in OVERLAP_TYPES):
        return None
    return f"{values['service_name']}{SUFFIX}.service"


def overlap_node(values: Mapping[str, Any]) -> dict[str, str]:
    """RELEASE_NODE and ELIXIR_ERL_OPTIONS of the overlap VM: its own node name and distribution port."""
    mode = values["distribution"]
    if mode in ("local", "cluster"):
        shifted = {
            **values,
            "node_name": f"{values['node_name']}{SUFFIX}",
            "distribution_port": int(values["distribution_port"]) + 1,
        }
        own, main = release_environment(shifted, remote=False), release_environment(values, remote=False)
        # The unit's ELIXIR_ERL_OPTIONS is the distribution's flags, then the user's own.
        erl = user_variable(values["env_vars"], ERL_OPTIONS) or main[ERL_OPTIONS]
        node = {ERL_OPTIONS: own[ERL_OPTIONS] + erl.removeprefix(main[ERL_OPTIONS])}
        return {"RELEASE_NODE": own["RELEASE_NODE"], **node} if "RELEASE_NODE" in own else node
    if mode == "release":
        name, at, host = (user_variable(values["env_vars"], "RELEASE_NODE") or values["release_name"]).partition("@")
        return {"RELEASE_NODE": f"{name}{SUFFIX}{at}{host}"}
    return {}


def moved_environment(values: Mapping[str, Any], lines: list[str]) -> list[str]:
    """The service's NAME=value lines that name its runtime dir, pointed at the overlap's."""
    old, new = values["runtime_dir"], values["runtime_dir"] + SUFFIX
    moved = []
    for line in lines:
        _, _, value = line.partition("=")
        if value == old or value.startswith(old + "/"):
            moved.append(line.replace(old, new, 1))
    return moved


Lines = list[tuple[str, str]]


def overlap_lines(values: Mapping[str, Any], environment_lines: list[str], directories: Lines) -> Lines:
    """The [Service] overrides the overlap unit adds after the service's own lines."""
    service = values["service_name"]
    lines = [("Sockets", f"{service}.socket"), ("Restart", "no")]
    runtime = [value for key, value in directories if key == "RuntimeDirectory"]
    moved = []
    if runtime:  # a runtime dir systemd makes: the overlap VM gets one of its own (RELEASE_TMP moves with it)
        lines += [("RuntimeDirectory", ""), ("RuntimeDirectory", runtime[0] + SUFFIX)]
        moved = moved_environment(values, environment_lines)
    node = [f"{name}={value}" for name, value in overlap_node(values).items()]
    lines += [("Environment", environment(line)) for line in moved + node]
    return lines


def overlap_view(values: Mapping[str, Any], environment_lines: list[str], directories: Lines) -> dict[str, Any]:
    unit = overlap_unit(values)
    return {
        "overlap_unit": unit,
        "overlap_lines": overlap_lines(values, environment_lines, directories) if unit else [],
    }
