"""Scenario 6: ExecStartPre= with `!` runs as root before the start; without a prefix, as app_user.

Under standard/strict the `!` command keeps the sandbox and has no capabilities
(CapabilityBoundingSet= is empty): root can write only where root owns the files.
So the root-only place here is a root-owned 0700 dir made writable with read_write_paths.
"""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module", params=["none", "standard"])
def pre_service(request, deploy, box):
    root_only = f"/var/lib/probe-pre-{request.param}-root"
    as_root = [f"!/bin/sh -c 'id -u >{root_only}/uid'"]
    as_app = ["/bin/sh -c 'id -u >", ":runtime_dir", "/app-uid'"]
    answers = {
        "hardening": request.param,
        "dirs": ["runtime"],
        "exec_start_pre": [as_root, as_app],
        "read_write_paths": [root_only],
        "env_vars": [f"E2E_ROOT_ONLY_DIR={root_only}"],
    }
    service = deploy.scenario(f"pre-{request.param}", answers)
    box.run(["install", "-d", "-m", "0700", "-o", "root", "-g", "root", root_only])
    service.start()
    return service


def test_bang_exec_start_pre_runs_as_root(pre_service, box):
    root_only = pre_service.info()["env"]["E2E_ROOT_ONLY_DIR"]
    assert box.read_file(f"{root_only}/uid").strip() == "0"


def test_app_cannot_write_where_bang_exec_start_pre_wrote(pre_service):
    assert pre_service.get("/write/E2E_ROOT_ONLY_DIR")["result"] == "{:error, :eacces}"


def test_plain_exec_start_pre_runs_as_app_user(pre_service, box):
    uid = box.run(["id", "-u", pre_service.values["app_user"]]).stdout.strip()
    assert box.read_file(f"{pre_service.values['runtime_dir']}/app-uid").strip() == uid


def sync_config_answers(prefix: str) -> dict:
    """mix_systemd's sync-config pattern: a root script writes an env file into the configuration dir."""
    write = [f"{prefix}/bin/sh -c 'echo E2E_SYNCED=yes >", ":configuration_dir", "/synced.env'"]
    return {
        "hardening": "standard",
        "dirs": ["configuration"],
        "exec_start_pre": [write],
        "env_files": [["-", ":configuration_dir", "/synced.env"]],
    }


def test_plus_exec_start_pre_writes_the_configuration_dir_under_standard(deploy):
    service = deploy.scenario("pre-plus", sync_config_answers("+"))
    service.start()
    assert service.info()["env"].get("E2E_SYNCED") == "yes"


def test_bang_exec_start_pre_cannot_write_app_owned_dirs_under_standard(deploy, box):
    """`!` keeps the sandbox and the empty CapabilityBoundingSet=: root cannot write a dir the app user owns."""
    service = deploy.scenario("pre-bang", sync_config_answers("-!"))
    service.start()
    assert service.info()["env"].get("E2E_SYNCED") is None
    assert "Permission denied" in box.journal_showing(service.unit, "Permission denied")
