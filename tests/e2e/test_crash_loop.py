"""Issue 11, no give-up: a release that cannot boot while its dependency is down comes back by itself.

Two services with the default restart policy, started while their "dependency"
(a gate file) is missing: one raises in Application.start/2 (a slow failed
boot, about 2.4 s), one halts at once (about 1 s a cycle, the case systemd's
default start limit gives up on). After OUTAGE seconds the gate appears; nobody
runs systemctl; each must serve within a bounded time.
"""

from __future__ import annotations

import time

import pytest

from .metrics import record

pytestmark = pytest.mark.e2e

OUTAGE = 30.0
MODES = {"outage-raise": "raise", "outage-halt": "halt"}


def gate(name: str) -> str:
    return f"/run/e2e-dependency-{name}"


@pytest.fixture(scope="module")
def outage(deploy, box):
    """name -> (service, states seen during the outage, NRestarts, journal lines, seconds to serve after)."""
    services = deploy.scenarios(
        {name: {"env_vars": [f"E2E_BOOT_GATE={gate(name)}", f"E2E_BOOT_FAIL={mode}"]} for name, mode in MODES.items()}
    )
    for name in services:
        box.run(["rm", "-f", gate(name)])
    box.systemctl("start", "--no-block", *(service.unit for service in services.values()))
    started = time.monotonic()
    states: dict[str, set[str]] = {name: set() for name in services}
    while time.monotonic() - started < OUTAGE:
        for name, service in services.items():
            states[name].add(service.show("ActiveState")["ActiveState"])
        time.sleep(0.5)
    restarts = {name: int(service.show("NRestarts")["NRestarts"]) for name, service in services.items()}
    lines = {name: len(box.journal(service.unit, lines=100000).splitlines()) for name, service in services.items()}
    back = time.monotonic()
    for name in services:
        box.run(["touch", gate(name)])
    result = {}
    for name, service in services.items():
        service.wait_http(timeout=60)
        recovery = time.monotonic() - back
        record("dependency back -> serving", f"{name}, no systemctl run", recovery)
        record(f"{OUTAGE:.0f}s outage: restarts", name, restarts[name], "restarts")
        record(f"{OUTAGE:.0f}s outage: journal lines", name, lines[name], "lines")
        result[name] = (service, states[name], restarts[name], lines[name], recovery)
    return result


@pytest.mark.parametrize("name", list(MODES))
def test_service_serves_again_once_the_dependency_is_back(outage, name):
    service, *_ = outage[name]
    assert service.show("ActiveState")["ActiveState"] == "active"


@pytest.mark.parametrize("name", list(MODES))
def test_systemd_never_gave_up_during_the_outage(outage, box, name):
    service, states, restarts, *_ = outage[name]
    assert "failed" not in states, states
    assert "Start request repeated too quickly" not in box.journal(service.unit, lines=100000)
    assert restarts >= 5  # more than the default StartLimitBurst=5: the limit would have stopped it


def test_a_fast_crash_loop_is_paced_by_restart_sec(outage):
    """1 s RestartSec plus about 1 s a failed boot: not a restart every 100 ms."""
    *_, restarts, _, _ = outage["outage-halt"]
    assert restarts <= OUTAGE / 1.0
