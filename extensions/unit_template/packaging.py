"""Packages for a fleet: an nfpm configuration that builds a .deb and an .rpm (docs/packages.md).

Opt-in (`packaging: true`, given with --data; not asked). The package holds
the release `mix release` built and every file of the install plan
(install.py), and its maintainer scripts do what debhelper's
dh_installsysusers, dh_installtmpfiles and dh_installsystemd do for a
service: users and directories created, daemon-reload, enable and start on
a first install, restart on upgrade, stop on remove, state and configuration
kept on remove and removed on purge.

Debian packages may ship nothing in /srv (lintian: dir-or-file-in-srv), so
files the plan installs outside /usr and /etc (the release, the scripts dir)
are shipped under /usr/lib/<ext_name>/ and linked into the deploy tree by
the postinst, the way a local administrator's layout is set up after install.
"""

from __future__ import annotations

import posixpath
import shlex
from collections.abc import Mapping
from typing import Any

from .install import Command, Plan, deploy_script_target, install_script_path, of_kind, shell_line, up_to_project
from .option import NOT_ASKED, Option, joined

View = Mapping[str, Any]

PACKAGING_OPTIONS: dict[str, Option] = {
    "packaging": Option(
        "bool",
        False,
        help="Also write an nfpm configuration that builds a .deb and an .rpm (see docs/packages.md)",
        ask=NOT_ASKED,
    ),
    "package_maintainer": joined(
        "text",
        "<ext_name> maintainers <<ext_name>@localhost.localdomain>",
        help="Maintainer of the packages, Name <email>",
        ask="{{ advanced and packaging }}",
    ),
}
# What ERTS in a release links against (libc, libcrypto for :crypto, libtinfo for the shell).
DEPENDS = {
    "deb": ["libc6", "libssl3 | libssl1.1", "libtinfo6", "systemd"],
    "rpm": ["glibc", "openssl-libs", "ncurses-libs", "systemd"],
}
VENDOR_ROOTS = ("/usr/", "/etc/")


def package_dir(view: View) -> str:
    """Beside the install script: rel/package."""
    return posixpath.join(posixpath.dirname(install_script_path(view)), "package")


def vendor_dir(view: View) -> str:
    return f"/usr/lib/{view['ext_name']}"


def release_source(view: View) -> str:
    """Where `mix release` leaves the release, relative to the project."""
    return f"_build/{view['mix_env']}/rel/{view['release_name']}"


def shipped_path(view: View, target: str) -> str:
    """Where a file the plan installs at target lives in the package (/srv and /opt are the admin's)."""
    if target.startswith(VENDOR_ROOTS):
        return target
    deploy = view["deploy_dir"].rstrip("/") + "/"
    relative = target[len(deploy) :] if target.startswith(deploy) else target.lstrip("/")
    return f"{vendor_dir(view)}/{relative}"


def package_files(view: View, plan: Plan) -> list[dict[str, str]]:
    """nfpm `contents` entries of the plan's files: dst, src, mode, owner, group."""
    files = []
    for item in plan.items:
        dst = item.package_target if item.kind in ("unit", "sysusers", "tmpfiles") else shipped_path(view, item.target)
        files.append({"src": item.source, "dst": dst, "mode": item.mode, "owner": item.owner, "group": item.group})
    return files


def links(view: View, plan: Plan) -> list[tuple[str, str]]:
    """(path in the package, path the units use) for everything shipped away from where the units look."""
    pairs = [(f"{vendor_dir(view)}/release", view["current_dir"])]
    for item in plan.items:
        if item.kind not in ("unit", "sysusers", "tmpfiles"):
            shipped = shipped_path(view, item.target)
            if shipped != item.target:
                pairs.append((shipped, item.target))
    return pairs


def setup_commands(view: View, plan: Plan) -> list[Command]:
    """Users and dirs from the shipped sysusers.d/tmpfiles.d files (or shadow's tools without them)."""
    sysusers = [item.package_target for item in plan.items if item.kind == "sysusers"]
    tmpfiles = [item.package_target for item in plan.items if item.kind == "tmpfiles"]
    if not sysusers:
        return list(plan.users_and_dirs)
    return [("systemd-sysusers", *sysusers), ("systemd-tmpfiles", "--create", *tmpfiles)]


def link_commands(view: View, plan: Plan) -> list[Command]:
    return [("ln", "-sfn", shipped, target) for shipped, target in links(view, plan)]


def unlink_script(view: View, plan: Plan) -> list[str]:
    """Remove the links the postinst made, only while they still point into the package."""
    q = shlex.quote
    return [f'[ "$(readlink {q(t)} 2>/dev/null)" != {q(s)} ] || rm -f {q(t)}' for s, t in links(view, plan)]


def purged_dirs(view: View) -> list[str]:
    """What purge removes: the app's dirs (configuration and state too) and the deploy tree."""
    return [view[f"{name}_dir"] for name in view["dirs"]] + [view["deploy_dir"]]


def overlap_restart(view: View, plan: Plan) -> str:
    """The packaged deploy script, when the package holds it and the overlap unit: an upgrade restarts
    a running service with `deploy restart` (the new VM beside the serving one), not stop-then-start."""
    overlap = view.get("overlap_unit")
    if not (overlap and any(item.name == overlap for item in of_kind(plan.items, "unit"))):
        return ""
    deploy = deploy_script_target(view, plan.items)
    return shipped_path(view, deploy) if deploy else ""


def package_view(view: View, plan: Plan) -> dict[str, Any]:
    """What the nfpm configuration and the maintainer scripts print."""
    q = shlex.quote
    enabled = next(command for command in plan.units if command[:2] == ("systemctl", "enable"))[2:]
    watchers = [command[2:] for command in plan.units if command[:2] == ("systemctl", "start")]
    return {
        "dir": package_dir(view),
        "name": view["ext_name"],
        "maintainer": view["package_maintainer"],
        "maintainer_sh": q(view["package_maintainer"]),
        "up": q(up_to_project(f"{package_dir(view)}/build")),
        "release_source": release_source(view),
        "release_target": f"{vendor_dir(view)}/release",
        "files": package_files(view, plan),
        "sources": " ".join(q(item.source) for item in plan.items),
        "depends": DEPENDS,
        "setup": [shell_line(c) for c in setup_commands(view, plan)],
        "links": [shell_line(c) for c in link_commands(view, plan)],
        "credentials": [shell_line(c) for c in plan.credentials],
        "secrets": [q(path) for path in plan.credential_files],
        "units": " ".join(q(name) for name in enabled),
        # On removal: an overlap VM (never enabled) runs only during a deploy, but must not outlive the package.
        "stopped": " ".join(q(name) for name in [*enabled, *([view["overlap_unit"]] if view.get("overlap_unit") else [])]),
        "watchers": " ".join(q(name) for names in watchers for name in names),
        "main": q(enabled[0]),
        "overlap_restart": q(deploy) if (deploy := overlap_restart(view, plan)) else "",
        "unlink": unlink_script(view, plan),
        "purge": " ".join(q(path) for path in purged_dirs(view)),
    }
