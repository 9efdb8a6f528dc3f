"""Scenario 7: restart_method systemd_flag: a deploy user touches restart.flag, the VM restarts."""

from __future__ import annotations

import time

import pytest

from .metrics import record

pytestmark = pytest.mark.e2e

DEPLOY_USER = "deployer"
OUTSIDER = "outsider"


@pytest.fixture(scope="module")
def flag_service(deploy, box):
    """deploy_user makes sysusers.d put the deployer into the app group, which may write flags_dir."""
    service = deploy.scenario("flag", {"restart_method": "systemd_flag", "deploy_user": DEPLOY_USER})
    box.systemctl("enable", "--now", f"{service.name}-restart.path")
    service.start()
    return service


def restart_flag(service) -> str:
    return f"{service.values['flags_dir']}/restart.flag"


def test_deploy_user_touching_restart_flag_restarts_the_vm(flag_service, box):
    old_pid = flag_service.main_pid()
    touched = time.monotonic()
    box.run(["runuser", "-u", DEPLOY_USER, "--", "touch", restart_flag(flag_service)])
    info, _ = flag_service.wait_http(timeout=30, not_pid=old_pid)
    record("restart.flag -> serving again", flag_service.name, time.monotonic() - touched)
    assert flag_service.main_pid() == info["os_pid"] != old_pid


def test_user_outside_the_app_group_cannot_touch_restart_flag(flag_service, box):
    box.run(["useradd", "--system", "--no-create-home", OUTSIDER], check=False)
    touched = box.run(["runuser", "-u", OUTSIDER, "--", "touch", restart_flag(flag_service)], check=False)
    assert not touched.ok() and "Permission denied" in touched.stderr
