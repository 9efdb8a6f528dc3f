"""Issue 11, stopping: `systemctl stop` lets the VM run its terminate callbacks and ends inactive, not failed.

The app's terminate callback takes STOP_DELAY_MS (E2E_STOP_DELAY_MS): inside the
default TimeoutStopSec=30s. With the default KillMode=mixed only the VM gets
SIGTERM; with control-group every process of the unit does (os_mon's port
programs too), for comparison.
"""

from __future__ import annotations

import time

import pytest

from .metrics import record

pytestmark = pytest.mark.e2e

STOP_DELAY_MS = 3000
KILL_MODES = {"stop-mixed": "mixed", "stop-cgroup": "control-group"}


@pytest.fixture(scope="module")
def stopped(deploy, box):
    """name -> (service, seconds `systemctl stop` took, the unit's journal)."""
    services = deploy.scenarios(
        {name: {"kill_mode": mode, "env_vars": [f"E2E_STOP_DELAY_MS={STOP_DELAY_MS}"]} for name, mode in KILL_MODES.items()}
    )
    box.systemctl("start", *(service.unit for service in services.values()), timeout=90)
    result = {}
    for name, service in services.items():
        service.wait_http()
        asked = time.monotonic()
        box.systemctl("stop", service.unit, timeout=90)
        took = time.monotonic() - asked
        record("graceful stop (terminate 3 s)", f"KillMode={KILL_MODES[name]}", took)
        result[name] = (service, took, box.journal(service.unit, lines=1000))
    return result


@pytest.mark.parametrize("name", list(KILL_MODES))
def test_stop_ends_inactive_with_result_success(stopped, name):
    service, *_ = stopped[name]
    assert service.show("ActiveState", "Result") == {"ActiveState": "inactive", "Result": "success"}


def test_stop_runs_the_terminate_and_application_stop_callbacks(stopped):
    _, took, journal = stopped["stop-mixed"]
    assert f"terminate callback ran (:shutdown) after {STOP_DELAY_MS} ms" in journal
    assert "application stop callback ran" in journal
    assert STOP_DELAY_MS / 1000 <= took < 30


def test_default_kill_mode_is_mixed(stopped):
    service, *_ = stopped["stop-mixed"]
    assert service.show("KillMode")["KillMode"] == "mixed"
