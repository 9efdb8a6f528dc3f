"""The sysusers.d and tmpfiles.d files rendered next to the units.

They replace useradd/mkdir scripts: ``systemd-sysusers`` creates the app's
user and group (and puts the deploy user into the group), and
``systemd-tmpfiles --create`` makes the deploy tree with owners and modes,
plus the app dirs that this systemd_version cannot create itself.

Where they go: the units are staged under ``<root>/lib/systemd/system``, so
these go to ``<root>/lib/sysusers.d`` and ``<root>/lib/tmpfiles.d``. systemd
reads ``/lib/...`` exactly where it reads units from ``/lib/systemd/system``:
through the /lib -> usr/lib symlink of a merged-/usr system, or directly
on a split-/usr build, so copying the staging root to / installs all three.
"""

from __future__ import annotations

import posixpath
from collections.abc import Mapping
from typing import Any

UNIT_SUFFIX = "systemd/system"

# Owner, group and mode of the deploy tree. `None` as owner: the deploy user,
# else root. The app group can read (and traverse to) the release but not write
# it; flags_dir is group-writable so the deploy user (a member of the app
# group) can touch restart.flag without sudo.
DEPLOY_TREE = (
    ("deploy_dir", "0750"),
    ("releases_dir", "0750"),
    ("scripts_dir", "0750"),
    ("flags_dir", "0770"),
)

# The tmp dir is not here: PrivateTmp= gives the service its own /var/tmp,
# where a dir made on the host would never be seen; the unit's ExecStartPre
# creates it inside the service's namespace instead.
NOT_IN_TMPFILES = ("tmp",)


def staging_dir(output_dir: str, name: str) -> str:
    """<root>/lib/<name> for units in <root>/lib/systemd/system; else <output_dir>/<name>.

    Not output_dir itself: sysusers.d and tmpfiles.d files have the same name.
    """
    if output_dir == UNIT_SUFFIX or output_dir.endswith("/" + UNIT_SUFFIX):
        lib = posixpath.dirname(posixpath.dirname(output_dir))
        return posixpath.join(lib, name) if lib else name
    return posixpath.join(output_dir, name)


def quoted(text: str) -> str:
    """A field of a sysusers.d/tmpfiles.d line, quoted when it has spaces."""
    return f'"{text}"' if " " in text else text


def sysusers_lines(values: Mapping[str, Any]) -> list[str]:
    """u/g/m lines: the app user, its group, and the deploy user as a group member."""
    user, group = values["app_user"], values["app_group"]
    gecos = quoted(f"{values['service_name']} service")
    # With the same name, one line creates both, on every systemd that has sysusers.d.
    lines = [f"u {user} - {gecos}"] if user == group else [f"g {group} -", f"u {user} -:{group} {gecos}"]
    deploy_user = values.get("deploy_user")
    if deploy_user:
        lines.append(f"m {deploy_user} {group}")
    return lines


def tmpfiles_line(path: str, mode: str, owner: str, group: str) -> str:
    return f"d {path} {mode.zfill(4)} {owner} {group} -"


def deploy_tree_lines(values: Mapping[str, Any]) -> list[str]:
    owner = values.get("deploy_user") or "root"
    return [tmpfiles_line(values[name], mode, owner, values["app_group"]) for name, mode in DEPLOY_TREE]


def app_dir_lines(values: Mapping[str, Any], unmanaged: list[str]) -> list[str]:
    """App dirs this systemd cannot create itself, owned as systemd would own them."""
    lines = []
    for name in unmanaged:
        if name in NOT_IN_TMPFILES:
            continue
        # systemd leaves ConfigurationDirectory= to root; the others go to User=.
        owner = "root" if name == "configuration" else values["app_user"]
        lines.append(tmpfiles_line(values[f"{name}_dir"], values[f"{name}_directory_mode"], owner, values["app_group"]))
    return lines


def tmpfiles_lines(values: Mapping[str, Any], unmanaged: list[str]) -> list[str]:
    return deploy_tree_lines(values) + app_dir_lines(values, unmanaged)


def system_files_view(values: Mapping[str, Any], unmanaged: list[str]) -> dict[str, Any]:
    """What the sysusers.d/tmpfiles.d templates print, and where they go."""
    output_dir = values["output_dir"]
    return {
        "sysusers_dir": staging_dir(output_dir, "sysusers.d"),
        "tmpfiles_dir": staging_dir(output_dir, "tmpfiles.d"),
        "sysusers_lines": sysusers_lines(values),
        "tmpfiles_lines": tmpfiles_lines(values, unmanaged),
    }
