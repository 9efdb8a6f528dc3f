"""Install rendered units and the test release into a box exactly as copier's closing message tells a
user: by running the install script it names, or the `sudo` steps it prints, from a checkout of the
project on the server. No install code of its own: what a test installs is what a user is told."""

from __future__ import annotations

import contextlib
import io
import itertools
import json
import multiprocessing
import os
import shlex
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rendering import render_template
from unit_template.install import Plan, install_plan, shell_line, tmpfiles_dirs
from unit_template.install import manual_users as plan_manual_users
from unit_template.options import OPTIONS
from unit_template.resolve import resolve
from unit_template.units import unit_view

from .box import Box, CommandResult
from .release import Release

UNIT_SUFFIXES = (".service", ".path", ".socket", ".timer", ".target")
RELEASE_STAMP = "20261126093000"


@dataclass
class Service:
    """One installed scenario: its resolved options, rendered files and port."""

    box: Box
    values: dict[str, Any]
    rendered: Path
    port: int
    units: list[str] = field(default_factory=list)
    project: str = ""  # the checkout on the server the service was installed from

    @property
    def name(self) -> str:
        return self.values["service_name"]

    @property
    def unit(self) -> str:
        return f"{self.name}.service"

    def rendered_unit(self, name: str | None = None) -> str:
        return (self.rendered / self.values["output_dir"] / (name or self.unit)).read_text()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def get(self, path: str, timeout: float = 2) -> dict[str, Any]:
        """GET from inside the box (it has its own network); ConnectionError when nothing answers."""
        done = self.box.run(["curl", "-sS", "--max-time", str(timeout), self.url(path)], check=False)
        if not done.ok():
            raise ConnectionError(done.stderr.strip() or f"curl exited {done.returncode}")
        return json.loads(done.stdout)

    def info(self) -> dict[str, Any]:
        return self.get("/info")

    def wait_http(self, timeout: float = 30, not_pid: str | None = None) -> tuple[dict[str, Any], float]:
        """Poll /info until it answers (from a VM other than not_pid); return it and the wait."""
        started = time.monotonic()
        last: Exception | None = None
        while time.monotonic() - started < timeout:
            try:
                info = self.info()
                if info["os_pid"] != not_pid:
                    return info, time.monotonic() - started
            except (OSError, ValueError) as error:
                last = error
            time.sleep(0.05)
        raise AssertionError(f"{self.unit} did not answer on port {self.port} within {timeout}s: {last}")

    def show(self, *props: str) -> dict[str, str]:
        return self.box.show(self.unit, *props)

    def main_pid(self) -> str:
        return self.show("MainPID")["MainPID"]

    def start(self) -> float:
        """systemctl start, then wait for HTTP; the seconds from start to the first answer."""
        started = time.monotonic()
        self.box.systemctl("start", self.unit, timeout=90)
        _, _ = self.wait_http()
        return time.monotonic() - started

    def wait_state(self, wanted: str, timeout: float = 15) -> str:
        deadline = time.monotonic() + timeout
        state = ""
        while time.monotonic() < deadline:
            state = self.box.systemctl("is-active", self.unit, check=False).stdout.strip()
            if state == wanted:
                return state
            time.sleep(0.05)
        raise AssertionError(f"{self.unit} is {state!r}, not {wanted!r} after {timeout}s")


def copier_output(dst: Path) -> Path:
    """Where render_scenario keeps what copier printed for dst (beside it, not in the project)."""
    return dst.parent / f"{dst.name}.copier-output"


@dataclass
class InstalledUnits:
    """Units installed some other way (a package, an update): for a module's deployer, which
    stops them at the end and shows their journal and unit when a test fails."""

    box: Box
    units: list[str]

    def rendered_unit(self, name: str) -> str:
        return self.box.run(["systemctl", "cat", name], check=False).stdout


def render_scenario(workdir: Path, app: str, answers: dict[str, Any]) -> tuple[Path, dict[str, Any]]:
    """Render with copier into a fresh mix project, keeping what copier prints; resolve the answers too."""
    printed = io.StringIO()
    with contextlib.redirect_stderr(printed):
        dst = render_template(workdir, answers, app=app, quiet=False)
    copier_output(dst).write_text(printed.getvalue())
    return dst, resolve({"app_name": app, **answers})


def render_many(jobs: list[tuple[Path, str, dict[str, Any]]]) -> list[tuple[Path, dict[str, Any]]]:
    """render_scenario for many (workdir, app, answers) at once, in forked processes (copier is slow)."""
    if len(jobs) < 2:
        return [render_scenario(*job) for job in jobs]
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=min(len(jobs), 4), mp_context=context) as pool:
        return list(pool.map(render_scenario, *zip(*jobs, strict=True)))


def rendered_files(dst: Path, directory: str) -> list[Path]:
    """Files the template wrote under any `<directory>` (e.g. sysusers.d), if it writes them."""
    return sorted(p for p in dst.rglob(f"{directory}/*") if p.is_file())


def unit_files(dst: Path, output_dir: str) -> list[Path]:
    return sorted(p for p in (dst / output_dir).iterdir() if p.suffix in UNIT_SUFFIXES)


# --- What copier printed, read as a user reads it -------------------------------------------------

STEPS_HEADER = "or these steps (the same commands):"


def indented_block(lines: list[str], start: int) -> list[str]:
    """The indented lines right after lines[start], up to the next unindented line."""
    block = []
    for line in lines[start + 1 :]:
        if not line.startswith("  "):
            break
        block.append(line.strip())
    return block


