"""Scenario 5: env_files and env_vars (with :name references) reach the VM intact."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.e2e

QUOTED = "He said \"hi\" and 'bye'  twice; 100% of $HOME \\o/"


@pytest.fixture(scope="module")
def env_service(deploy, box):
    answers = {
        "dirs": ["runtime"],
        "env_files": [["-", ":configuration_dir", "/missing.env"], [":configuration_dir", "/e2e.env"]],
        "env_vars": [["RELEASE_TMP=", ":runtime_dir"], f"E2E_QUOTED={QUOTED}"],
    }
    service = deploy.scenario("env", answers)
    # What a user does before the first start: put the secrets file in place.
    box.write_file(f"{service.values['configuration_dir']}/e2e.env", "E2E_FROM_FILE=from the env file\n", "0640")
    service.start()
    return service


def test_var_from_env_file_reaches_the_vm(env_service):
    assert env_service.info()["env"].get("E2E_FROM_FILE") == "from the env file"


def test_missing_optional_env_file_does_not_stop_the_start(env_service):
    assert env_service.show("ActiveState")["ActiveState"] == "active"


def test_reference_to_runtime_dir_expands_in_env_var(env_service):
    assert env_service.info()["env"].get("RELEASE_TMP") == env_service.values["runtime_dir"]


def test_value_with_spaces_and_quotes_arrives_intact(env_service):
    assert env_service.info()["env"].get("E2E_QUOTED") == QUOTED
