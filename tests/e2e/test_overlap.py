"""Issue 20, overlapped deploys and restarts: the next VM accepts on the same socket before the old one stops.

One service with listen_sockets (probe-ovl.socket, probe-ovl.service and
probe-ovl-overlap.service), releases 0.1.0, 0.2.0 and 0.3.0 (raises at every
boot). A client sends a request every 20 ms through each step, run with the
rendered deploy script as the docs show it: a deploy of 0.2.0, `deploy
restart`, a deploy of 0.3.0 (never ready), `deploy rollback`; then a restart
and two deploys started together (the lock: each waits for the one before), a
crash of the new VM during the overlap, and systemd's behaviour the design
leans on (issue systemd#4389). The figures go to the end-to-end summary,
beside test_sockets.py's (the same socket, without overlap).
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import pytest

from .box import Box, CommandResult
from .conftest import PORTS
from .deploy import Service
from .metrics import record
from .release import build_release
from .zero_downtime import Figures, Traffic, copy_tarball, deploy_script

pytestmark = pytest.mark.e2e

SETTLE = "4"  # DEPLOY_SETTLE (whole seconds: 3-4 s): longer than the 2.4 s a broken release takes to fail
# The goal is 0.1 s for every request. On this machine (two cores shared with other jobs) p99 stays
# under 0.06 s, and the few longer waits, up to 0.16 s, were answered by the serving VM while the
# deploy unpacked or a new VM booted (CPU, not the handover): the longest is asserted well below the
# 1.5-2 s of a stop-then-start, so a handover that lets the socket wait for a boot still fails.
MAX_P99 = 0.1
MAX_WAIT = 0.5


@dataclass
class Step:
    outputs: list[CommandResult]
    figures: Figures
    took: float  # seconds, the command (the first, when several)
    to_new: float | None  # seconds from the command to the first answer of the new version

    def text(self) -> str:
        return "\n".join(done.stdout + done.stderr for done in self.outputs)


@pytest.fixture(scope="module")
def tarballs(box, release, tmp_path_factory):
    """version -> the tarball's path in the box: 0.1.0, 0.2.0 and the broken 0.3.0."""
    jobs = {"0.2.0": False, "0.3.0": True}
    with ThreadPoolExecutor(max_workers=2) as pool:
        built = list(pool.map(lambda v: build_release(tmp_path_factory.mktemp(f"release-{v}"), v, jobs[v]), jobs))
    paths = {"0.1.0": copy_tarball(box, release, "overlap-0.1.0")}
    for item in built:
        paths[item.version] = copy_tarball(box, item, f"overlap-{item.version}")
    return paths


@pytest.fixture(scope="module")
def service(deploy, box):
    port = next(PORTS)
    installed = deploy.scenario("ovl", {"listen_sockets": [f"127.0.0.1:{port}"]}, port=port)
    installed.units.append(overlap_unit(installed))
    deploy_script(installed)
    installed.start()
    return installed


def overlap_unit(service: Service) -> str:
    return f"{service.name}-overlap.service"


def script(box: Box, service: Service, *args: str, settings: tuple[str, ...] = ()) -> CommandResult:
    """<scripts_dir>/deploy ARGS as root, as the docs show it (Type=notify: no settle time)."""
    settle = [] if service.values["service_type"] == "notify" else [f"DEPLOY_SETTLE={SETTLE}"]
    command = ["env", *settle, *settings, f"{service.values['scripts_dir']}/deploy", *args]
    return box.run(command, check=False, timeout=240)


def step(
    box: Box,
    service: Service,
    commands: list[tuple[str, ...]],
    new_version: str | None,
    what: str,
    settings: tuple[str, ...] = (),
) -> Step:
    """The commands (started 0.3 s apart, each in a thread) under a client loop; the figures recorded as `what`."""
    outputs: list[CommandResult] = []
    with Traffic(box, service.port, limit=240) as traffic:
        started = time.monotonic()
        threads = []
        for args in commands:
            thread = threading.Thread(target=lambda a=args: outputs.append(script(box, service, *a, settings=settings)))
            thread.start()
            threads.append(thread)
            time.sleep(0.3)
        for thread in threads:
            thread.join(300)
        took = time.monotonic() - started
    figures = traffic.figures
    first = figures.first_answer.get(new_version) if new_version else None
    result = Step(outputs, figures, took, first - started if first else None)
    record_step(what, result)
    return result


