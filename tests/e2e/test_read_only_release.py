"""Scenario 11: a release in a root-owned deploy dir starts, and nothing writes into it."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def ro_service(deploy, box):
    """hardening none: only file ownership (root, group app) keeps the VM from writing the release."""
    service = deploy.scenario("readonly", {"hardening": "none"})
    box.run(["touch", "/run/e2e-readonly-stamp"])
    service.start()
    return service


def test_release_in_root_owned_dir_starts_and_serves(ro_service):
    assert (ro_service.show("ActiveState")["ActiveState"], ro_service.info()["runtime_exs"]) == ("active", True)


def test_release_dir_is_owned_by_root(ro_service, box):
    out = box.run(["stat", "-L", "-c", "%U", ro_service.values["current_dir"], ro_service.values["deploy_dir"]])
    assert out.stdout.split() == ["root", "root"]


def test_vm_cannot_write_into_the_release(ro_service):
    assert ro_service.get("/write/RELEASE_ROOT")["result"] == "{:error, :eacces}"


def test_starting_wrote_nothing_into_the_release(ro_service, box):
    release = box.run(["readlink", "-f", ro_service.values["current_dir"]]).stdout.strip()
    written = box.run(["find", release, "-newer", "/run/e2e-readonly-stamp"]).stdout.split()
    assert written == []
