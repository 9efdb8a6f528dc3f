"""What each configuration strategy adds to the rendered units, and what it refuses."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from copier.errors import UserMessageError

from rendering import ROOT, render_template, sections, unit_file, values_of
from template_repo import (
    ANSWERS_FILE,
    add_working_tree_version,
    commit_all,
    copy_template,
    git,
    make_v2,
    new_project,
    snapshot_template,
    template_at_commit,
    update_project,
)
from unit_template.options import OPTIONS
from unit_template.questions import ask_condition

COPIER = Path(sys.executable).parent / "copier"
SCRIPTS_DIR = "rel/systemd/srv/foo-bar/bin"
RUNTIME_UNIT = "foo-bar-runtime-environment.service"
# Without the node's own ExecStartPre and script (distribution local; tests/test_distribution.py).
NO_NODE = {"distribution": "none"}
SCENARIOS: dict[str, dict[str, Any]] = {
    "default": {},
    "none": {"config_strategies": [], **NO_NODE},
    "environment_file": {"config_strategies": ["environment_file"]},
    "s3_sync": {"config_strategies": ["s3_sync"], **NO_NODE},
    "ssm": {"config_strategies": ["ssm"], **NO_NODE},
    "cloud_init": {"config_strategies": ["cloud_init"]},
    "credentials": {
        "config_strategies": ["credentials"],
        "credentials": ["db_password", "api_key"],
        "systemd_version": 247,
        **NO_NODE,
    },
    "all": {
        "config_strategies": ["environment_file", "s3_sync", "ssm", "cloud_init", "credentials"],
        "credentials": ["db_password"],
        "systemd_version": 252,
        "exec_start_pre": ["/usr/bin/true"],
        "env_files": ["-/etc/foo-bar/environment", "-/etc/default/foo-bar"],
    },
}


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], Path]:
    """rendered(scenario) -> its project, rendered once per module."""
    cache: dict[str, Path] = {}

    def _rendered(name: str) -> Path:
        if name not in cache:
            cache[name] = render_template(tmp_path_factory.mktemp(name) / "project", SCENARIOS[name])
        return cache[name]

    return _rendered


def service(rendered: Callable[[str], Path], name: str, unit: str = "foo-bar.service") -> str:
    return unit_file(rendered(name), unit)


def refusal(render: Callable[..., Path], answers: dict[str, Any]) -> str:
    with pytest.raises(UserMessageError) as error:
        render(answers)
    return str(error.value)


# --- environment_file (the default) ------------------------------------------------------------


def test_default_strategy_is_environment_file(rendered: Callable[[str], Path]) -> None:
    answers = yaml.safe_load((rendered("default") / ".copier-answers.systemd.yml").read_text())
    assert answers["config_strategies"] == "environment_file"  # recorded as a person types it


def test_environment_file_adds_an_optional_environment_file_in_the_configuration_dir(rendered) -> None:
    assert values_of(service(rendered, "environment_file"), "EnvironmentFile") == ["-/etc/foo-bar/environment"]


def test_environment_file_adds_the_configuration_directory(rendered) -> None:
    text = service(rendered, "environment_file")
    assert values_of(text, "ConfigurationDirectory") == ["foo-bar"]
    assert "CONFIGURATION_DIR=/etc/foo-bar" in values_of(text, "Environment")


def test_no_strategy_adds_no_configuration_dir_environment_file_or_script(rendered) -> None:
    text = service(rendered, "none")
    assert values_of(text, "ConfigurationDirectory") == []
    assert values_of(text, "EnvironmentFile") == []
    assert sorted(p.name for p in (rendered("none") / SCRIPTS_DIR).iterdir()) == ["deploy"]  # no configuration script


# --- s3_sync -----------------------------------------------------------------------------------


def test_s3_sync_runs_its_script_with_full_privileges_before_start(rendered) -> None:
    assert values_of(service(rendered, "s3_sync"), "ExecStartPre") == ["+/srv/foo-bar/bin/sync-config-s3"]


def test_s3_sync_reads_its_bucket_from_the_deploy_dir_environment_file(rendered) -> None:
    assert values_of(service(rendered, "s3_sync"), "EnvironmentFile") == ["-/srv/foo-bar/etc/environment"]


def test_s3_sync_renders_its_script_under_the_staging_root_at_scripts_dir(rendered) -> None:
    script = rendered("s3_sync") / SCRIPTS_DIR / "sync-config-s3"
    assert os.access(script, os.X_OK)
    assert sorted(p.name for p in script.parent.iterdir()) == ["deploy", "sync-config-s3"]


# --- ssm ---------------------------------------------------------------------------------------


def test_ssm_runs_its_script_with_full_privileges_before_start(rendered) -> None:
    assert values_of(service(rendered, "ssm"), "ExecStartPre") == ["+/srv/foo-bar/bin/sync-config-ssm"]


def test_ssm_points_release_tmp_at_the_runtime_dir_for_the_config_provider(rendered) -> None:
    text = service(rendered, "ssm")
    assert "RELEASE_TMP=/run/foo-bar" in values_of(text, "Environment")
    assert values_of(text, "RuntimeDirectory") == ["foo-bar"]


def test_ssm_renders_its_script(rendered) -> None:
    assert os.access(rendered("ssm") / SCRIPTS_DIR / "sync-config-ssm", os.X_OK)


# --- cloud_init --------------------------------------------------------------------------------


def test_cloud_init_runs_its_script_in_the_runtime_environment_unit(rendered) -> None:
    assert values_of(service(rendered, "cloud_init", RUNTIME_UNIT), "ExecStart") == ["/srv/foo-bar/bin/cloud-init-environment"]


def test_cloud_init_unit_is_ordered_after_cloud_config_target_not_cloud_init_target(rendered) -> None:
    after = values_of(service(rendered, "cloud_init", RUNTIME_UNIT), "After")
    assert after == ["local-fs.target cloud-config.target"]


def test_cloud_init_main_unit_requires_the_runtime_environment_file(rendered) -> None:
    # No leading `-`: if the oneshot failed, the release does not start with a wrong node name.
    assert values_of(service(rendered, "cloud_init"), "EnvironmentFile") == ["/run/foo-bar/environment"]


def test_cloud_init_main_unit_wants_and_follows_the_runtime_environment_unit(rendered) -> None:
    unit = sections(service(rendered, "cloud_init"))["Unit"]
    assert ("Wants", RUNTIME_UNIT) in unit
    assert RUNTIME_UNIT in dict(unit)["After"].split()


def test_cloud_init_renders_its_script(rendered) -> None:
    assert os.access(rendered("cloud_init") / SCRIPTS_DIR / "cloud-init-environment", os.X_OK)


# --- credentials -------------------------------------------------------------------------------


def test_credentials_load_each_name_from_the_configuration_dir(rendered) -> None:
    assert values_of(service(rendered, "credentials"), "LoadCredential") == [
        "db_password:/etc/foo-bar/db_password",
        "api_key:/etc/foo-bar/api_key",
    ]


def test_credentials_are_not_in_the_environment(rendered) -> None:
    text = service(rendered, "credentials")
    assert not [line for line in values_of(text, "Environment") if "db_password" in line]
    assert values_of(text, "EnvironmentFile") == []


def test_credentials_render_no_script(rendered) -> None:
    assert sorted(p.name for p in (rendered("credentials") / SCRIPTS_DIR).iterdir()) == ["deploy"]  # no configuration script


def test_credentials_below_systemd_247_are_refused(render) -> None:
    message = refusal(render, {"config_strategies": ["credentials"], "credentials": ["db"], "systemd_version": 246})
    assert "credentials uses LoadCredential=, which needs systemd_version >= 247 (yours: 246)" in message


def test_credentials_strategy_without_names_is_refused(render) -> None:
    message = refusal(render, {"config_strategies": ["credentials"], "systemd_version": 252})
    assert "the `credentials` option lists no names" in message


def test_credential_names_without_the_strategy_are_refused(render) -> None:
    message = refusal(render, {"credentials": ["db"], "systemd_version": 252})
    assert "config_strategies does not include credentials" in message


def test_a_credential_name_with_a_slash_is_refused(render) -> None:
    message = refusal(render, {"config_strategies": ["credentials"], "credentials": ["../shadow"], "systemd_version": 252})
    assert "credentials: '../shadow' is not a credential name" in message


# --- together, and refusals --------------------------------------------------------------------


def test_strategy_start_commands_run_before_the_users_in_strategy_order(rendered) -> None:
    assert values_of(service(rendered, "all"), "ExecStartPre") == [
        "+/srv/foo-bar/bin/sync-config-s3",
        "+/srv/foo-bar/bin/sync-config-ssm",
        "/usr/bin/true",
    ]


def test_environment_files_bootstrap_first_runtime_last_and_none_twice(rendered) -> None:
    assert values_of(service(rendered, "all"), "EnvironmentFile") == [
        "-/srv/foo-bar/etc/environment",
        "-/etc/foo-bar/environment",
        "-/etc/default/foo-bar",
        "/run/foo-bar/environment",
    ]


def test_all_strategies_render_the_three_scripts(rendered) -> None:
    names = sorted(p.name for p in (rendered("all") / SCRIPTS_DIR).iterdir())
    assert names == ["cloud-init-environment", "deploy", "sync-config-s3", "sync-config-ssm"]


def test_an_unknown_strategy_is_refused_with_the_choices(render) -> None:
    message = refusal(render, {"config_strategies": ["vault"]})
    assert "'vault' is not a configuration strategy (pick from environment_file, s3_sync, ssm, cloud_init, credentials)" in (
        message
    )


def test_cloud_init_with_a_users_runtime_environment_script_is_refused(render) -> None:
    message = refusal(render, {"config_strategies": ["cloud_init"], "runtime_environment_service_script": "mine"})
    assert "cloud_init runs its own runtime-environment script" in message


def test_s3_sync_below_systemd_231_is_refused(render) -> None:
    message = refusal(render, {"config_strategies": ["s3_sync"], "systemd_version": 230})
    assert "s3_sync runs its script as root with ExecStartPre=+, which needs systemd_version >= 231" in message


def test_scripts_go_beside_an_output_dir_that_is_not_a_staging_root(render) -> None:
    dst = render({"config_strategies": ["ssm"], "output_dir": "deploy/units"})
    assert (dst / "deploy/scripts/sync-config-ssm").is_file()


def test_scripts_output_dir_answer_moves_the_scripts(render) -> None:
    dst = render({"config_strategies": ["ssm"], "scripts_output_dir": "deploy/scripts"})
    assert (dst / "deploy/scripts/sync-config-ssm").is_file()


# --- the question ------------------------------------------------------------------------------


def copier_questions() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "copier.yml").read_text())


def test_config_strategies_is_a_typed_list_asked_in_a_plain_copy_whose_help_lists_the_strategies() -> None:
    """Not a multiselect: copier's stops with "Not a YAML list" on `--data 'config_strategies=a, b'`."""
    question = copier_questions()["config_strategies"]
    assert (question["type"], "multiselect" in question, "choices" in question, "ask" in question) == (
        "{{ answer_type('config_strategies', 'yaml') }}",
        False,
        False,
        False,
    )
    shown = " ".join(question["help"].split())  # wrapped to 80 columns
    assert "any of: environment_file, s3_sync, ssm, cloud_init, credentials" in shown
    assert "e.g. environment_file, credentials" in shown


