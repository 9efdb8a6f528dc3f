"""The one install plan: which rendered files go where on the server, and what runs afterwards.

Everything that tells a user how to install drives from ``install_plan(view)``:
the closing messages of copy and update (messages.py), the rendered install
script (``rel/install-systemd``), the package configuration (packaging.py)
and docs/install.md (a test compares them).

The files come from the manifest (manifest.py), which the template's file
names read too, so a file another capability adds later (a socket unit, a
deploy script) is in the plan without a change here. Where a file goes is decided by the directory it is rendered into, one
row of PLACEMENTS each; a file under the staging root that no row claims
goes where the staging root puts it (root-owned, 0755 if its template is
executable, else 0644).
"""

from __future__ import annotations

import posixpath
import shlex
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .manifest import files as manifest_files
from .manifest import written

View = Mapping[str, Any]
ANSWERS_FILE = ".copier-answers.systemd.yml"
UNIT_SUFFIX = "lib/systemd/system"
INSTALL_SCRIPT = "install-systemd"
# Unit types enabled (and started) with the service; the oneshots they trigger are not.
ENABLED_UNIT_SUFFIXES = (".path", ".socket", ".timer")
# Watchers started at install, release or not: a .path unit only watches (restart.flag),
# so the deploy user's first touch restarts the service even before anything else started it.
STARTED_AT_INSTALL = (".path",)


@dataclass(frozen=True)
class Placement:
    """Where the files rendered into one directory of the repo go on a server."""

    staged: str  # the view entry naming that directory in the repo
    server: Callable[[View], str]  # the directory: install script and printed steps (local admin files: /etc)
    package: Callable[[View], str]  # the directory in a .deb/.rpm (vendor files: /usr/lib)
    mode: str | None = None  # None: 0755 when the template is executable, else 0644
    owner: str = "root"
    group: str = "root"


# One row per kind of file; another capability adds a row only for a directory of its own.
PLACEMENTS: dict[str, Placement] = {
    "unit": Placement("output_dir", lambda v: "/etc/systemd/system", lambda v: "/usr/lib/systemd/system", "0644"),
    "sysusers": Placement("sysusers_dir", lambda v: "/etc/sysusers.d", lambda v: "/usr/lib/sysusers.d", "0644"),
    "tmpfiles": Placement("tmpfiles_dir", lambda v: "/etc/tmpfiles.d", lambda v: "/usr/lib/tmpfiles.d", "0644"),
    "script": Placement("scripts_output_dir", lambda v: v["scripts_dir"], lambda v: v["scripts_dir"], "0755"),
}


@dataclass(frozen=True)
class Rendered:
    path: str  # relative to the project
    executable: bool


@dataclass(frozen=True)
class Item:
    """One file to install."""

    kind: str  # a PLACEMENTS key, or "file" for one placed by the staging root alone
    source: str  # relative to the project
    target: str  # absolute, on the server
    package_target: str
    mode: str
    owner: str
    group: str

    @property
    def name(self) -> str:
        return posixpath.basename(self.target)


Command = tuple[str, ...]


