"""The systemd version each directive or feature needs (SINCE), and the derived `systemd_version`.

SINCE is the one version table, keyed by directive (``LoadCredential=``) or
directive and value (``Type=exec``, ``ProtectSystem=strict``) or command-line
prefix (``ExecStart prefix +``): every module that gates a line on
systemd_version reads it here. The versions are those of
/work/shared/reference/systemd-versions.md (tests/test_versions.py checks
each row); a row that reference lacks says where its version comes from in
ELSEWHERE.

REQUIREMENTS is one table of (feature, predicate over the resolved values,
version): a capability that adds a directive newer than the floor adds a row.
With no `systemd_version` answered, the derived version is the lowest that has
everything asked for, at least FLOOR. A predicate may read any option whose own
default does not depend on `systemd_version` (the resolver reports a cycle).
A `required` feature does not work below its version: an answered version that
is too low is refused by its capability's check, naming the feature and the
version; the others (strict's newest directives) are left out below it.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass

from .option import Resolved
from .systemd_syntax import EXEC_PREFIXES

FLOOR = 239  # RHEL 8, the oldest systemd this template targets by default

SINCE: dict[str, int] = {
    # The service
    "Type=exec": 240,
    "LoadCredential=": 247,
    "ExecStart prefix +": 231,
    "ExecStart prefix !": 235,
    "ExecStart prefix :": 242,  # an Exec command line systemd does not expand $VARIABLES in
    "KillMode=mixed": 209,
    "StartLimitIntervalSec=": 230,  # in [Unit]; StartLimitInterval= in [Service] before
    "RestartSteps=": 254,
    "RestartMaxDelaySec=": 254,
    "FileDescriptorName=": 227,
    # Directories systemd creates
    "RuntimeDirectory=": 211,
    "RuntimeDirectoryPreserve=": 235,
    "ConfigurationDirectory=": 235,
    "StateDirectory=": 235,
    "CacheDirectory=": 235,
    "LogsDirectory=": 235,
    # Sandboxing (hardening.py)
    "NoNewPrivileges=": 198,
    "PrivateTmp=": 1,
    "PrivateDevices=": 209,
    "PrivateUsers=": 232,
    "PrivateMounts=": 239,
    "ProtectSystem=": 214,
    "ProtectSystem=strict": 232,
    "ProtectHome=": 214,
    "ProtectKernelModules=": 232,
    "ProtectKernelTunables=": 232,
    "ProtectKernelLogs=": 244,
    "ProtectControlGroups=": 232,
    "ProtectClock=": 245,
    "ProtectHostname=": 242,
    "ProtectProc=": 247,
    "ProcSubset=": 247,
    "MountAPIVFS=": 233,
    "RestrictNamespaces=": 233,
    "RestrictRealtime=": 231,
    "RestrictSUIDSGID=": 242,
    "LockPersonality=": 235,
    "MemoryDenyWriteExecute=": 231,
    "RemoveIPC=": 236,
    "KeyringMode=": 235,
    "DevicePolicy=": 205,
    "CapabilityBoundingSet=": 21,
    "AmbientCapabilities=": 229,
    "SystemCallArchitectures=": 209,
    "SystemCallFilter=@system-service": 239,
    "RestrictAddressFamilies=": 211,
    # ReadWriteDirectories=, ReadOnlyDirectories=, InaccessibleDirectories= before
    "ReadWritePaths=": 231,
}

# Rows whose version is not the reference's "introduced" column, and where it comes from instead.
ELSEWHERE: dict[str, str] = {
    "ExecStart prefix :": "systemd's NEWS, CHANGES WITH 242",
    "KillMode=mixed": "systemd's NEWS, CHANGES WITH 209",
    "StartLimitIntervalSec=": "systemd's NEWS, CHANGES WITH 230 (moved to [Unit], renamed from StartLimitInterval=)",
    "RestartSteps=": "systemd's NEWS, CHANGES WITH 254",
    "RestartMaxDelaySec=": "systemd's NEWS, CHANGES WITH 254",
    "FileDescriptorName=": "systemd's NEWS, CHANGES WITH 227",
    "NoNewPrivileges=": "the reference's note: its parser entry only worked from 198",
}

NO_EXPANSION_PREFIX = ":"
# systemd.service(5) prefixes newer than systemd's oldest versions.
EXEC_PREFIX_SINCE = {prefix: SINCE[f"ExecStart prefix {prefix}"] for prefix in ("+", "!", NO_EXPANSION_PREFIX)}


def since(directive: str) -> int:
    """The version a directive (``Key=``) or a directive with its value (``Key=value``) needs."""
    return SINCE[directive]


def too_old(feature: str, version: int) -> str:
    """The end of a refusal for a feature this systemd_version lacks."""
    return f"needs systemd_version {SINCE[feature]} or later, not {version}"


@dataclass(frozen=True)
class Requirement:
    feature: str
    needs: Callable[[Resolved, Collection[str]], bool]  # (resolved values, the options that are command lines)
    version: int
    required: bool = True


def _strategy(*names: str) -> Callable[[Resolved, Collection[str]], bool]:
    return lambda r, _: any(name in r["config_strategies"] for name in names)


def _exec_prefix(prefix: str) -> Callable[[Resolved, Collection[str]], bool]:
    """Whether a command of an Exec option (exec_start, exec_start_pre, ...) starts with this prefix."""

    def needs(r: Resolved, commands: Collection[str]) -> bool:
        for name in commands:
            value = r[name]
            for command in value if isinstance(value, list) else [value]:
                text = str(command or "").lstrip()
                if prefix in text[: len(text) - len(text.lstrip(EXEC_PREFIXES))]:
                    return True
        return False

    return needs


REQUIREMENTS: tuple[Requirement, ...] = (
    Requirement("service_type exec (Type=exec)", lambda r, _: r["service_type"] == "exec", SINCE["Type=exec"]),
    Requirement(
        "hardening strict (ProtectProc=, ProcSubset=)",
        lambda r, _: r["hardening"] == "strict",
        max(SINCE["ProtectProc="], SINCE["ProcSubset="]),
        required=False,
    ),
    Requirement("config_strategies credentials (LoadCredential=)", _strategy("credentials"), SINCE["LoadCredential="]),
    Requirement(
        "config_strategies s3_sync or ssm (ExecStartPre=+)", _strategy("s3_sync", "ssm"), SINCE["ExecStart prefix +"]
    ),
    Requirement(
        "the : prefix of a command (no $VARIABLE expansion)",
        _exec_prefix(NO_EXPANSION_PREFIX),
        SINCE["ExecStart prefix :"],
    ),
)


def needed(resolved: Resolved, commands: Collection[str]) -> list[Requirement]:
    return [row for row in REQUIREMENTS if row.needs(resolved, commands)]


def lowest_version(resolved: Resolved, commands: Collection[str]) -> int:
    """systemd_version's derivation: the lowest version with everything asked for, at least FLOOR.
    ``commands``: the options whose values are command lines (their prefixes need versions too)."""
    return max([FLOOR, *(row.version for row in needed(resolved, commands))])


def summary() -> str:
    """The table in words, for help texts and docs."""
    return ", ".join(f"{row.version} with {row.feature.split(' (')[0]}" for row in REQUIREMENTS if row.version > FLOOR)