def test_credentials_question_is_asked_when_the_credentials_strategy_is_picked() -> None:
    ask = "{{ (picked('config_strategies', 'credentials')) or asked_for_problem('credentials') }}"
    assert copier_questions()["credentials"]["ask"] == "{{ asked('credentials') }}"
    assert ask_condition("credentials", OPTIONS["credentials"]) == ask


# --- copier update -----------------------------------------------------------------------------

PICKED = {"config_strategies": ["ssm", "credentials"], "credentials": ["db_password"], "systemd_version": 252}


def test_picked_strategies_and_credentials_survive_copier_update(tmp_path: Path) -> None:
    template = snapshot_template(tmp_path / "template", "v1")
    make_v2(template, "v2")
    project = new_project(tmp_path / "project")
    copy_template(template, project, PICKED)

    update_project(project)

    answers = yaml.safe_load((project / ANSWERS_FILE).read_text())
    recorded = {"config_strategies": "ssm, credentials", "credentials": "db_password", "systemd_version": 252}
    assert {name: answers[name] for name in PICKED} == recorded  # lists as a person types them
    assert values_of(unit_file(project), "LoadCredential") == ["db_password:/etc/foo-bar/db_password"]


def multiselect_commit() -> str | None:
    """The newest commit whose copier.yml asked config_strategies as a multiselect (the versions before the typed list)."""
    for commit in git(ROOT, "rev-list", "HEAD", "--", "copier.yml").split():
        question = yaml.safe_load(git(ROOT, "show", f"{commit}:copier.yml")).get("config_strategies", {})
        if question.get("multiselect"):
            return commit
    return None


