"""Scenario 8: the runtime-environment oneshot runs first, writes an env file, the VM sees it."""

from __future__ import annotations

import contextlib
import time

import pytest

pytestmark = pytest.mark.e2e

SCRIPT = """#!/bin/sh
set -eu
echo "E2E_RUNTIME_ENV=made by the oneshot" >"$RUNTIME_DIR/runtime-environment"
"""


@pytest.fixture(scope="module")
def runenv_service(deploy, box):
    answers = {
        "dirs": ["runtime"],
        "runtime_environment_service_script": "runtime-environment",
        "env_files": [[":runtime_dir", "/runtime-environment"]],
    }
    service = deploy.scenario("runenv", answers)
    box.write_file(f"{service.values['scripts_dir']}/runtime-environment", SCRIPT, "0755")
    service.start()
    return service


def oneshot(service) -> str:
    return f"{service.name}-runtime-environment.service"


def test_vm_sees_the_value_the_oneshot_wrote(runenv_service):
    assert runenv_service.info()["env"].get("E2E_RUNTIME_ENV") == "made by the oneshot"


def test_main_unit_wants_and_is_after_the_oneshot(runenv_service):
    shown = runenv_service.show("After", "Wants")
    assert oneshot(runenv_service) in shown["After"].split()
    assert oneshot(runenv_service) in shown["Wants"].split()


def test_oneshot_finished_before_the_vm_started(runenv_service, box):
    done = int(box.show(oneshot(runenv_service), "ExecMainExitTimestampMonotonic")["ExecMainExitTimestampMonotonic"])
    started = int(runenv_service.show("ExecMainStartTimestampMonotonic")["ExecMainStartTimestampMonotonic"])
    assert 0 < done <= started


def test_vm_restarted_after_a_crash_still_sees_the_value(runenv_service):
    old_pid = runenv_service.main_pid()
    with contextlib.suppress(OSError):
        runenv_service.get("/crash")
    time.sleep(0.2)
    info, _ = runenv_service.wait_http(timeout=30, not_pid=old_pid)
    assert info["env"].get("E2E_RUNTIME_ENV") == "made by the oneshot"


def test_systemctl_restart_reruns_the_oneshot_and_serves(runenv_service, box):
    old_pid = runenv_service.main_pid()
    box.systemctl("restart", runenv_service.unit)
    info, _ = runenv_service.wait_http(timeout=30, not_pid=old_pid)
    assert info["env"].get("E2E_RUNTIME_ENV") == "made by the oneshot"