@dataclass(frozen=True)
class Plan:
    """The install as data: files, then commands in order; each command an argv."""

    items: tuple[Item, ...]
    remove_old: tuple[Command, ...]  # units gone without a rename (e.g. the restart path): stopped, disabled, removed
    users_and_dirs: tuple[Command, ...]
    move_release: tuple[Command, ...]  # after a deploy_dir change
    files: tuple[Command, ...]  # scripts and other files, once their dirs exist
    credentials: tuple[Command, ...]  # empty, root-only placeholders for the secrets (never overwritten)
    units: tuple[Command, ...]  # install, daemon-reload, enable
    start: tuple[Command, ...]
    restart: tuple[Command, ...]
    # When the socket's addresses change: systemd listens on them only from a new socket, so the
    # service stops with it and `start` brings both back. The script runs it when the installed
    # .socket differs; the update's steps when the answers changed it (socket_changed).
    stop_for_socket: tuple[Command, ...] = ()
    socket_changed: bool = False
    old_units: tuple[str, ...] = ()  # unit files and scripts of the previous answers to remove
    # After a rename (see renamed()): the old service keeps running until the new one can start.
    carry: tuple[Command, ...] = ()  # first: the old configuration copied where the new one is missing or empty
    stop_old: tuple[Command, ...] = ()  # the old units stopped and disabled, their data dirs moved to the new paths
    start_new: tuple[Command, ...] = ()
    bring_back: tuple[Command, ...] = ()  # when the new service does not stay up: undo stop_old
    retire: tuple[Command, ...] = ()  # once the new service runs: the old units' files and scripts removed
    old_main: str = ""  # the old service's unit file: while it is installed, the switch is still to do
    credential_files: tuple[str, ...] = ()
    release_check: str = ""  # the release's start script: the service can start once it exists
    written: tuple[str, ...] = field(default_factory=tuple)  # every file the template writes

    def commands(self, update: bool = False) -> list[Command]:
        """Everything to run on a server, in order (copy: up to start; update: up to restart)."""
        return [*self.installing(), *self.starting(update)]

    def installing(self) -> list[Command]:
        """The files, users, dirs and units in place: the service not yet (re)started."""
        before = [*self.carry, *self.remove_old, *self.users_and_dirs, *self.move_release, *self.files, *self.credentials]
        return [*before, *self.units]

    def starting(self, update: bool = False) -> list[Command]:
        """Then: start (a copy), or restart, switch to a renamed service or renew the socket (an update)."""
        switch = [*self.stop_old, *self.start_new, *self.retire]
        if update and self.socket_changed and not switch:
            return [*self.stop_for_socket, *self.start]
        return list((switch or self.restart) if update else self.start)


def rendered_files(view: View, answers_file: str = ANSWERS_FILE) -> list[Rendered]:
    """The files copier writes for these answers: the manifest's, and the answers file."""
    return [*(Rendered(path, file.executable) for file, path in written(view)), Rendered(answers_file, False)]


def staging_root(output_dir: str) -> str | None:
    """<root> for units in <root>/lib/systemd/system ("" for the project root); else None."""
    if output_dir == UNIT_SUFFIX:
        return ""
    if output_dir.endswith("/" + UNIT_SUFFIX):
        return output_dir[: -len(UNIT_SUFFIX) - 1]
    return None


def install_script_path(view: View) -> str:
    """Beside the staging root, not in it: copying the staging root to / must not install it."""
    root = staging_root(view["output_dir"])
    base = posixpath.dirname(root) if root else posixpath.dirname(view["output_dir"])
    return posixpath.join(base, INSTALL_SCRIPT) if base else INSTALL_SCRIPT


def placed(view: View, file: Rendered) -> Item | None:
    """The file's Item, or None when it is not installed (EEx templates, answers, the install script)."""
    directory, name = posixpath.split(file.path)
    default_mode = "0755" if file.executable else "0644"
    for kind, row in PLACEMENTS.items():
        if view.get(row.staged) == directory:
            target, package = row.server(view), row.package(view)
            return Item(kind, file.path, f"{target}/{name}", f"{package}/{name}", row.mode or default_mode, row.owner, row.group)
    root = staging_root(view["output_dir"])
    # A staging root that is the project itself would claim every file: only the rows count there.
    if not root or not file.path.startswith(root + "/"):
        return None
    target = "/" + file.path[len(root) + 1 :]
    return Item("file", file.path, target, target, default_mode, "root", "root")


def install_items(view: View, files: list[Rendered]) -> list[Item]:
    return [item for item in (placed(view, file) for file in files) if item is not None]


def of_kind(items: list[Item] | tuple[Item, ...], kind: str) -> list[Item]:
    return [item for item in items if item.kind == kind]


def units_to_enable(view: View, items: list[Item] | tuple[Item, ...]) -> list[str]:
    """The service, and every path/socket/timer unit rendered beside it."""
    main = f"{view['service_name']}.service"
    others = [item.name for item in of_kind(items, "unit") if item.name.endswith(ENABLED_UNIT_SUFFIXES)]
    return [main, *others]


def install_file(item: Item) -> Command:
    return ("install", "-D", "-m", item.mode, "-o", item.owner, "-g", item.group, item.source, item.target)