def test_an_answers_file_of_the_multiselect_version_is_read_by_copier_update(tmp_path: Path) -> None:
    """A project made by the version that asked config_strategies with a multiselect holds a YAML list:
    `copier update` to the typed list version reads it as the same strategies. In a clone without that
    history (a shallow one), the working tree's copy with that answers file written as YAML lists."""
    commit = multiselect_commit()
    if commit:
        template = template_at_commit(tmp_path / "template", commit, "v1")
    else:
        template = snapshot_template(tmp_path / "template", "v1")
    add_working_tree_version(template, "v2")
    project = new_project(tmp_path / "project")
    copy_template(template, project, PICKED)
    if not commit:  # the working tree records lists as text: write them as the multiselect version did
        recorded = yaml.safe_load((project / ANSWERS_FILE).read_text())
        recorded.update(config_strategies=["ssm", "credentials"], credentials=["db_password"])
        (project / ANSWERS_FILE).write_text(yaml.safe_dump(recorded))
        commit_all(project, "the multiselect version's answers")
    assert yaml.safe_load((project / ANSWERS_FILE).read_text())["config_strategies"] == ["ssm", "credentials"]

    command = [str(COPIER), "update", "--trust", "--defaults", "--vcs-ref", "v2", "-a", ANSWERS_FILE]
    result = subprocess.run(command, cwd=project, capture_output=True, text=True, check=False)

    assert result.returncode == 0, result.stderr
    answers = yaml.safe_load((project / ANSWERS_FILE).read_text())
    assert (answers["_commit"], answers["config_strategies"], answers["credentials"]) == (
        "v2",
        "ssm, credentials",  # now recorded as a person types it
        "db_password",
    )
    assert values_of(unit_file(project), "LoadCredential") == ["db_password:/etc/foo-bar/db_password"]
    assert (project / SCRIPTS_DIR / "sync-config-ssm").is_file()