def record_step(what: str, result: Step) -> None:
    figures = result.figures
    kind = f"overlap {what}"
    record(f"{kind}: requests", "overlap", figures.requests, "requests")
    record(f"{kind}: refused", "overlap", figures.refused, "requests")
    record(f"{kind}: wait p50", "overlap", figures.p50_wait)
    record(f"{kind}: wait p99", "overlap", figures.p99_wait)
    record(f"{kind}: longest wait", "overlap", figures.longest_wait)
    record(f"{kind}: command", "overlap", result.took)
    if result.to_new is not None:
        record(f"{kind}: to new version", "overlap", result.to_new)


def nothing_left(box: Box, service: Service) -> None:
    """The service serves with one VM; the overlap unit is inactive, not failed."""
    assert box.show(service.unit, "ActiveState")["ActiveState"] == "active"
    assert box.show(overlap_unit(service), "ActiveState")["ActiveState"] == "inactive"
    # Its VMs run from its deploy dir (`-root <deploy_dir>/releases/NAME`).
    listed = box.run(["pgrep", "-a", "-x", "beam.smp"], check=False).stdout.splitlines()
    beams = [line for line in listed if f" {service.values['deploy_dir']}/" in line]
    assert len(beams) == 1, listed


def no_wait(result: Step) -> None:
    figures = result.figures
    assert figures.refused == 0, (figures, result.text())
    assert figures.p99_wait <= MAX_P99, (figures, result.text())
    assert figures.longest_wait <= MAX_WAIT, (figures, result.text())


@pytest.fixture(scope="module")
def deployed(service, tarballs, box):
    return step(box, service, [(tarballs["0.2.0"], "v2")], "0.2.0", "deploy")


@pytest.fixture(scope="module")
def restarted(deployed, service, box):
    pid = service.main_pid()
    # With a health URL: the service's VM is ready once it accepts on the socket and the URL answers.
    health = (f"DEPLOY_HEALTH_URL=http://127.0.0.1:{service.port}/info",)
    result = step(box, service, [("restart",)], None, "deploy restart (health URL)", settings=health)
    return result, pid


@pytest.fixture(scope="module")
def never_ready(restarted, service, tarballs, box):
    pid = service.main_pid()
    return step(box, service, [(tarballs["0.3.0"], "v3")], None, "deploy, never ready"), pid


@pytest.fixture(scope="module")
def rolled_back(never_ready, service, box):
    return step(box, service, [("rollback",)], "0.1.0", "deploy rollback")


def test_a_deploy_overlaps_and_no_client_waits(deployed, service, box):
    assert [done.returncode for done in deployed.outputs] == [0], deployed.text()
    no_wait(deployed)
    assert deployed.figures.versions[-1] == "0.2.0", deployed.figures
    assert service.info()["version"] == "0.2.0"
    nothing_left(box, service)


def test_the_services_vm_is_ready_once_it_accepts_on_the_socket_not_after_the_settle_time(deployed, service):
    # The release proved itself in the overlap VM: the restarted service's VM is not watched DEPLOY_SETTLE s again.
    assert f"{service.unit} accepts on the socket" in deployed.text(), deployed.text()


def test_the_install_script_installs_the_overlap_unit_without_enabling_it(service, box):
    overlap = overlap_unit(service)
    assert box.show(overlap, "LoadState")["LoadState"] == "loaded"
    # "static": it has no [Install] of its own to enable it by (its WantedBy= is reset).
    assert box.systemctl("is-enabled", overlap, check=False).stdout.strip() == "static"


def test_the_node_script_reaches_the_serving_vm_after_a_deploy(deployed, service, box):
    node_script = f"{service.values['scripts_dir']}/{service.name}-node"
    done = box.run(["runuser", "-u", service.values["app_user"], "--", node_script, "rpc", "IO.puts(System.pid())"])
    assert done.stdout.strip() == service.main_pid()


def test_deploy_restart_overlaps_and_no_client_waits(restarted, service, box):
    result, old_pid = restarted
    assert [done.returncode for done in result.outputs] == [0], result.text()
    no_wait(result)
    assert service.main_pid() != old_pid
    nothing_left(box, service)


def test_a_release_never_ready_is_stopped_and_the_old_vm_never_stops(never_ready, service, box):
    result, old_pid = never_ready
    assert [done.returncode for done in result.outputs] == [2], result.text()
    assert "v2 never stopped serving" in result.text()
    no_wait(result)
    assert result.figures.versions == ["0.2.0"]
    assert service.main_pid() == old_pid
    assert box.run(["readlink", service.values["current_dir"]]).stdout.strip().endswith("/v2")
    nothing_left(box, service)


def test_rollback_overlaps_and_no_client_waits(rolled_back, service, box):
    assert [done.returncode for done in rolled_back.outputs] == [0], rolled_back.text()
    no_wait(rolled_back)
    assert service.info()["version"] == "0.1.0"
    nothing_left(box, service)