def sh(script: str) -> Command:
    return ("sh", "-c", script)


def tmpfiles_entries(view: View, wanted: str) -> list[tuple[str, str, str, str]]:
    """(path, mode, owner, group) of every line of type `wanted` the tmpfiles.d file has (or would have)."""
    rows = []
    for line in view["tmpfiles_lines"]:
        kind, path, mode, owner, group, _ = line.split()
        if kind == wanted:
            rows.append((path, mode, owner, group))
    return rows


def tmpfiles_dirs(view: View) -> list[tuple[str, str, str, str]]:
    return tmpfiles_entries(view, "d")


def manual_files(view: View) -> list[Command]:
    """The tmpfiles.d `f` lines (restart.flag) without it: an empty file, made once, with its owner and mode."""
    q = shlex.quote
    return [
        sh(f"test -e {q(path)} || install -m {mode} -o {q(owner)} -g {q(group)} /dev/null {q(path)}")
        for path, mode, owner, group in tmpfiles_entries(view, "f")
    ]


def manual_users(view: View) -> list[Command]:
    """Without a sysusers.d file: what it would do, with shadow's tools."""
    user, group, deployer = view["app_user"], view["app_group"], view.get("deploy_user")
    q = shlex.quote
    commands = [
        sh(f"getent group {q(group)} >/dev/null || groupadd --system {q(group)}"),
        sh(
            f"getent passwd {q(user)} >/dev/null || useradd --system --gid {q(group)} --no-create-home "
            f"--home-dir {q(view['deploy_dir'])} --shell /usr/sbin/nologin {q(user)}"
        ),
    ]
    if deployer:
        # Not into the app group: the deploy user gets restart.flag alone (system_files.py).
        commands.append(sh(f"getent passwd {q(deployer)} >/dev/null || useradd --system --no-create-home {q(deployer)}"))
    return commands


def users_and_dirs(view: View, items: list[Item]) -> list[Command]:
    sysusers, tmpfiles = of_kind(items, "sysusers"), of_kind(items, "tmpfiles")
    if not sysusers:
        dirs = [("install", "-d", "-m", mode, "-o", owner, "-g", group, path) for path, mode, owner, group in tmpfiles_dirs(view)]
        return [*manual_users(view), *dirs, *manual_files(view)]
    return [
        *(install_file(item) for item in sysusers + tmpfiles),
        # Named, as debhelper does: only this app's entries are applied.
        ("systemd-sysusers", *(item.target for item in sysusers)),
        ("systemd-tmpfiles", "--create", *(item.target for item in tmpfiles)),
    ]


def credential_files(view: View) -> list[str]:
    return [path for _, path in view.get("load_credentials", [])]


def credential_placeholders(view: View) -> list[Command]:
    """The configuration dir, then an empty 0600 root file for each secret that is not there yet.

    systemd (as root) reads them for LoadCredential=; the app sees copies in $CREDENTIALS_DIRECTORY.
    """
    paths = credential_files(view)
    if not paths:
        return []
    directory = ("install", "-d", "-m", "0750", "-o", "root", "-g", view["app_group"], view["configuration_dir"])
    q = shlex.quote
    return [directory, *(sh(f"test -e {q(p)} || install -m 0600 -o root -g root /dev/null {q(p)}") for p in paths)]


def removed_units(view: View, previous: View | None) -> list[str]:
    """The previous answers' unit files that the new ones no longer have (a service_name or output change)."""
    if not previous:
        return []
    new = {item.name for item in of_kind(install_items(view, rendered_files(view)), "unit")}
    old = [item.name for item in of_kind(install_items(previous, rendered_files(previous)), "unit")]
    return [name for name in old if name not in new]


def renamed(view: View, previous: View | None) -> bool:
    """The service itself has a new name: the old one runs until the new one can take over."""
    return bool(previous) and previous["service_name"] != view["service_name"]  # type: ignore[index]


def gone_enabled(view: View, previous: View) -> list[str]:
    """The previous units that were enabled (the service, its path/socket/timer units) and are gone now."""
    gone = removed_units(view, previous)
    return [name for name in units_to_enable(previous, install_items(previous, rendered_files(previous))) if name in gone]


