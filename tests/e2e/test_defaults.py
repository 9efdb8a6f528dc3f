"""Scenario 1: the default answers install, start, serve and run as app_user."""

from __future__ import annotations

import pytest

from .metrics import record

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def default_service(deploy):
    """No answers at all: service e2e-probe, on the app's own default port 4000."""
    service = deploy({}, port=4000)
    record("start -> first HTTP answer", "defaults", service.start())
    return service


def test_default_unit_is_active_after_start(default_service):
    assert default_service.box.systemctl("is-active", default_service.unit, check=False).stdout.strip() == "active"


def test_default_service_runs_as_app_user(default_service, box):
    info = default_service.info()
    uid = int(box.run(["id", "-u", default_service.values["app_user"]]).stdout)
    assert info["uid"] == uid != 0


def test_default_lang_and_mix_env_reach_the_vm(default_service):
    env = default_service.info()["env"]
    assert (env.get("LANG"), env.get("MIX_ENV")) == ("en_US.utf8", "prod")


def test_default_runtime_exs_and_os_mon_run(default_service):
    info = default_service.info()
    assert (info["runtime_exs"], info["os_mon"]) == (True, True)
