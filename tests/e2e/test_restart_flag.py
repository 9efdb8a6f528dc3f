"""Scenario 7: restart_method systemd_flag: a deploy user touches restart.flag, the VM restarts."""

from __future__ import annotations

import time

import pytest

from .metrics import record

pytestmark = pytest.mark.e2e

DEPLOY_USER = "deployer"


@pytest.fixture(scope="module")
def flag_service(deploy, box):
    service = deploy.scenario("flag", {"restart_method": "systemd_flag"}, deploy_user=DEPLOY_USER)
    box.systemctl("enable", "--now", f"{service.name}-restart.path")
    service.start()
    return service


def test_deploy_user_touching_restart_flag_restarts_the_vm(flag_service, box):
    old_pid = flag_service.main_pid()
    flag = (
        flag_service.values["restart_flag"]
        if "restart_flag" in flag_service.values
        else (f"{flag_service.values['flags_dir']}/restart.flag")
    )
    touched = time.monotonic()
    box.run(["runuser", "-u", DEPLOY_USER, "--", "touch", flag])
    info, _ = flag_service.wait_http(timeout=30, not_pid=old_pid)
    record("restart.flag -> serving again", flag_service.name, time.monotonic() - touched)
    assert flag_service.main_pid() == info["os_pid"] != old_pid


def test_deploy_user_is_not_root_and_has_no_sudo(box):
    """The flag works by file permissions alone: the deploy user has uid != 0 and no sudo."""
    uid = box.run(["id", "-u", DEPLOY_USER]).stdout.strip()
    sudo = box.run(["sh", "-c", "command -v sudo"], check=False)
    assert uid != "0"
    assert not sudo.ok() or not box.run(["runuser", "-u", DEPLOY_USER, "--", "sudo", "-n", "true"], check=False).ok()