@pytest.fixture(scope="module")
def together(rolled_back, service, tarballs, box):
    """A restart, then two deploys started while it runs: the lock lets one run at a time."""
    commands = [("restart",), (tarballs["0.2.0"], "v4"), (tarballs["0.1.0"], "v5")]
    return step(box, service, commands, None, "restart + 2 deploys at once")


def test_a_restart_and_two_deploys_at_once_run_one_after_the_other(together, service, box):
    assert [done.returncode for done in together.outputs] == [0, 0, 0], together.text()
    assert together.text().count("waiting for it") == 2, together.text()
    no_wait(together)
    assert service.info()["release_root"].endswith(("/v4", "/v5"))
    nothing_left(box, service)


@pytest.fixture(scope="module")
def crashed(together, service, tarballs, box):
    """The new VM killed during the overlap (SIGKILL: it answers nothing it had accepted)."""
    pid = service.main_pid()
    overlap = overlap_unit(service)
    outputs: list[CommandResult] = []
    with Traffic(box, service.port) as traffic:
        thread = threading.Thread(target=lambda: outputs.append(script(box, service, tarballs["0.2.0"], "v6")))
        thread.start()
        deadline = time.monotonic() + 60
        while box.show(overlap, "ActiveState")["ActiveState"] != "active":
            assert time.monotonic() < deadline, f"{overlap} never started"
            time.sleep(0.05)
        time.sleep(1)  # it accepts by now
        box.systemctl("kill", "--signal=KILL", overlap)
        thread.join(300)
    record("overlap crash: refused", "overlap (new VM killed)", traffic.figures.refused, "requests")
    record("overlap crash: longest wait", "overlap (new VM killed)", traffic.figures.longest_wait)
    return outputs[0], traffic.figures, pid


def test_a_crash_of_the_new_vm_leaves_the_old_one_serving(crashed, service, box):
    done, figures, old_pid = crashed
    assert done.returncode == 2, done.stdout + done.stderr
    assert "never stopped serving" in done.stderr
    assert service.main_pid() == old_pid
    assert figures.last_pid == old_pid, figures
    nothing_left(box, service)


def test_a_socket_user_keeps_the_socket_from_starting_the_service(crashed, service, box):
    """systemd#4389: while a unit with Sockets= runs, a connection does not start the socket's
    Service=; once none runs, the next one does. The overlap relies on the first half."""
    overlap = overlap_unit(service)
    box.systemctl("start", overlap, timeout=90)
    try:
        box.systemctl("stop", service.unit, timeout=90)
        info, _ = service.wait_http(timeout=30)
        assert info["node"].startswith(f"{service.name}-overlap@"), info["node"]
        assert box.show(service.unit, "ActiveState")["ActiveState"] == "inactive"
        box.systemctl("stop", overlap, timeout=90)
        info, _ = service.wait_http(timeout=60)
        assert info["node"].startswith(f"{service.name}@"), info["node"]
        assert box.show(service.unit, "ActiveState")["ActiveState"] == "active"
    finally:
        box.systemctl("stop", overlap, check=False, timeout=90)
        box.systemctl("start", service.unit, check=False, timeout=90)


@pytest.fixture(scope="module")
def notify_deployed(deploy, box, tarballs):
    """Type=notify: both waits of the handover end at READY=1, no settle time."""
    port = next(PORTS)
    answers = {"listen_sockets": [f"127.0.0.1:{port}"], "service_type": "notify"}
    installed = deploy.scenario("ovn", answers, port=port)
    installed.units.append(overlap_unit(installed))
    deploy_script(installed)
    installed.start()
    return installed, step(box, installed, [(tarballs["0.2.0"], "v2")], "0.2.0", "deploy (notify)")


def test_with_type_notify_a_deploy_overlaps_and_no_client_waits(notify_deployed, box):
    service, result = notify_deployed
    assert [done.returncode for done in result.outputs] == [0], result.text()
    no_wait(result)
    assert service.info()["version"] == "0.2.0"
    nothing_left(box, service)


@pytest.fixture(scope="module")
def try_restarted_while_stopped(crashed, service, box):
    """`deploy try-restart` with the service stopped (what the install script runs after an update); then started again."""
    box.systemctl("stop", service.unit, timeout=90)
    try:
        done = script(box, service, "try-restart")
        states = {unit: box.show(unit, "ActiveState")["ActiveState"] for unit in (service.unit, overlap_unit(service))}
    finally:
        service.start()
    return done, states


def test_deploy_try_restart_leaves_a_stopped_service_stopped(try_restarted_while_stopped, service):
    done, states = try_restarted_while_stopped
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"{service.unit} is not running: left stopped" in done.stdout
    assert states == {service.unit: "inactive", overlap_unit(service): "inactive"}
