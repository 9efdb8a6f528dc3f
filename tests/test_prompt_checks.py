"""Checks at the prompt (unit_template.prompt_checks): refused where typed, deferred only while a later question can fix it."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import yaml

from rendering import ROOT, write_mix_exs
from template_repo import commit_all, new_project, snapshot_template
from terminal import COPIER
from unit_template.prompt_checks import data_file_path, given_answers, refusal

SO_FAR = {"app_name": "foo_bar"}
NOTHING_LATER: set[str] = set()


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("env_vars", [["RELEASE_TMP=", ":runtim_dir"]], "refers to unknown option `:runtim_dir`"),
        ("env_files", ["etc/foo/env"], "'etc/foo/env' must be an absolute path"),
        ("env_files", [[":deploy_dir", "/../env"]], "after expansion '/srv/foo-bar/../env' must be a normalised absolute path"),
        ("service_type", "exec", "exec needs systemd_version 240 or later"),
        ("base_dir", "srv", "must be an absolute path"),
        ("env_vars", [["RELEASE_TMP=", ":runtime_dir"]], "add runtime to `dirs`"),
        ("env_vars", 'PORT=4000, ["RELEASE_TMP=", ":runtim_dir"]', "refers to unknown option `:runtim_dir`"),
    ],
    ids=[
        "reference-typo",
        "relative-path",
        "path-after-expansion",
        "version-gate",
        "single-answer",
        "reference-to-a-dir-not-in-dirs",
        "typed-list-reference-typo",
    ],
)
def test_an_answer_the_whole_set_refuses_is_refused_at_its_question(name, value, expected):
    assert expected in refusal(name, value, {**SO_FAR, "systemd_version": 239}, lambda: NOTHING_LATER)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("env_vars", [["RELEASE_TMP=", ":runtime_dir"]]),
        ("env_files", [["-", ":configuration_dir", "/environment"]]),
        ("service_type", "exec"),
    ],
)
def test_a_good_answer_passes(name, value):
    assert refusal(name, value, {**SO_FAR, "systemd_version": 252, "dirs": ["runtime"]}, lambda: NOTHING_LATER) == ""


def test_an_error_a_later_question_can_fix_waits_for_that_question():
    picked = ["environment_file", "credentials"]
    answers = {**SO_FAR, "systemd_version": 252}
    assert refusal("config_strategies", picked, answers, lambda: {"credentials", "hardening"}) == ""
    answers = {**answers, "config_strategies": picked}
    assert "lists no names" in refusal("credentials", [], answers, lambda: NOTHING_LATER)
    assert refusal("credentials", ["db_password"], answers, lambda: NOTHING_LATER) == ""


def test_a_version_gate_is_refused_at_the_question_that_completes_it():
    """credentials needs systemd 247: with 239 answered, the strategy is refused at once,
    not at the credential names (which could not fix it)."""
    message = refusal("config_strategies", ["credentials"], {**SO_FAR, "systemd_version": 239}, lambda: {"credentials"})
    assert "credentials uses LoadCredential=, which needs systemd_version >= 247" in message


def test_an_error_about_a_later_question_waits_for_that_question():
    """An update's recorded service_type exec with systemd_version 239 given: app_name, the first
    prompt, refused every answer for it (the problem's message does not name its own option)."""
    answers = {"service_type": "exec", "systemd_version": 239}
    assert refusal("app_name", "foo_bar", answers, lambda: {"service_type"}) == ""
    assert refusal("app_name", "foo_bar", answers, lambda: NOTHING_LATER) == ""  # no prompt of app_name can fix it


def test_an_error_that_is_not_this_answers_doing_is_left_to_the_final_check():
    """A bad --data value must not block every later prompt: only the final check names it."""
    answers = {**SO_FAR, "env_vars": [":nope"]}
    assert refusal("base_dir", "/opt", answers, lambda: NOTHING_LATER) == ""


def copy_command(dst: Path, *args: str) -> list[str]:
    return [COPIER, "copy", "--trust", "--defaults", "--vcs-ref", "HEAD", *args, str(ROOT), str(dst)]


def test_a_refused_copy_keeps_the_answers_as_a_ready_data_file(tmp_path: Path):
    dst = tmp_path / "shop"
    write_mix_exs(dst, "shop")
    # A limit is text as typed (`--data limit_nofile=4096` gives "4096"), and comes back so.
    data = {"base_dir": "/opt", "env_files": ["etc/shop/env"], "limit_nofile": "4096"}
    given = ["--data", "base_dir=/opt", "--data", 'env_files=["etc/shop/env"]', "--data", "limit_nofile=4096"]
    refused = subprocess.run(copy_command(dst, *given), capture_output=True, text=True, check=False)
    kept = data_file_path(dst)
    print(refused.stderr)
    assert refused.returncode != 0
    assert "env_files: 'etc/shop/env' must be an absolute path" in refused.stderr
    assert f"--data-file {kept}" in refused.stderr
    assert "Traceback" not in refused.stderr
    answers = yaml.safe_load(kept.read_text())
    assert {name: answers[name] for name in data} == data
    assert not (dst / ".copier-answers.systemd.yml").exists()

    # Fixed as the message says, the file is a working --data-file for the same command.
    kept.write_text(kept.read_text().replace("etc/shop/env", "/etc/shop/env"))
    subprocess.run(copy_command(dst, "--data-file", str(kept)), capture_output=True, text=True, check=True)
    answers = yaml.safe_load((dst / ".copier-answers.systemd.yml").read_text())
    assert (answers["base_dir"], answers["env_files"], answers["limit_nofile"]) == ("/opt", "/etc/shop/env", "4096")


def test_a_refused_update_keeps_the_answers_for_the_same_update_command(tmp_path: Path):
    """An update whose answers a check refuses (here a forking PID file that hardening standard would
    make unwritable) says to run the same command with the kept file: the update, not a copy."""
    template = snapshot_template(tmp_path / "template", "v1")
    dst = new_project(tmp_path / "shop", "shop")
    given = ["--data", "hardening=none", "--data", "service_type=forking", "--data", "pid_file=/srv/shop/shop.pid"]
    copy = [COPIER, "copy", "--trust", "--defaults", "--vcs-ref", "v1", *given, str(template), "."]
    subprocess.run(copy, cwd=dst, capture_output=True, text=True, check=True)
    commit_all(dst, "units")
    update = [COPIER, "update", "--trust", "--defaults", "-a", ".copier-answers.systemd.yml"]
    refused = subprocess.run([*update, "--data", "hardening=standard"], cwd=dst, capture_output=True, text=True, check=False)
    kept = data_file_path(dst)
    assert refused.returncode != 0
    assert "pid_file: /srv/shop/shop.pid is outside every dir the service may write" in refused.stderr
    assert f"run\nthe same copier command again with --data-file {kept} in place of any --data options" in refused.stderr
    assert "copier copy again" not in refused.stderr

    # Fixed as the message says, and given to the same update in place of --data.
    kept.write_text(kept.read_text().replace("/srv/shop/shop.pid", "/run/shop/shop.pid"))
    subprocess.run([*update, "--data-file", str(kept)], cwd=dst, capture_output=True, text=True, check=True)
    answers = yaml.safe_load((dst / ".copier-answers.systemd.yml").read_text())
    assert (answers["hardening"], answers["pid_file"]) == ("standard", "/run/shop/shop.pid")


@pytest.mark.parametrize(
    ("answer", "fallback", "kept"),
    [
        ({"restart_method": "systemctl"}, {}, {}),  # the default, which the command takes again anyway
        ({"restart_method": "systemctl"}, {"restart_method": "systemd_flag"}, {"restart_method": "systemctl"}),
        ({"deploy_user": ""}, {"deploy_user": "deploy"}, {"deploy_user": ""}),  # cleared: the recorded one would come back
        ({"restart_method": "systemd_flag"}, {"restart_method": "systemd_flag"}, {"restart_method": "systemd_flag"}),
        ({"servce_type": "notify"}, {}, {"servce_type": "notify"}),  # a typo: kept, to be corrected there
    ],
)
def test_the_kept_answers_hold_each_answer_the_same_command_would_not_take_by_itself(answer, fallback, kept) -> None:
    assert given_answers(answer, fallback) == kept