def stale_files(view: View, previous: View, kinds: tuple[str, ...]) -> list[str]:
    """Files of these kinds the previous answers installed and the new ones do not (e.g. the old node script)."""
    new_targets = {item.target for item in install_items(view, rendered_files(view))}
    old_items = install_items(previous, rendered_files(previous))
    return [item.target for item in old_items if item.kind in kinds and item.target not in new_targets]


SYSTEM_KINDS = ("unit", "sysusers", "tmpfiles")


def remove_old(view: View, previous: View | None) -> list[Command]:
    """Units gone without a rename (e.g. the restart path unit): stop and disable them, then remove their
    files; the sysusers.d and tmpfiles.d files the answers no longer render (system_files false: systemd
    would still apply them at every boot); and the scripts (e.g. `<service>-node` with distribution none)."""
    if previous is None or renamed(view, previous):
        return []
    steps: list[Command] = []
    if removed_units(view, previous):
        steps.append(("systemctl", "disable", "--now", *gone_enabled(view, previous)))
    for kinds in (SYSTEM_KINDS, ("script",)):
        stale = stale_files(view, previous, kinds)
        if stale:
            steps.append(("rm", "-f", *stale))
    return steps


# The dirs whose contents a service keeps between runs; runtime and tmp start empty each time.
KEPT_DIRS = ("configuration", "state", "cache", "logs")


def moved_dirs(view: View, previous: View | None) -> list[tuple[str, str, str]]:
    """(name, old path, new path) of each kept dir whose path follows the rename.

    The configuration dir always (the environment file and the secrets live there), the others
    when either answers use them (the state dir holds the node's cookie)."""
    if not renamed(view, previous):
        return []
    assert previous is not None
    used = {"configuration", *previous["dirs"], *view["dirs"]}
    return [
        (name, previous[f"{name}_dir"], view[f"{name}_dir"])
        for name in KEPT_DIRS
        if name in used and previous[f"{name}_dir"] != view[f"{name}_dir"]
    ]


def carry_configuration(old: str, new: str) -> Command:
    """Copy (owners, modes kept) each entry of the old configuration dir that the new one lacks or has empty:
    the secrets an earlier install left as empty placeholders included. The old dir is left as it is."""
    q = shlex.quote
    return sh(
        f"if [ -d {q(old)} ]; then "
        f"if [ ! -e {q(new)} ]; then mkdir -p {q(posixpath.dirname(new))} && cp -a {q(old)} {q(new)}; fi; "
        f'for f in {q(old)}/* {q(old)}/.[!.]*; do [ -e "$f" ] || continue; t={q(new)}/"${{f##*/}}"; '
        f'if [ ! -e "$t" ] || {{ [ -f "$t" ] && [ ! -s "$t" ]; }}; then cp -a "$f" "$t"; fi; done; fi'
    )


def move_dir(old: str, new: str) -> Command:
    """Move a data dir to its new path (owners, modes kept) when the new one is missing or empty."""
    q = shlex.quote
    return sh(
        f"if [ -d {q(old)} ]; then if [ ! -e {q(new)} ] || rmdir {q(new)} 2>/dev/null; then "
        f"mkdir -p {q(posixpath.dirname(new))} && mv {q(old)} {q(new)}; "
        f'else printf "install-systemd: %s is not empty: %s is left where it is\\n" {q(new)} {q(old)} >&2; fi; fi'
    )


def move_back(old: str, new: str) -> Command:
    q = shlex.quote
    return sh(f"if [ -d {q(new)} ] && [ ! -e {q(old)} ]; then mv {q(new)} {q(old)}; fi")


