"""Scenario 3: a VM that crashes is restarted by systemd per restart/restart_sec, and serves again."""

from __future__ import annotations

import contextlib
import time

import pytest

from .metrics import record

pytestmark = pytest.mark.e2e

RESTART_SEC = 1.0


def crash(service) -> float:
    """Ask the VM to halt(1); the moment it was asked."""
    asked = time.monotonic()
    with contextlib.suppress(OSError):
        service.get("/crash")
    return asked


@pytest.fixture(scope="module")
def crashed(deploy):
    """Restart=always, RestartSec=1s: crash once, wait for the new VM; (service, old pid, new info, latency)."""
    service = deploy.scenario("crash", {"restart": "always", "restart_sec": "1s"})
    record("start -> first HTTP answer", "crash", service.start())
    old_pid = service.main_pid()
    asked = crash(service)
    info, _ = service.wait_http(timeout=30, not_pid=old_pid)
    latency = time.monotonic() - asked
    record("crash -> serving again", "restart always, RestartSec=1s", latency)
    return service, old_pid, info, latency


def test_crashed_vm_is_replaced_by_a_new_main_pid(crashed):
    service, old_pid, info, _ = crashed
    assert service.main_pid() == info["os_pid"] != old_pid


def test_crash_counts_one_restart(crashed):
    service, *_ = crashed
    assert service.show("NRestarts")["NRestarts"] == "1"


def test_restart_waits_restart_sec(crashed):
    *_, latency = crashed
    assert latency >= RESTART_SEC


def test_restart_on_success_leaves_a_crashed_vm_failed(deploy):
    service = deploy.scenario("crash-on-success", {"restart": "on-success"})
    service.start()
    crash(service)
    service.wait_state("failed", timeout=15)
    assert service.show("Result", "NRestarts") == {"Result": "exit-code", "NRestarts": "0"}
