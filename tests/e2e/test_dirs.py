"""Scenario 4: the six dirs exist with their mode and owner, their *_DIR vars point at them,
state survives a restart, and the runtime dir is removed or kept per runtime_directory_preserve."""

from __future__ import annotations

import pytest

from .metrics import record

pytestmark = pytest.mark.e2e

MODES = {"runtime": "710", "configuration": "755", "state": "700", "cache": "750", "logs": "740", "tmp": "770"}


def dir_var(name: str) -> str:
    return f"{name.upper()}_DIR"


@pytest.fixture(scope="module")
def dirs_service(deploy):
    answers = {"dirs": list(MODES), **{f"{name}_directory_mode": mode for name, mode in MODES.items()}}
    service = deploy.scenario("dirs", answers)
    record("start -> first HTTP answer", "all six dirs", service.start())
    return service


def test_each_dir_var_points_at_an_existing_dir(dirs_service):
    seen = dirs_service.info()["dirs"]
    expected = {dir_var(name): (dirs_service.values[f"{name}_dir"], ":directory") for name in MODES}
    assert {var: (seen[var]["path"], seen[var].get("type")) for var in expected} == expected


def test_each_dir_has_its_configured_mode(dirs_service):
    seen = dirs_service.info()["dirs"]
    assert {name: seen[dir_var(name)].get("mode") for name in MODES} == MODES


def test_each_dir_is_owned_by_app_user(dirs_service, box):
    """systemd 252 chowns every *Directory=, ConfigurationDirectory= included, to User=;
    the tmp dir is made by the app user's ExecStartPre."""
    uid = int(box.run(["id", "-u", dirs_service.values["app_user"]]).stdout)
    seen = dirs_service.info()["dirs"]
    assert {name: seen[dir_var(name)].get("uid") for name in MODES} == dict.fromkeys(MODES, uid)


def test_state_survives_a_restart(dirs_service, box):
    before = dirs_service.info()["boots"]
    box.systemctl("restart", dirs_service.unit)
    info, _ = dirs_service.wait_http()
    assert info["boots"] == before + 1 >= 2


def test_runtime_dir_is_removed_on_stop_by_default(dirs_service, box):
    box.systemctl("stop", dirs_service.unit)
    assert not box.run(["test", "-e", dirs_service.values["runtime_dir"]], check=False).ok()


def test_runtime_dir_is_kept_on_stop_with_preserve_yes(deploy, box):
    service = deploy.scenario("dirs-preserve", {"dirs": ["runtime"], "runtime_directory_preserve": "yes"})
    service.start()
    box.systemctl("stop", service.unit)
    assert box.run(["test", "-d", service.values["runtime_dir"]], check=False).ok()


# Bases systemd's *Directory= cannot create under: a subdirectory of /run, and /data.
ELSEWHERE = {"dirs": ["runtime", "state"], "runtime_directory_base": "/run/apps"}


@pytest.fixture(scope="module", params=["standard", "strict"])
def elsewhere_service(request, deploy):
    answers = {**ELSEWHERE, "state_dir": f"/data/{request.param}/state", "hardening": request.param, "systemd_version": 252}
    service = deploy.scenario(f"dirs-elsewhere-{request.param}", answers)
    service.start()
    return service


def test_dirs_outside_systemds_bases_are_where_the_app_is_told(elsewhere_service, box):
    """The app's RUNTIME_DIR and STATE_DIR are the dirs that exist, owned by its user, under every profile."""
    uid = int(box.run(["id", "-u", elsewhere_service.values["app_user"]]).stdout)
    seen = elsewhere_service.info()["dirs"]
    found = {var: (seen[var]["path"], seen[var].get("type"), seen[var].get("uid")) for var in ("RUNTIME_DIR", "STATE_DIR")}
    runtime = f"/run/apps/{elsewhere_service.values['runtime_directory']}"
    state = f"/data/{elsewhere_service.values['hardening']}/state"
    assert found == {"RUNTIME_DIR": (runtime, ":directory", uid), "STATE_DIR": (state, ":directory", uid)}


def test_a_state_dir_outside_var_lib_is_writable_by_the_app(elsewhere_service):
    assert elsewhere_service.get("/write/STATE_DIR")["result"] == ":ok"