def switch_steps(view: View, previous: View | None, enabled: list[str]) -> dict[str, tuple[Command, ...]]:
    """After a rename: the Plan's carry, stop_old, start_new, bring_back and retire."""
    if not renamed(view, previous):
        return {}
    assert previous is not None
    old_enabled, moves = gone_enabled(view, previous), moved_dirs(view, previous)
    data = [(old, new) for name, old, new in moves if name != "configuration"]
    return {
        "carry": tuple(carry_configuration(old, new) for name, old, new in moves if name == "configuration"),
        "stop_old": (("systemctl", "disable", "--now", *old_enabled), *(move_dir(old, new) for old, new in data)),
        "start_new": (("systemctl", "start", *enabled),),
        "bring_back": (
            ("systemctl", "disable", "--now", *enabled),
            *(move_back(old, new) for old, new in data),
            ("systemctl", "enable", "--now", *old_enabled),
        ),
        "retire": (
            ("rm", "-f", *stale_files(view, previous, (*SYSTEM_KINDS, "script", "file"))),
            ("systemctl", "daemon-reload"),
        ),
    }


def deploy_script_target(view: View, items: list[Item] | tuple[Item, ...]) -> str | None:
    """Where the deploy script is installed, when these items hold it."""
    script = manifest_files(view)["deploy_script"]
    return next((item.target for item in items if item.source == script), None) if script else None


def running_restart(view: View, items: list[Item]) -> Command:
    """How a running service restarts with the new files: with overlap, the just-installed deploy
    script's overlapped restart (the next VM beside the serving one, no stop); else try-restart.
    Either leaves a stopped service stopped."""
    main = f"{view['service_name']}.service"
    deploy = deploy_script_target(view, items)
    if not (view.get("overlap_unit") and deploy):
        return ("systemctl", "try-restart", main)
    return (deploy, "try-restart")


def socket_changed(view: View, previous: View | None) -> bool:
    """The same socket unit listens elsewhere (or names its fds otherwise) after the update."""
    if not previous or not view.get("socket_unit") or previous.get("socket_unit") != view["socket_unit"]:
        return False
    return (previous["listen_streams"], previous["fd_name"]) != (view["listen_streams"], view["fd_name"])


def stop_for_socket(view: View) -> list[Command]:
    """Stop the service (and an overlap VM, which holds the socket too) with the socket."""
    if not view.get("socket_unit"):
        return []
    overlap = [view["overlap_unit"]] if view.get("overlap_unit") else []
    return [("systemctl", "stop", f"{view['service_name']}.service", *overlap, view["socket_unit"])]


def move_release(view: View, previous: View | None) -> list[Command]:
    """After a deploy_dir change: the releases into the new releases dir, `current` pointing into it.
    Everything in the releases dir moves, the deploy script's `.history` included: without it,
    `deploy rollback` finds no earlier release, and the next deploy prunes the moved ones."""
    if not previous or previous["releases_dir"] == view["releases_dir"]:
        return []
    q = shlex.quote
    old_releases, new_releases = previous["releases_dir"], view["releases_dir"]
    script = (
        f"if [ -L {q(previous['current_dir'])} ] && [ ! -e {q(view['current_dir'])} ]; then "
        f"find {q(old_releases)} -mindepth 1 -maxdepth 1 -exec mv {{}} {q(new_releases)}/ \\; && "
        f'ln -sfn {q(new_releases)}/"$(basename "$(readlink {q(previous["current_dir"])})")" {q(view["current_dir"])}; fi'
    )
    return [sh(script)]


