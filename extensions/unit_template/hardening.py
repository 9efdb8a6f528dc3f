"""Sandboxing directives of each hardening profile, gated on systemd_version.

One row a directive: the systemd version that introduced it (versions.SINCE)
and the profiles that set it. ``paranoia`` is
exactly mix_systemd's set; ``standard`` keeps what a typical Phoenix release
needs (os_mon, runtime.exs, distribution on localhost, ports >= 1024);
``strict`` gives up /proc outside the VM's own PID and scheduler binding
(and its umask default is 0077). Scores and reasons: the README, section Hardening.
"""

from __future__ import annotations

from typing import NamedTuple

from .versions import SINCE

PARANOIA = "paranoia"
STANDARD = "standard"
STRICT = "strict"
HARDENED = frozenset({STANDARD, STRICT})
ALL = frozenset({PARANOIA, STANDARD, STRICT})


class Directive(NamedTuple):
    key: str
    value: str
    since: int
    profiles: frozenset[str]


DIRECTIVES: tuple[Directive, ...] = (
    Directive("NoNewPrivileges", "yes", SINCE["NoNewPrivileges="], ALL),
    Directive("PrivateTmp", "yes", SINCE["PrivateTmp="], ALL),
    Directive("PrivateDevices", "yes", SINCE["PrivateDevices="], ALL),
    Directive("PrivateUsers", "yes", SINCE["PrivateUsers="], ALL),
    Directive("ProtectSystem", "full", SINCE["ProtectSystem="], frozenset({PARANOIA})),
    Directive("ProtectSystem", "strict", SINCE["ProtectSystem=strict"], HARDENED),
    Directive("ProtectHome", "yes", SINCE["ProtectHome="], ALL),
    Directive("ProtectKernelModules", "yes", SINCE["ProtectKernelModules="], ALL),
    Directive("ProtectKernelTunables", "yes", SINCE["ProtectKernelTunables="], ALL),
    Directive("ProtectKernelLogs", "yes", SINCE["ProtectKernelLogs="], HARDENED),
    Directive("ProtectControlGroups", "yes", SINCE["ProtectControlGroups="], ALL),
    Directive("ProtectClock", "yes", SINCE["ProtectClock="], HARDENED),
    Directive("ProtectHostname", "yes", SINCE["ProtectHostname="], HARDENED),
    Directive("ProtectProc", "invisible", SINCE["ProtectProc="], HARDENED),
    Directive("ProcSubset", "pid", SINCE["ProcSubset="], frozenset({STRICT})),
    Directive("PrivateMounts", "yes", SINCE["PrivateMounts="], HARDENED),
    Directive("MountAPIVFS", "yes", SINCE["MountAPIVFS="], frozenset({PARANOIA})),
    Directive("RestrictNamespaces", "yes", SINCE["RestrictNamespaces="], HARDENED),
    Directive("RestrictRealtime", "yes", SINCE["RestrictRealtime="], HARDENED),
    Directive("RestrictSUIDSGID", "yes", SINCE["RestrictSUIDSGID="], HARDENED),
    Directive("LockPersonality", "yes", SINCE["LockPersonality="], HARDENED),
    # The OTP JIT maps code through two views of a memfd, never W+X memory.
    Directive("MemoryDenyWriteExecute", "yes", SINCE["MemoryDenyWriteExecute="], HARDENED),
    Directive("RemoveIPC", "yes", SINCE["RemoveIPC="], HARDENED),
    Directive("KeyringMode", "private", SINCE["KeyringMode="], HARDENED),
    Directive("DevicePolicy", "closed", SINCE["DevicePolicy="], HARDENED),
    Directive("CapabilityBoundingSet", "", SINCE["CapabilityBoundingSet="], HARDENED),
    Directive("SystemCallArchitectures", "native", SINCE["SystemCallArchitectures="], HARDENED),
    Directive("SystemCallFilter", "@system-service", SINCE["SystemCallFilter=@system-service"], HARDENED),
    # The groups below are older than @system-service; they come with it, in one filter.
    Directive("SystemCallFilter", "~@privileged", SINCE["SystemCallFilter=@system-service"], HARDENED),
    # ~@resources also blocks scheduler binding (+sbt).
    Directive("SystemCallFilter", "~@resources", SINCE["SystemCallFilter=@system-service"], frozenset({STRICT})),
    Directive("RestrictAddressFamilies", "AF_UNIX AF_INET AF_INET6", SINCE["RestrictAddressFamilies="], HARDENED),
)

# What allow_privileged_ports changes: a port < 1024 needs the capability,
# and PrivateUsers= would make the capability useless.
BIND_CAPABILITY = "CAP_NET_BIND_SERVICE"


def directive_names() -> frozenset[str]:
    """What hardening_disable accepts: a key (every line of it) or one `Key=value` line."""
    return frozenset(row.key for row in DIRECTIVES) | frozenset(f"{row.key}={row.value}" for row in DIRECTIVES)


def is_disabled(row: Directive, disabled: frozenset[str]) -> bool:
    return row.key in disabled or f"{row.key}={row.value}" in disabled


def directives(
    profile: str, systemd_version: int, allow_privileged_ports: bool, disabled: frozenset[str] = frozenset()
) -> list[tuple[str, str]]:
    """The (key, value) lines of a profile that this systemd version understands, less the disabled ones."""
    lines: list[tuple[str, str]] = []
    for row in DIRECTIVES:
        if profile not in row.profiles or systemd_version < row.since or is_disabled(row, disabled):
            continue
        if allow_privileged_ports and row.key == "PrivateUsers":
            continue
        value = BIND_CAPABILITY if allow_privileged_ports and row.key == "CapabilityBoundingSet" else row.value
        lines.append((row.key, value))
    if allow_privileged_ports:
        if not any(key == "CapabilityBoundingSet" for key, _ in lines):
            lines.append(("CapabilityBoundingSet", BIND_CAPABILITY))
        if systemd_version >= SINCE["AmbientCapabilities="]:
            lines.append(("AmbientCapabilities", BIND_CAPABILITY))
    return lines


def left_out_notes(profile: str, systemd_version: int, allow_privileged_ports: bool, disabled: frozenset[str]) -> list[str]:
    """The closing message's note on the profile's directives newer than systemd_version, which the unit leaves out."""
    rows = [
        row
        for row in DIRECTIVES
        if profile in row.profiles
        and systemd_version < row.since
        and not is_disabled(row, disabled)
        and not (allow_privileged_ports and row.key == "PrivateUsers")
    ]
    if not rows:
        return []
    names = [f"{row.key}={row.value} ({row.since})" for row in rows]
    return [
        f"At systemd_version {systemd_version}, {profile} hardening leaves out {len(names)} newer "
        f"{'line' if len(names) == 1 else 'lines'}: {', '.join(names)}. "
        "If every server runs a newer systemd, give systemd_version its version to have them."
    ]
