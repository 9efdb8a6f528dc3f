"""The README's `copier update`, typed in a terminal, every prompt answered with Enter.

copier renders the old and the new template version in one process; each
must use its own copy of the extension's package (a crash at the
`distribution` prompt showed one version's exception class missing the
other's error).
"""

from __future__ import annotations

import shlex
import time
from pathlib import Path

import pexpect
import pytest
import yaml

from rendering import OUTPUT_DIR
from template_repo import ANSWERS_FILE, add_working_tree_version, commit_all, copy_template, git, new_project, snapshot_template
from terminal import CLEAR_LINE, PROMPT, spawn_copier

ENTER, UP, DOWN = "\r", "\x1b[A", "\x1b[B"
SETTLE = 0.2  # seconds: keys come after the prompt is drawn, as a person's do
README_UPDATE = "copier update --trust -a .copier-answers.systemd.yml"


@pytest.fixture
def released_project(tmp_path: Path) -> Path:
    """A project copied from release v1, and a v2 of the template to update to."""
    template = snapshot_template(tmp_path / "template")
    project = new_project(tmp_path / "project")
    copy_template(template, project)
    add_working_tree_version(template, "v2")
    return project


def type_update(project: Path, *extra: str) -> list[str]:
    """The README's update command plus `extra`, each prompt taken with Enter; the questions asked."""
    return type_in(project, shlex.split(README_UPDATE)[1:] + list(extra))


def type_in(project: Path, args: list[str], keys: dict[str, str] | None = None) -> list[str]:
    """copier with args in a terminal, each prompt taken with Enter (after `keys[name]`, typed after
    what the prompt holds, for question name); the questions asked."""
    log = project.parent / "terminal.log"
    child = spawn_copier(args, log, cwd=project)
    asked = []
    keys = dict(keys or {})  # typed once: a prompt drawn again takes Enter only
    try:
        while child.expect([pexpect.EOF, PROMPT]) == 1:
            question = child.match.group(1).strip()
            if asked and asked[-1] == question:
                continue  # the same prompt, drawn again
            asked.append(question)
            time.sleep(SETTLE)
            name = question.split(":")[0].split("] ")[-1]
            if name in keys:
                child.send(keys.pop(name))
                time.sleep(SETTLE)
            child.send(ENTER)
    except pexpect.TIMEOUT as error:
        raise AssertionError(log.read_text()) from error
    child.close()
    child.logfile_read.close()
    assert child.exitstatus == 0, log.read_text()
    assert "Traceback" not in log.read_text()
    return asked


def test_the_readme_update_typed_in_a_terminal_takes_every_default(released_project: Path) -> None:
    asked = type_update(released_project)
    assert any(question.startswith("distribution") for question in asked), asked
    answers = yaml.safe_load((released_project / ANSWERS_FILE).read_text())
    assert answers["_commit"] == "v2"
    assert (released_project / OUTPUT_DIR / "foo-bar.service").is_file()


def test_the_readme_update_with_a_new_service_name_typed_in_a_terminal_renames_the_unit(released_project: Path) -> None:
    type_update(released_project, "--data", "service_name=shop")
    assert (released_project / OUTPUT_DIR / "shop.service").is_file()
    assert not (released_project / OUTPUT_DIR / "foo-bar.service").exists()


def test_copier_recopy_typed_in_a_terminal_takes_every_recorded_answer_and_prints_the_update_steps(
    released_project: Path,
) -> None:
    """copier recopy: the recorded answers are each prompt's default; a server runs the earlier copy's
    service, so the message restarts it, as the install script does."""
    before = yaml.safe_load((released_project / ANSWERS_FILE).read_text())
    asked = type_in(released_project, ["recopy", "--trust", "--overwrite", "-a", ANSWERS_FILE])
    assert asked and asked[0].startswith("app_name")
    after = yaml.safe_load((released_project / ANSWERS_FILE).read_text())
    assert {k: v for k, v in after.items() if k != "_commit"} == {k: v for k, v in before.items() if k != "_commit"}
    screen = (released_project.parent / "terminal.log").read_text()
    assert "over the earlier copy's:" in screen
    assert "sudo systemctl try-restart foo-bar.service" in screen


def test_a_list_answered_as_text_comes_back_to_the_update_prompt_as_text(tmp_path: Path) -> None:
    """Before, copier gave it back as YAML, `state, logs` and a line `...`: keys typed after it were
    refused with a bare "Invalid input"."""
    template = snapshot_template(tmp_path / "template")
    project = new_project(tmp_path / "project")
    copy_template(template, project, {"dirs": "state, logs"})
    add_working_tree_version(template, "v2")
    type_in(project, shlex.split(README_UPDATE)[1:], keys={"dirs": ", cache"})
    unit = (project / OUTPUT_DIR / "foo-bar.service").read_text()
    assert all(f"{kind}Directory=foo-bar" in unit.splitlines() for kind in ("State", "Cache", "Logs"))


