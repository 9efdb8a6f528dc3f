"""Restarts and stopping: the unit keeps trying while a dependency is down, and stops gracefully.

Defaults, and why (docs/restarts-and-deploys.md says the same to users):

- ``RestartSec=`` (restart_sec, mix_systemd's option) is the first delay: 1s, not
  systemd's 100 ms, so a VM that exits at once does not spin.
- systemd >= 254 grows the delay (``RestartSteps=``/``RestartMaxDelaySec=``, NEWS of
  v254) from restart_sec to restart_max_delay_sec in RESTART_STEPS steps: an outage
  of minutes costs a few journal lines a minute, not one restart a second.
- ``StartLimitIntervalSec=0`` (start_limit_interval_sec; [Unit] since v230, before
  that ``StartLimitInterval=`` in [Service]): systemd never gives up with "Start
  request repeated too quickly", so the app comes back by itself once the cause is
  gone. The restart delay is what bounds the rate.
- ``TimeoutStopSec=30s`` (v188): time for init:stop to run the applications' stop
  and terminate callbacks (Bandit drains connections for up to 15s by default, Plug.Cowboy 5s).
- ``KillMode=mixed`` (v209): SIGTERM goes to the VM only; what is left in the
  cgroup (port programs, an epmd the release started) gets SIGKILL only after the
  VM has exited, so the VM shuts its ports down itself first.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .option import Option
from .problems import Problem
from .versions import SINCE

RESTART_STEPS = 5
KILL_MODES = ("mixed", "control-group", "process", "none")


LIFECYCLE_OPTIONS: dict[str, Option] = {
    "restart_max_delay_sec": Option(
        "timespan",
        "10s",
        help="RestartMaxDelaySec= (systemd 254+): restart delays grow from restart_sec to this (empty: a fixed delay)",
        empty_is_value=True,
    ),
    "start_limit_interval_sec": Option(
        "timespan",
        "0",
        help="StartLimitIntervalSec=: 0 never gives up restarting; 10s gives up after 5 starts in 10s "
        "(empty: not set, systemd's 10s)",
        empty_is_value=True,
    ),
    "timeout_stop_sec": Option(
        "timespan",
        "30s",
        help="TimeoutStopSec=: time for a graceful stop before systemd kills the VM (empty: systemd's 90s)",
        empty_is_value=True,
    ),
    "kill_mode": Option(
        "choice",
        "mixed",
        KILL_MODES,
        help="KillMode=: mixed (SIGTERM to the VM only, then what is left) or control-group, process, none",
    ),
}


def problems(values: Mapping[str, Any]) -> list[Problem]:
    """Answers this systemd_version cannot do (a check of the check step, checks.py)."""
    version = values["systemd_version"]
    if values["kill_mode"] == "mixed" and version < SINCE["KillMode=mixed"]:
        since = SINCE["KillMode=mixed"]
        return [Problem("kill_mode", f"mixed needs systemd_version {since} or later, not {version}: use control-group")]
    return []


def start_limit_lines(values: Mapping[str, Any], section: str) -> list[tuple[str, str]]:
    """The start limit, in [Unit] from v230 and in [Service] (old name) before."""
    interval = values["start_limit_interval_sec"]
    if not interval:
        return []
    # StartLimitIntervalSec= in [Unit]; before, StartLimitInterval= in [Service].
    in_unit = values["systemd_version"] >= SINCE["StartLimitIntervalSec="]
    if section == "unit" and in_unit:
        return [("StartLimitIntervalSec", str(interval))]
    if section == "service" and not in_unit:
        return [("StartLimitInterval", str(interval))]
    return []


def backoff_lines(values: Mapping[str, Any]) -> list[tuple[str, str]]:
    if values["systemd_version"] < SINCE["RestartSteps="] or not values["restart_max_delay_sec"] or not values["restart_sec"]:
        return []
    return [("RestartSteps", str(RESTART_STEPS)), ("RestartMaxDelaySec", str(values["restart_max_delay_sec"]))]


def stop_lines(values: Mapping[str, Any]) -> list[tuple[str, str]]:
    lines = [("TimeoutStopSec", str(values["timeout_stop_sec"]))] if values["timeout_stop_sec"] else []
    return [*lines, ("KillMode", values["kill_mode"])]


def lifecycle_view(values: Mapping[str, Any]) -> dict[str, Any]:
    """[Unit] lines and [Service] lines (after RestartSec=) for the main unit."""
    return {
        "restart_steps": RESTART_STEPS,
        "lifecycle_unit_lines": start_limit_lines(values, "unit"),
        "lifecycle_service_lines": backoff_lines(values) + start_limit_lines(values, "service") + stop_lines(values),
    }