def printed_steps(message: str) -> tuple[list[str], list[str]]:
    """The `sudo ...` steps of a closing message, without sudo (the box runs them as root):
    those before the release is unpacked, and those after it (the start)."""
    lines = message.splitlines()
    before: list[str] = []
    after: list[str] = []
    for index, line in enumerate(lines):
        if line == STEPS_HEADER:
            before = indented_block(lines, index)
        elif line.startswith("Then unpack a release"):
            after = indented_block(lines, index)
    strip = [command.removeprefix("sudo ") for command in before if command.startswith("sudo ")]
    return strip, [command.removeprefix("sudo ") for command in after if command.startswith("sudo ")]


def printed_script(message: str) -> str:
    """The install script command a closing message gives, without sudo."""
    lines = message.splitlines()
    for index, line in enumerate(lines):
        if "run the install script" in line:
            return indented_block(lines, index)[0].split("   ")[0].removeprefix("sudo ")
    raise AssertionError(f"no install script in the message:\n{message}")


def message_of(dst: Path) -> str:
    return copier_output(dst).read_text()


# --- The server: a checkout of the project, then what the message says -----------------------------

CHECKOUTS = itertools.count()


def checkout(box: Box, dst: Path) -> str:
    """Copy the rendered project into the box, like a git checkout on the server."""
    project = f"/root/checkouts/{os.getpid()}-{next(CHECKOUTS)}-{dst.name}"
    box.copy_tree_in(dst, project)
    return project


def run_in_project(box: Box, project: str, commands: list[str]) -> None:
    for command in commands:
        box.run(["sh", "-euc", f"cd {shlex.quote(project)} && {command}"], timeout=90)


def run_install_script(box: Box, project: str, script: str, *args: str) -> CommandResult:
    """The install script, run from the checkout as the message says; 3 (secrets still empty) is not a failure."""
    done = box.run(["sh", "-euc", f"cd {shlex.quote(project)} && {script} {' '.join(args)}"], check=False, timeout=120)
    if done.returncode not in (0, 3):
        raise AssertionError(f"{script} exited {done.returncode}:\n{done.stdout}\n{done.stderr}")
    return done


def installed_units(answers: dict[str, Any]) -> list[str]:
    """The unit files the install plan installs for these answers."""
    return [item.name for item in install_plan(unit_view(answers)).items if item.kind == "unit"]


# --- The earlier step-by-step helpers, kept for tests that install one step at a time ---------------
# Each runs the plan's own commands (the ones the message prints) from a checkout of dst.


def plan_of(values: dict[str, Any]) -> Plan:
    """The install plan of a scenario, from its resolved values (resolved values resolve to themselves)."""
    return install_plan(unit_view({name: values[name] for name in OPTIONS if name in values}))


def install_units(box: Box, dst: Path, values: dict[str, Any]) -> list[str]:
    """The units step of the printed steps: install into /etc/systemd/system, daemon-reload, enable."""
    plan = plan_of(values)
    run_in_project(box, checkout(box, dst), [shell_line(command) for command in plan.units])
    return [item.name for item in plan.items if item.kind == "unit"]


def create_users_and_dirs(box: Box, dst: Path, values: dict[str, Any]) -> None:
    """The users-and-directories step of the printed steps (sysusers.d/tmpfiles.d, or shadow's tools)."""
    run_in_project(box, checkout(box, dst), [shell_line(command) for command in plan_of(values).users_and_dirs])


def manual_users(box: Box, values: dict[str, Any]) -> None:
    """What the steps print without system files: users and groups with shadow's tools."""
    view = unit_view({name: values[name] for name in OPTIONS if name in values})
    for command in plan_manual_users(view):
        box.run(list(command))


def manual_dirs(box: Box, values: dict[str, Any]) -> None:
    """What the steps print without system files: the deploy tree with install -d."""
    view = unit_view({name: values[name] for name in OPTIONS if name in values})
    for path, mode, owner, group in tmpfiles_dirs(view):
        box.run(["install", "-d", "-m", mode, "-o", owner, "-g", group, path])


def unpack_release(box: Box, release: Release, values: dict[str, Any]) -> str:
    """Step 4: the release tarball into <releases_dir>/<stamp>, `current` pointing at it, owned by root."""
    target = f"{values['releases_dir']}/{RELEASE_STAMP}"
    box.run(["mkdir", "-p", target])
    box.run(["tar", "-C", target, "--no-same-owner", "-xzf", "-"], input=release.tarball.read_bytes())
    box.run(["ln", "-sfn", target, values["current_dir"]])
    return target


def install(
    box: Box,
    release: Release,
    workdir: Path,
    answers: dict[str, Any],
    port: int,
    rendered: tuple[Path, dict[str, Any]] | None = None,
    *,
    via: str = "script",
) -> Service:
    """Render (unless given), copy the project to the server and install it as copier's message says:
    by its install script (via="script") or by its printed steps (via="steps"); then unpack the
    release. Nothing is started: the release arrives after the units, as on a fresh server."""
    dst, values = rendered or render_scenario(workdir, release.app, answers)
    message = message_of(dst)
    project = checkout(box, dst)
    if via == "script":
        run_install_script(box, project, printed_script(message))
    elif via == "steps":
        before, _ = printed_steps(message)
        run_in_project(box, project, before)
    else:
        raise ValueError(f"via must be script or steps, not {via!r}")
    unpack_release(box, release, values)
    units = installed_units({"app_name": release.app, **answers})
    return Service(box=box, values=values, rendered=dst, port=port, units=units, project=project)


def start_all(box: Box, services: list[Service]) -> dict[str, float]:
    """Start several services with one systemctl call; seconds from it to each one's first HTTP answer."""
    started = time.monotonic()
    box.systemctl("start", *(service.unit for service in services), timeout=120)
    waits = {}
    for service in services:
        service.wait_http()
        waits[service.name] = time.monotonic() - started
    return waits
