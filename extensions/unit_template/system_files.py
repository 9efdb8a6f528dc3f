"""The sysusers.d and tmpfiles.d files rendered next to the units.

They replace useradd/mkdir scripts: ``systemd-sysusers`` creates the app's
user and group (and the deploy user, if missing), and
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

from .problems import Problem

UNIT_SUFFIX = "systemd/system"

# The deploy tree: owned by root, group app_group, so the app can read (and traverse to) its
# release and its scripts but change nothing; nothing root runs, reads or chowns there is
# writable by another user. The deploy user is not in app_group: with systemd_flag it gets
# restart.flag alone (FLAG_MODES), and the dirs on the way to it let others through (o+x).
DEPLOY_TREE = (
    ("deploy_dir", "0750"),
    ("releases_dir", "0750"),
    ("scripts_dir", "0750"),
    ("flags_dir", "0750"),
)
TRAVERSE = 0o001
ROOT_READS_MASK = 0o7755  # no group or other write on what root reads
# restart.flag, made by tmpfiles.d so no one needs to create files in flags_dir:
# writable by the deploy user alone, or by the app group without one.
FLAG_MODES = {True: "0600", False: "0660"}

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
    """u/g lines: the app user, its group, and the deploy user (outside the app group)."""
    user, group = values["app_user"], values["app_group"]
    gecos = quoted(f"{values['service_name']} service")
    # With the same name, one line creates both, on every systemd that has sysusers.d.
    lines = [f"u {user} - {gecos}"] if user == group else [f"g {group} -", f"u {user} -:{group} {gecos}"]
    deploy_user = values.get("deploy_user")
    if deploy_user:
        # Not a member of the app group: it gets restart.flag only (tmpfiles.d). An existing user is left as it is.
        gecos = quoted(f"{values['service_name']} deploy user")
        lines.append(f"u {deploy_user} - {gecos}")
    return lines


def tmpfiles_line(path: str, mode: str, owner: str, group: str, kind: str = "d") -> str:
    return f"{kind} {path} {mode.zfill(4)} {owner} {group} -"


def flag_user(values: Mapping[str, Any]) -> str | None:
    """The deploy user who touches restart.flag, if the restart method has one."""
    return values.get("deploy_user") if values["restart_method"] == "systemd_flag" else None


def problems(values: Mapping[str, Any]) -> list[Problem]:
    """A deploy_user has one right, touching restart.flag: with another restart_method it would have none."""
    deployer, method = values.get("deploy_user"), values["restart_method"]
    if deployer and deployer == values["app_user"]:
        message = (
            f"{deployer} is app_user: the deploy user is another user, who may touch `restart.flag` and nothing else; "
            "name another user, or leave deploy_user empty (then the app group's members may touch it)"
        )
        return [Problem("deploy_user", message)]
    if not deployer or method == "systemd_flag":
        return []
    message = (
        f"{deployer} would have no role with restart_method {method}: a deploy user may only touch "
        f"`restart.flag`, which systemd_flag alone watches; pick restart_method systemd_flag, or leave "
        f"deploy_user empty (with {method}, only root restarts the service)"
    )
    return [Problem("deploy_user", message)]


def on_the_way(path: str, target: str) -> bool:
    return target == path or target.startswith(path.rstrip("/") + "/")


def tree_mode(values: Mapping[str, Any], name: str, mode: str) -> str:
    """The dir's mode; o+x on the way to flags_dir when a deploy user outside the app group touches the flag."""
    if flag_user(values) and on_the_way(values[name], values["flags_dir"]):
        return f"{int(mode, 8) | TRAVERSE:04o}"
    return mode


def deploy_tree_lines(values: Mapping[str, Any]) -> list[str]:
    group = values["app_group"]
    return [tmpfiles_line(values[name], tree_mode(values, name, mode), "root", group) for name, mode in DEPLOY_TREE]


def flag_lines(values: Mapping[str, Any]) -> list[str]:
    """restart.flag with systemd_flag: the deploy user's (or the app group's) to touch; flags_dir stays root's."""
    if values["restart_method"] != "systemd_flag":
        return []
    deployer = flag_user(values)
    owner, group = (deployer, "root") if deployer else ("root", values["app_group"])
    return [tmpfiles_line(f"{values['flags_dir']}/restart.flag", FLAG_MODES[bool(deployer)], owner, group, "f")]


def app_dir_lines(values: Mapping[str, Any], unmanaged: list[str]) -> list[str]:
    """App dirs this systemd cannot create itself, owned as systemd would own them."""
    lines = []
    for name in unmanaged:
        if name in NOT_IN_TMPFILES:
            continue
        # systemd leaves ConfigurationDirectory= to root; the others go to User=.
        owner = "root" if name == "configuration" else values["app_user"]
        mode = values[f"{name}_directory_mode"]
        if name == "configuration":
            # root reads it (EnvironmentFile=, LoadCredential=): the app group may read it, never write it.
            mode = f"{int(mode, 8) & ROOT_READS_MASK:04o}"
        lines.append(tmpfiles_line(values[f"{name}_dir"], mode, owner, values["app_group"]))
    return lines


def tmpfiles_lines(values: Mapping[str, Any], unmanaged: list[str]) -> list[str]:
    return deploy_tree_lines(values) + flag_lines(values) + app_dir_lines(values, unmanaged)


def system_files_view(values: Mapping[str, Any], unmanaged: list[str]) -> dict[str, Any]:
    """What the sysusers.d/tmpfiles.d templates print, and where they go."""
    output_dir = values["output_dir"]
    return {
        "sysusers_dir": staging_dir(output_dir, "sysusers.d"),
        "tmpfiles_dir": staging_dir(output_dir, "tmpfiles.d"),
        "sysusers_lines": sysusers_lines(values),
        "tmpfiles_lines": tmpfiles_lines(values, unmanaged),
    }
