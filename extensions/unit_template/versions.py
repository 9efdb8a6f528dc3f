"""The systemd version each feature needs, and the derived `systemd_version`.

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

from collections.abc import Callable
from dataclasses import dataclass

from .hardening import STRICT_MIN_VERSION
from .option import Resolved
from .systemd_syntax import EXEC_PREFIXES

FLOOR = 239  # RHEL 8, the oldest systemd this template targets by default
EXEC_TYPE_SINCE = 240  # Type=exec
CREDENTIALS_SINCE = 247  # LoadCredential=
FULL_PRIVILEGES_SINCE = 231  # the `+` prefix in ExecStartPre=
NO_EXPANSION_PREFIX = ":"  # an Exec command line systemd does not expand $VARIABLES in
NO_EXPANSION_SINCE = 242  # systemd's NEWS, "CHANGES WITH 242"
EXEC_KINDS = frozenset({"command", "commands", "script"})


@dataclass(frozen=True)
class Requirement:
    feature: str
    needs: Callable[[Resolved], bool]
    version: int
    required: bool = True


def _strategy(*names: str) -> Callable[[Resolved], bool]:
    return lambda r: any(name in r["config_strategies"] for name in names)


def _exec_prefix(prefix: str) -> Callable[[Resolved], bool]:
    """Whether a command of an Exec option (exec_start, exec_start_pre, ...) starts with this prefix."""

    def needs(r: Resolved) -> bool:
        from .options import OPTIONS  # options.py derives systemd_version from this table

        for name, option in OPTIONS.items():
            value = r[name] if option.kind in EXEC_KINDS else None
            for command in value if isinstance(value, list) else [value]:
                text = str(command or "").lstrip()
                if prefix in text[: len(text) - len(text.lstrip(EXEC_PREFIXES))]:
                    return True
        return False

    return needs


REQUIREMENTS: tuple[Requirement, ...] = (
    Requirement("service_type exec (Type=exec)", lambda r: r["service_type"] == "exec", EXEC_TYPE_SINCE),
    Requirement(
        "hardening strict (ProtectProc=, ProcSubset=)",
        lambda r: r["hardening"] == "strict",
        STRICT_MIN_VERSION,
        required=False,
    ),
    Requirement("config_strategies credentials (LoadCredential=)", _strategy("credentials"), CREDENTIALS_SINCE),
    Requirement("config_strategies s3_sync or ssm (ExecStartPre=+)", _strategy("s3_sync", "ssm"), FULL_PRIVILEGES_SINCE),
    Requirement("the : prefix of a command (no $VARIABLE expansion)", _exec_prefix(NO_EXPANSION_PREFIX), NO_EXPANSION_SINCE),
)


def needed(resolved: Resolved) -> list[Requirement]:
    return [row for row in REQUIREMENTS if row.needs(resolved)]


def lowest_version(resolved: Resolved) -> int:
    """systemd_version's derivation: the lowest version with everything asked for, at least FLOOR."""
    return max([FLOOR, *(row.version for row in needed(resolved))])


def summary() -> str:
    """The table in words, for help texts and docs."""
    return ", ".join(f"{row.version} with {row.feature.split(' (')[0]}" for row in REQUIREMENTS if row.version > FLOOR)
