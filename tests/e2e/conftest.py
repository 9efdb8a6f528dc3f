"""Fixtures of the end-to-end suite: a throwaway systemd, the test release, installed services.

Needs root, systemd, elixir (mix) and util-linux's unshare/nsenter. Under CI=true a missing
one fails every test; elsewhere the tests skip and say what is missing.
"""

from __future__ import annotations

import itertools
import os
import shutil
import socket
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from .box import Box, boot
from .deploy import Service, install
from .metrics import record, summary_lines
from .release import Release, build_release

TOOLS = ("unshare", "nsenter", "mix", "elixir", "erl", "tar", "systemd-analyze")
SYSTEMD = "/lib/systemd/systemd"


def missing_requirements() -> list[str]:
    missing = [] if os.geteuid() == 0 else ["root (run as uid 0)"]
    if not os.access(SYSTEMD, os.X_OK):
        missing.append(f"systemd ({SYSTEMD})")
    missing += [tool for tool in TOOLS if shutil.which(tool) is None]
    return missing


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() == "true"


@pytest.fixture(scope="session")
def e2e_ready() -> None:
    missing = missing_requirements()
    if missing:
        message = "end-to-end tests need: " + ", ".join(missing)
        if in_ci():
            pytest.fail(message, pytrace=False)
        pytest.skip(message)


@pytest.fixture(scope="session")
def release(e2e_ready: None, tmp_path_factory: pytest.TempPathFactory) -> Release:
    built = build_release(tmp_path_factory.mktemp("release"))
    record("release build", built.app, built.build_seconds)
    return built


@pytest.fixture(scope="session")
def box(e2e_ready: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Box]:
    booted = boot(f"e2e-box-{os.getpid()}", tmp_path_factory.mktemp("box-log"))
    try:
        record("box boot", "is-system-running", booted.boot_seconds)
        yield booted
    finally:
        booted.kill()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """A failing e2e test's report carries the journal and unit of every service its module installed."""
    outcome = yield
    report = outcome.get_result()
    module = getattr(item, "module", None)
    deployer = DEPLOYERS.get(module.__name__) if module is not None else None
    if report.failed and deployer is not None:
        report.sections.append(("journal of the services", deployer.journals()))


def free_port(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


PORTS = (port for port in itertools.count(4101) if free_port(port))


class Deployer:
    """deploy(answers, port=None, deploy_user=None) -> an installed, not yet started Service."""

    def __init__(self, box: Box, release: Release, workdir: Path) -> None:
        self.box, self.release, self.workdir = box, release, workdir
        self.installed: list[Service] = []
        self.counter = itertools.count()

    def __call__(self, answers: dict[str, Any], port: int | None = None, deploy_user: str | None = None) -> Service:
        workdir = self.workdir / f"project{next(self.counter)}"
        service = install(self.box, self.release, workdir, answers, port or next(PORTS), deploy_user)
        self.installed.append(service)
        return service

    def scenario(self, name: str, answers: dict[str, Any] | None = None, *, port: int | None = None,
                 deploy_user: str | None = None) -> Service:
        """A service of its own (probe-<name>, /srv/probe-<name>, its own port and Erlang node name)."""
        port = port or next(PORTS)
        answers = dict(answers or {})
        own_env = [f"PORT={port}", f"RELEASE_NODE=probe_{name.replace('-', '_')}"]
        answers["env_vars"] = own_env + list(answers.get("env_vars", []))
        answers.setdefault("service_name", f"probe-{name}")
        answers.setdefault("deploy_dir", f"/srv/probe-{name}")
        return self(answers, port=port, deploy_user=deploy_user)

    def journals(self) -> str:
        parts = []
        for service in self.installed:
            for unit in service.units:
                parts.append(f"===== journal of {unit} =====\n{self.box.journal(unit)}")
                parts.append(f"===== rendered {unit} =====\n{service.rendered_unit(unit)}")
        return "\n".join(parts)

    def stop_all(self) -> None:
        for service in reversed(self.installed):
            for unit in reversed(service.units):
                self.box.systemctl("stop", unit, check=False, timeout=60)


DEPLOYERS: dict[str, Deployer] = {}


@pytest.fixture(scope="module")
def deploy(request: pytest.FixtureRequest, box: Box, release: Release,
           tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployer]:
    """Installs services for one test module; stops them all when the module is done."""
    deployer = Deployer(box, release, tmp_path_factory.mktemp(request.module.__name__.rpartition(".")[2]))
    DEPLOYERS[request.module.__name__] = deployer
    try:
        yield deployer
    finally:
        deployer.stop_all()
        DEPLOYERS.pop(request.module.__name__, None)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    from .metrics import MEASURED

    if MEASURED:
        terminalreporter.section("end-to-end timings")
        for line in summary_lines():
            terminalreporter.write_line(line)