def install_plan(view: View, previous: View | None = None, answers_file: str = ANSWERS_FILE) -> Plan:
    """The plan for these answers; `previous`: the view of the answers before an update."""
    files = rendered_files(view, answers_file)
    items = install_items(view, files)
    enabled = units_to_enable(view, items)
    units_gone = bool(removed_units(view, previous)) and not renamed(view, previous)
    others = [item for item in items if item.kind not in ("unit", "sysusers", "tmpfiles")]
    unit_names = [item.source for item in of_kind(items, "unit")]
    units = [
        ("install", "-m", "0644", "-o", "root", "-g", "root", "-t", "/etc/systemd/system", *unit_names),
        ("systemctl", "daemon-reload"),
        # Not --now: on a fresh server there is no release yet, and Restart= would
        # spin the unit into "start request repeated too quickly".
        ("systemctl", "enable", *enabled),
    ]
    watchers = [name for name in enabled if name.endswith(STARTED_AT_INSTALL)]
    if watchers:
        units.append(("systemctl", "start", *watchers))
    # A running service keeps its old unit until restarted; try-restart leaves a stopped one alone.
    # Units gone without a rename (restart_method changed): the service restarts with its new unit
    # and what is enabled now starts (stopping a gone socket stopped the service that required it).
    restart = (running_restart(view, items), *((("systemctl", "start", *enabled),) if units_gone else ()))
    switch = switch_steps(view, previous, enabled)
    removal = remove_old(view, previous)
    return Plan(
        items=tuple(items),
        remove_old=tuple(removal),
        users_and_dirs=tuple(users_and_dirs(view, items)),
        move_release=tuple(move_release(view, previous)),
        files=tuple(install_file(item) for item in others),
        credentials=tuple(credential_placeholders(view)),
        units=tuple(units),
        start=(("systemctl", "start", *enabled),),
        restart=restart,
        stop_for_socket=tuple(stop_for_socket(view)),
        socket_changed=socket_changed(view, previous),
        old_units=tuple(c for cmd in removal if cmd[0] == "rm" for c in cmd[2:]),
        **switch,
        old_main=f"{PLACEMENTS['unit'].server(previous)}/{previous['service_name']}.service" if switch and previous else "",
        credential_files=tuple(credential_files(view)),
        release_check=f"{view['current_dir']}/bin/{view['release_name']}",
        written=tuple(file.path for file in files),
    )


def shell_line(command: Command) -> str:
    return shlex.join(command)


def script_line(command: Command) -> str:
    """One command of the install script: through `run`, which prints it and skips it on --dry-run."""
    return f"run {shlex.join(command)}"


def up_to_project(path: str) -> str:
    """From the directory of `path` (relative to the project) back to the project."""
    depth = len(posixpath.dirname(path).split("/")) if posixpath.dirname(path) else 0
    return "/".join([".."] * depth) or "."


def read_write_checks(view: View) -> list[str]:
    """The read_write_paths as paths on the server: the unit has each with `-` (ReadWritePaths=-/data),
    so systemd skips one that does not exist, and the app cannot write there: the install script says so.
    A `+` path is under RootDirectory= when chroot sets one."""
    root = view["root_directory"] if view["chroot"] else "/"
    paths = []
    for item in view["read_write_paths"]:
        path = item.lstrip("-")
        paths.append(posixpath.join(root, path[1:].lstrip("/")) if path.startswith("+") else path)
    return paths


def script_view(view: View, plan: Plan) -> dict[str, Any]:
    """What the install script template places: each command quoted for `run` once, here."""
    q = shlex.quote
    steps = {
        "remove_old": plan.remove_old,
        "users_and_dirs": plan.users_and_dirs,
        "move_release": plan.move_release,
        "files": plan.files,
        "credentials": plan.credentials,
        "units": plan.units,
        "start": plan.start,
        "restart": plan.restart,
        "stop_for_socket": plan.stop_for_socket,
        "carry": plan.carry,
        "stop_old": plan.stop_old,
        "start_new": plan.start_new,
        "bring_back": plan.bring_back,
        "retire": plan.retire,
    }
    return {
        "to_project": q(up_to_project(view["install_script"])),
        "steps": {name: [f"run {q(shell_line(command))}" for command in commands] for name, commands in steps.items()},
        "sources": [q(item.source) for item in plan.items],
        "pairs": [f"{q(item.source)} {q(item.target)}" for item in plan.items],
        "old_units": [q(path) for path in plan.old_units],
        # The socket unit's (source, installed) pair: a difference means new addresses.
        "socket_pair": next(
            (f"{q(item.source)} {q(item.target)}" for item in plan.items if item.name == view.get("socket_unit")), ""
        ),
        "socket": q(view.get("socket_unit") or ""),
        "secrets": [q(path) for path in plan.credential_files],
        "read_write_paths": [q(path) for path in read_write_checks(view)],
        "release": q(plan.release_check),
        "main": q(f"{view['service_name']}.service"),
        "releases_dir": q(view["releases_dir"]),
        "current_dir": q(view["current_dir"]),
        "old_main": q(plan.old_main),
        "old_service": q(posixpath.basename(plan.old_main)),
        # How long a switched-to service must stay up: notify has said READY=1 when start returns.
        "settle": "1" if view["service_type"] == "notify" else "5",
    }
