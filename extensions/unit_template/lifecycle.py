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

The lines these options (and restart, restart_sec, timeout_start_sec and listen_sockets) give
are the rows of LINES, one table that copier's unit (``lines``) and the EEx template
(``bindings.line_table``) both evaluate.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
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


PLACEHOLDER = re.compile(r"\{(\w+)\}")


@dataclass(frozen=True)
class Line:
    """One directive line of the main unit: ``key=value``, where each ``{option}`` in ``value``
    is that option's value. Printed when systemd_version is at least ``SINCE[since]`` and below
    ``SINCE[before]``, and every option it needs (those ``value`` names, and ``requires``) is set
    (not None, "" or []).

    Both renderers read these rows: ``lines`` for copier's units, and one comprehension in the
    main unit's EEx template through ``bindings.line_table`` (no directive written there by hand).
    """

    section: str  # "unit" or "service"
    key: str
    value: str
    since: str | None = None  # a versions.SINCE key
    before: str | None = None  # a versions.SINCE key
    requires: tuple[str, ...] = ()

    @property
    def needs(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys((*PLACEHOLDER.findall(self.value), *self.requires)))


# The [Unit] lines after Wants=, and the [Service] lines after SyslogIdentifier=, in order.
# fmt: off
LINES: tuple[Line, ...] = (
    # listen_sockets (sockets.py): stopping the socket stops the service; restarting the service leaves it open.
    Line("unit", "Requires", "{service_name}.socket", requires=("listen_sockets",)),
    Line("unit", "StartLimitIntervalSec", "{start_limit_interval_sec}", since="StartLimitIntervalSec="),
    # mix_systemd's restart, restart_sec and timeout_start_sec.
    Line("service", "Restart", "{restart}"),
    Line("service", "RestartSec", "{restart_sec}"),
    Line("service", "TimeoutStartSec", "{timeout_start_sec}"),
    # The restart delay grows from restart_sec to restart_max_delay_sec.
    Line("service", "RestartSteps", str(RESTART_STEPS), since="RestartSteps=", requires=("restart_max_delay_sec", "restart_sec")),
    Line("service", "RestartMaxDelaySec", "{restart_max_delay_sec}", since="RestartMaxDelaySec=", requires=("restart_sec",)),
    # The start limit's old name, in [Service], before systemd 230.
    Line("service", "StartLimitInterval", "{start_limit_interval_sec}", before="StartLimitIntervalSec="),
    Line("service", "TimeoutStopSec", "{timeout_stop_sec}"),
    Line("service", "KillMode", "{kill_mode}"),
    # systemd sets the flag on the shared socket at each start: every service given it must agree,
    # and the BEAM's accept wants it non-blocking (a blocking one stalls the other VM in accept()).
    Line("service", "NonBlocking", "yes", requires=("listen_sockets",)),
)
# fmt: on


def filled(value: Any) -> bool:
    return value is not None and value != "" and value != []


def applies(line: Line, values: Mapping[str, Any]) -> bool:
    version = values["systemd_version"]
    return (
        (line.since is None or version >= SINCE[line.since])
        and (line.before is None or version < SINCE[line.before])
        and all(filled(values[name]) for name in line.needs)
    )


def lines(section: str, values: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The (key, value) pairs LINES gives in ``section`` for these values."""
    return [
        (line.key, PLACEHOLDER.sub(lambda match: str(values[match.group(1)]), line.value))
        for line in LINES
        if line.section == section and applies(line, values)
    ]


def line_options() -> list[str]:
    """Every option a row of LINES reads, in the order of first mention."""
    return list(dict.fromkeys(name for line in LINES for name in line.needs))


def lifecycle_view(values: Mapping[str, Any]) -> dict[str, Any]:
    """[Unit] lines (after Wants=) and [Service] lines (after SyslogIdentifier=) for the main unit."""
    return {"lifecycle_unit_lines": lines("unit", values), "lifecycle_service_lines": lines("service", values)}
