"""Issue 4, readiness and watchdog: Type=notify waits for READY=1; a silent watchdog gets the VM restarted."""

from __future__ import annotations

import shlex
import time

import pytest

from .deploy import message_of, printed_script
from .metrics import record

pytestmark = pytest.mark.e2e


def test_notify_unit_is_activating_until_ready(deploy, box):
    gate = "/run/e2e-ready-probe-notify"
    service = deploy.scenario(
        "notify-gate", {"service_type": "notify", "systemd_version": 252, "env_vars": [f"E2E_READY_FILE={gate}"]}
    )
    box.systemctl("start", "--no-block", service.unit)
    service.wait_http()  # the VM is up and serving, but has not sent READY=1
    time.sleep(0.5)
    before = service.show("ActiveState")["ActiveState"]
    box.run(["touch", gate])
    service.wait_state("active", timeout=10)
    assert before == "activating"


def test_silent_watchdog_gets_the_vm_restarted(deploy, box):
    service = deploy.scenario("watchdog", {"service_type": "notify", "systemd_version": 252, "watchdog_sec": "2s"})
    service.start()
    old_pid = service.main_pid()
    service.get("/stop-watchdog")
    stopped = time.monotonic()
    info, _ = service.wait_http(timeout=30, not_pid=old_pid)
    record("watchdog silent -> serving again", "WatchdogSec=2s", time.monotonic() - stopped)
    assert (service.main_pid(), service.show("NRestarts")["NRestarts"]) == (info["os_pid"], "1")
    assert "Watchdog timeout" in box.journal_showing(service.unit, "Watchdog timeout")


def test_pinging_watchdog_keeps_the_vm(deploy):
    """The counter-proof: while the app pings, WatchdogSec=2s does not fire in 3.5 s."""
    service = deploy.scenario("watchdog-ok", {"service_type": "notify", "systemd_version": 252, "watchdog_sec": "2s"})
    service.start()
    old_pid = service.main_pid()
    time.sleep(3.5)
    assert (service.main_pid(), service.show("NRestarts")["NRestarts"]) == (old_pid, "0")


def test_the_install_script_with_an_app_that_never_sends_ready_says_why_and_gives_up(deploy, box):
    """Started by the install script, a notify app that never sends READY=1: the script says up front
    that the start waits for READY=1 and how long, then fails after TimeoutStartSec= instead of hanging."""
    never = "/run/e2e-ready-never"  # never created: the app never sends READY=1
    answers = {
        "service_type": "notify",
        "systemd_version": 252,
        "timeout_start_sec": "3s",
        "env_vars": [f"E2E_READY_FILE={never}"],
    }
    service = deploy.scenario("notify-never", answers)
    script = printed_script(message_of(service.rendered))
    started = time.monotonic()
    done = box.run(["sh", "-euc", f"cd {shlex.quote(service.project)} && {script}"], check=False, timeout=60)
    waited = time.monotonic() - started
    record("install script, notify app never ready -> gives up", "TimeoutStartSec=3s", waited)
    assert "with service_type notify, starting probe-notify-never.service waits until the app sends READY=1, at most 3s" in (
        done.stdout
    )
    assert done.returncode == 1, done.stdout + done.stderr
    assert waited < 30
