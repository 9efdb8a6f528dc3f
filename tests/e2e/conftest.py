"""Fixtures of the end-to-end suite: a throwaway systemd, the test release, installed services.

Needs root, systemd, elixir (mix) and util-linux's unshare/nsenter. Under CI=true a missing
one fails every test; elsewhere the tests skip and say what is missing.
"""

from __future__ import annotations

import itertools
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .box import Box, boot
from .deploy import Service, install, render_many
from .metrics import record
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


def require(missing: list[str], ci: bool) -> None:
    """Nothing missing: go on. Else fail under CI, skip elsewhere, naming what is missing."""
    if missing:
        message = "end-to-end tests need: " + ", ".join(missing)
        if ci:
            pytest.fail(message, pytrace=False)
        pytest.skip(message)


@pytest.fixture(scope="session")
def e2e_ready() -> None:
    require(missing_requirements(), in_ci())


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


# The box has a network namespace of its own: every port is free there.
PORTS = itertools.count(4101)
DISTRIBUTION_PORT_OFFSET = 1000


class Deployer:
    """deploy(answers, port=None) -> an installed, not yet started Service; .scenario() for most tests."""

    def __init__(self, box: Box, release: Release, workdir: Path) -> None:
        self.box, self.release, self.workdir = box, release, workdir
        self.installed: list[Service] = []
        self.counter = itertools.count()

    def __call__(self, answers: dict[str, Any], port: int | None = None) -> Service:
        workdir = self.workdir / f"project{next(self.counter)}"
        service = install(self.box, self.release, workdir, answers, port or next(PORTS))
        self.installed.append(service)
        return service

    def scenario(self, name: str, answers: dict[str, Any] | None = None, *, port: int | None = None) -> Service:
        """A service of its own (probe-<name>, /srv/probe-<name>, its own port and Erlang node name)."""
        port = port or next(PORTS)
        return self(scenario_answers(name, answers or {}, port), port=port)

    def scenarios(self, specs: dict[str, dict[str, Any]]) -> dict[str, Service]:
        """Several scenarios {name: answers}, rendered in parallel, installed one by one."""
        ports = {name: next(PORTS) for name in specs}
        answers = {name: scenario_answers(name, specs[name], ports[name]) for name in specs}
        workdirs = {name: self.workdir / f"project{next(self.counter)}" for name in specs}
        rendered = render_many([(workdirs[name], self.release.app, answers[name]) for name in specs])
        services = {}
        for name, done in zip(specs, rendered, strict=True):
            services[name] = install(self.box, self.release, workdirs[name], answers[name], ports[name], rendered=done)
            self.installed.append(services[name])
        return services

    def journals(self) -> str:
        parts = []
        for service in self.installed:
            for unit in service.units:
                parts.append(f"===== journal of {unit} =====\n{self.box.journal(unit)}")
                parts.append(f"===== rendered {unit} =====\n{service.rendered_unit(unit)}")
        return "\n".join(parts)

    def stop_all(self) -> None:
        """One systemctl call: systemd stops them all in parallel."""
        units = [unit for service in self.installed for unit in service.units]
        if units:
            self.box.systemctl("stop", *units, check=False, timeout=90)


DEPLOYERS: dict[str, Deployer] = {}


def scenario_answers(name: str, answers: dict[str, Any], port: int) -> dict[str, Any]:
    """Defaults a scenario gets unless it says otherwise: its own service, deploy dir, port and node.

    The node's name follows service_name; its distribution port is fixed here (the derived one
    could collide between the many services a module starts).
    """
    own_env = [f"PORT={port}"]
    return {
        "service_name": f"probe-{name}",
        "deploy_dir": f"/srv/probe-{name}",
        "distribution_port": port + DISTRIBUTION_PORT_OFFSET,
        **answers,
        "env_vars": own_env + list(answers.get("env_vars", [])),
    }


@pytest.fixture(scope="module")
def deploy(
    request: pytest.FixtureRequest, box: Box, release: Release, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Deployer]:
    """Installs services for one test module; stops them all when the module is done."""
    deployer = Deployer(box, release, tmp_path_factory.mktemp(request.module.__name__.rpartition(".")[2]))
    DEPLOYERS[request.module.__name__] = deployer
    try:
        yield deployer
    finally:
        deployer.stop_all()
        DEPLOYERS.pop(request.module.__name__, None)
