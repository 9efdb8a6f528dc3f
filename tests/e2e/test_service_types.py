"""Scenario 2: each service_type starts the release, tracks the VM and stops cleanly."""

from __future__ import annotations

import time

import pytest

from .deploy import start_all
from .metrics import record

pytestmark = pytest.mark.e2e

SERVICE_TYPES = ("simple", "exec", "notify", "forking")
# forking with its PID file outside the runtime dir, where hardening standard
# (ProtectSystem=strict) still lets the VM write it: the state dir, systemd's own.
FORKING_STATE_PID = "forking-state-pid"
STATE_PID = {"dirs": ["state"], "state_dir": "/var/lib/probe-forking-state", "pid_file": "/var/lib/probe-forking-state/vm.pid"}


@pytest.fixture(scope="module")
def typed_services(deploy, box):
    """One service per Type=, rendered in parallel, started by one systemctl call.

    Rendered for the box's own systemd 252: exec needs 240.
    """
    specs = {f"type-{kind}": {"service_type": kind, "systemd_version": 252} for kind in SERVICE_TYPES}
    specs[FORKING_STATE_PID] = {"service_type": "forking", "systemd_version": 252, **STATE_PID}
    services = deploy.scenarios(specs)
    for name, seconds in start_all(box, list(services.values())).items():
        record("start -> first HTTP answer", f"{name} ({len(services)} at once)", seconds)
    return services


@pytest.fixture(params=SERVICE_TYPES)
def typed_service(request, typed_services):
    return typed_services[f"type-{request.param}"]


def test_service_type_is_active_after_start(typed_service):
    assert typed_service.show("ActiveState", "SubState") == {"ActiveState": "active", "SubState": "running"}


def test_service_type_main_pid_is_the_vm(typed_service):
    assert typed_service.main_pid() == typed_service.info()["os_pid"]


def test_service_type_stop_ends_inactive_within_10s(typed_service):
    started = time.monotonic()
    typed_service.box.systemctl("stop", typed_service.unit, timeout=30)
    typed_service.wait_state("inactive", timeout=10)
    record("systemctl stop", typed_service.name, time.monotonic() - started)
    assert typed_service.show("ActiveState", "Result") == {"ActiveState": "inactive", "Result": "success"}
    assert time.monotonic() - started < 10


def test_forking_with_its_pid_file_in_the_state_dir_runs_under_standard_hardening(typed_services):
    service = typed_services[FORKING_STATE_PID]
    assert service.show("ActiveState", "SubState", "PIDFile") == {
        "ActiveState": "active",
        "SubState": "running",
        "PIDFile": STATE_PID["pid_file"],
    }
    assert "ProtectSystem=strict" in service.rendered_unit(service.unit)
    assert "RuntimeDirectory=" not in service.rendered_unit(service.unit)
    assert service.main_pid() == service.info()["os_pid"]