def test_a_recorded_choice_the_given_answers_refuse_is_offered_saying_why_and_the_update_goes_through(tmp_path: Path) -> None:
    """Before, the update stopped at its first prompt, app_name, refusing it for a problem of
    service_type (no answer typed there could help), and service_type's disabled recorded answer
    stopped copier with a traceback."""
    template = snapshot_template(tmp_path / "template")
    project = new_project(tmp_path / "project")
    copy_template(template, project, {"service_type": "exec"})
    add_working_tree_version(template, "v2")
    type_in(project, [*shlex.split(README_UPDATE)[1:], "--data", "systemd_version=239"], keys={"service_type": UP})
    assert "exec (refused: service_type: exec needs systemd_version 240 or later" in (tmp_path / "terminal.log").read_text()
    unit = (project / OUTPUT_DIR / "foo-bar.service").read_text()
    assert "Type=simple" in unit.splitlines()


def test_a_recorded_answer_the_given_answers_refuse_is_asked_even_off_its_path(tmp_path: Path) -> None:
    """deploy_user is asked with systemd_flag only: refused once restart_method is systemctl, it had no
    prompt where it could be changed, and the update could only be refused at the end."""
    template = snapshot_template(tmp_path / "template")
    project = new_project(tmp_path / "project")
    copy_template(template, project, {"restart_method": "systemd_flag", "deploy_user": "deployer"})
    add_working_tree_version(template, "v2")
    args = [*shlex.split(README_UPDATE)[1:], "--data", "restart_method=systemctl"]
    asked = type_in(project, args, keys={"deploy_user": CLEAR_LINE})
    assert any("deploy_user: " in question for question in asked), asked
    assert "YOUR RECORDED ANSWER IS REFUSED: deployer would have no role" in (tmp_path / "terminal.log").read_text()
    sysusers = (project / "rel/systemd/lib/sysusers.d/foo-bar.conf").read_text()
    assert "deployer" not in sysusers


def test_names_typed_after_a_list_an_earlier_version_recorded_as_yaml_add_to_it(tmp_path: Path) -> None:
    """Answers files written before lists were recorded as text hold YAML lists: the prompt showed
    `[db_password]` as YAML, and `, api_key` typed after it gave copier's bare "Invalid input"."""
    template = snapshot_template(tmp_path / "template")
    answers_template = template / "template" / "{{ _copier_conf.answers_file }}.jinja"
    recorded_as_text = "as_recorded(_copier_answers, earlier_answers)"
    assert recorded_as_text in answers_template.read_text()
    earlier = answers_template.read_text().replace(recorded_as_text, "_copier_answers")
    answers_template.write_text(earlier)  # v1 writes the answers as the earlier versions did
    commit_all(template, "an earlier version's answers file")
    git(template, "tag", "-f", "v1")
    project = new_project(tmp_path / "project")
    picked = {"config_strategies": ["credentials"], "credentials": ["db_password"], "systemd_version": 252}
    copy_template(template, project, picked)
    assert yaml.safe_load((project / ANSWERS_FILE).read_text())["credentials"] == ["db_password"]
    add_working_tree_version(template, "v2")
    type_in(project, shlex.split(README_UPDATE)[1:], keys={"credentials": ", api_key"})
    unit = (project / OUTPUT_DIR / "foo-bar.service").read_text()
    assert [line for line in unit.splitlines() if line.startswith("LoadCredential=")] == [
        "LoadCredential=db_password:/etc/foo-bar/db_password",
        "LoadCredential=api_key:/etc/foo-bar/api_key",
    ]
    recorded = yaml.safe_load((project / ANSWERS_FILE).read_text())["credentials"]
    assert recorded in ("db_password, api_key", "['db_password'], api_key")


def test_a_choice_refused_for_a_recorded_answer_off_its_path_can_be_picked_and_that_answer_is_asked(tmp_path: Path) -> None:
    """Adding cloud_init over a recorded cluster: `release` was disabled at `distribution` for the
    recorded distribution_interface, a question asked for cluster only."""
    template = snapshot_template(tmp_path / "template")
    project = new_project(tmp_path / "project")
    cluster = {
        "distribution": "cluster",
        "distribution_interface": "10.0.0.5",
        "config_strategies": ["credentials"],
        "credentials": ["erlang_cookie"],
        "systemd_version": 252,
    }
    copy_template(template, project, cluster)
    add_working_tree_version(template, "v2")
    keys = {"config_strategies": ", cloud_init", "distribution": DOWN, "distribution_interface": CLEAR_LINE}
    type_in(project, shlex.split(README_UPDATE)[1:], keys=keys)
    assert "YOUR RECORDED ANSWER IS REFUSED: 10.0.0.5 is for distribution cluster only" in (tmp_path / "terminal.log").read_text()
    answers = yaml.safe_load((project / ANSWERS_FILE).read_text())
    assert (answers["distribution"], answers["distribution_interface"]) == ("release", "")
