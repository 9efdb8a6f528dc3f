"""Sandboxing directives of each hardening profile, gated on systemd_version.

One row a directive: the systemd version that introduced it (see
shared systemd-versions.md) and the profiles that set it. ``paranoia`` is
exactly mix_systemd's set; ``standard`` keeps what a typical Phoenix release
needs (os_mon, runtime.exs, distribution on localhost, ports >= 1024);
``strict`` gives up /proc outside the VM's own PID and scheduler binding
(and its umask default is 0077). Scores and reasons: the README, section Hardening.
"""

from __future__ import annotations

from typing import NamedTuple

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
    Directive("NoNewPrivileges", "yes", 198, ALL),
    Directive("PrivateTmp", "yes", 1, ALL),
    Directive("PrivateDevices", "yes", 209, ALL),
    Directive("PrivateUsers", "yes", 232, ALL),
    Directive("ProtectSystem", "full", 214, frozenset({PARANOIA})),
    Directive("ProtectSystem", "strict", 232, HARDENED),
    Directive("ProtectHome", "yes", 214, ALL),
    Directive("ProtectKernelModules", "yes", 232, ALL),
    Directive("ProtectKernelTunables", "yes", 232, ALL),
    Directive("ProtectKernelLogs", "yes", 244, HARDENED),
    Directive("ProtectControlGroups", "yes", 232, ALL),
    Directive("ProtectClock", "yes", 245, HARDENED),
    Directive("ProtectHostname", "yes", 242, HARDENED),
    Directive("ProtectProc", "invisible", 247, HARDENED),
    Directive("ProcSubset", "pid", 247, frozenset({STRICT})),
    Directive("PrivateMounts", "yes", 239, HARDENED),
    Directive("MountAPIVFS", "yes", 233, frozenset({PARANOIA})),
    Directive("RestrictNamespaces", "yes", 233, HARDENED),
    Directive("RestrictRealtime", "yes", 231, HARDENED),
    Directive("RestrictSUIDSGID", "yes", 242, HARDENED),
    Directive("LockPersonality", "yes", 235, HARDENED),
    # The OTP JIT maps code through two views of a memfd, never W+X memory.
    Directive("MemoryDenyWriteExecute", "yes", 231, HARDENED),
    Directive("RemoveIPC", "yes", 236, HARDENED),
    Directive("KeyringMode", "private", 235, HARDENED),
    Directive("DevicePolicy", "closed", 205, HARDENED),
    Directive("CapabilityBoundingSet", "", 21, HARDENED),
    Directive("SystemCallArchitectures", "native", 209, HARDENED),
    Directive("SystemCallFilter", "@system-service", 239, HARDENED),
    Directive("SystemCallFilter", "~@privileged", 239, HARDENED),
    # ~@resources also blocks scheduler binding (+sbt).
    Directive("SystemCallFilter", "~@resources", 239, frozenset({STRICT})),
    Directive("RestrictAddressFamilies", "AF_UNIX AF_INET AF_INET6", 211, HARDENED),
)

# The lowest systemd_version at which every strict directive exists
# (ProtectProc=, ProcSubset=): strict's default systemd_version.
STRICT_MIN_VERSION = 247

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
        if systemd_version >= 229:
            lines.append(("AmbientCapabilities", BIND_CAPABILITY))
    return lines
