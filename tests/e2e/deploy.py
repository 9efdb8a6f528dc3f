"""Install rendered units and the test release into a box, the way the README (Install the units on a server) tells a user to."""

from __future__ import annotations

import json
import multiprocessing
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rendering import render_template
from unit_template.resolve import resolve

from .box import Box
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


def render_scenario(workdir: Path, app: str, answers: dict[str, Any]) -> tuple[Path, dict[str, Any]]:
    """Render with copier into a fresh mix project; also resolve the answers as the template does."""
    dst = render_template(workdir, answers, app=app)
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


def install_units(box: Box, dst: Path, values: dict[str, Any]) -> list[str]:
    """Step 2: copy the unit files into /etc/systemd/system."""
    names = []
    for path in unit_files(dst, values["output_dir"]):
        box.write_file(f"/etc/systemd/system/{path.name}", path.read_text())
        names.append(path.name)
    return names


def create_users_and_dirs(box: Box, dst: Path, values: dict[str, Any]) -> None:
    """Step 3: users and directories with the rendered sysusers.d and tmpfiles.d files.

    With `system_files: false` there are none: then useradd/install -d, as mix_systemd's users do.
    """
    sysusers = rendered_files(dst, "sysusers.d")
    tmpfiles = rendered_files(dst, "tmpfiles.d")
    for path in sysusers:
        box.write_file(f"/etc/sysusers.d/{path.name}", path.read_text())
    for path in tmpfiles:
        box.write_file(f"/etc/tmpfiles.d/{path.name}", path.read_text())
    if sysusers:
        box.run(["systemd-sysusers"])
    else:
        manual_users(box, values)
    if tmpfiles:
        # The user runs plain `systemd-tmpfiles --create`; naming the file keeps the box's other entries out.
        box.run(["systemd-tmpfiles", "--create", *(f"/etc/tmpfiles.d/{path.name}" for path in tmpfiles)])
    else:
        manual_dirs(box, values)


def manual_users(box: Box, values: dict[str, Any]) -> None:
    group, user, deployer = values["app_group"], values["app_user"], values.get("deploy_user")
    box.sh(f"getent group {group} >/dev/null || groupadd --system {group}")
    box.sh(
        f"getent passwd {user} >/dev/null || useradd --system --gid {group} --no-create-home "
        f"--home-dir {values['deploy_dir']} --shell /usr/sbin/nologin {user}"
    )
    if deployer:
        box.sh(f"getent passwd {deployer} >/dev/null || useradd --system --no-create-home {deployer}")
        box.run(["usermod", "--append", "--groups", group, deployer])


def manual_dirs(box: Box, values: dict[str, Any]) -> None:
    owner, group = values.get("deploy_user") or "root", values["app_group"]
    box.sh(
        f"install -d -m 0750 -o {owner} -g {group} {values['deploy_dir']} {values['releases_dir']}\n"
        f"install -d -m 0770 -o {owner} -g {group} {values['flags_dir']}"
    )


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
) -> Service:
    """Render (unless given), install units, users, dirs and the release; daemon-reload. Nothing is started."""
    dst, values = rendered or render_scenario(workdir, release.app, answers)
    units = install_units(box, dst, values)
    create_users_and_dirs(box, dst, values)
    unpack_release(box, release, values)
    box.systemctl("daemon-reload")
    return Service(box=box, values=values, rendered=dst, port=port, units=units)


def start_all(box: Box, services: list[Service]) -> dict[str, float]:
    """Start several services with one systemctl call; seconds from it to each one's first HTTP answer."""
    started = time.monotonic()
    box.systemctl("start", *(service.unit for service in services), timeout=120)
    waits = {}
    for service in services:
        service.wait_http()
        waits[service.name] = time.monotonic() - started
    return waits
