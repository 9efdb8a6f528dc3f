"""The questions people see: copier.yml is generated from the options table, short by default, complete."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import copier
import pexpect
import pytest
import yaml

from rendering import ROOT, unit_file, values_of, write_mix_exs
from template_repo import snapshot_template
from terminal import PROMPT, spawn_copy
from unit_template import questions
from unit_template.options import OPTIONS

ANSWERS_FILE = ".copier-answers.systemd.yml"
MAX_BASIC_QUESTIONS = 12


def copier_yml() -> dict:
    return yaml.safe_load((ROOT / "copier.yml").read_text())


def user_questions() -> dict[str, dict]:
    """Questions a user can answer: not settings (`_...`), not the hidden computed ones (ask: false)."""
    return {name: q for name, q in copier_yml().items() if not name.startswith("_") and q.get("ask") is not False}


def test_copier_yml_is_generated_from_the_options_table():
    assert (ROOT / "copier.yml").read_text() == questions.render()


def test_every_option_is_a_question_with_the_same_name():
    assert sorted(set(OPTIONS) - set(copier_yml())) == []


def test_every_question_is_an_option_or_the_advanced_switch():
    assert sorted(set(user_questions()) - set(OPTIONS)) == ["advanced"]


def test_a_plain_copy_asks_at_most_12_questions():
    always_asked = [name for name, q in user_questions().items() if "ask" not in q]
    assert len(always_asked) <= MAX_BASIC_QUESTIONS, always_asked


@pytest.mark.parametrize("name", sorted(user_questions()))
def test_every_question_has_help(name):
    assert len(user_questions()[name].get("help", "").strip()) >= 10


def test_advanced_questions_are_asked_only_on_the_advanced_path():
    """Or never (the deploy script's settings: --data or the answers file give them)."""
    hidden = [name for name, q in user_questions().items() if "ask" in q]
    asks = {name: str(user_questions()[name]["ask"]) for name in hidden}
    assert all("advanced" in ask or ask == "{{ false }}" for ask in asks.values()), asks


def test_an_interactive_copy_that_takes_every_default_prompts_at_most_12_times(tmp_path: Path):
    dst = tmp_path / "foo_bar"
    write_mix_exs(dst)
    child = spawn_copy(dst)
    prompts: list[str] = []
    while child.expect([PROMPT, pexpect.EOF]) == 0:
        prompt = child.match.group(1).strip()
        if prompts and prompts[-1] == prompt:
            continue  # the same question, drawn again
        prompts.append(prompt)
        child.send("\r")  # accept the default
    child.close()
    assert child.exitstatus == 0
    assert 0 < len(prompts) <= MAX_BASIC_QUESTIONS, prompts
    assert values_of(unit_file(dst), "User") == ["foo-bar"]


# --- advanced answers survive copier update ----------------------------------

ADVANCED = {"limit_nofile": 4096, "deploy_dir": "/opt/shop", "restart_sec": "5s"}


def git(dst: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=dst, check=True, capture_output=True)


@pytest.fixture
def updated(tmp_path: Path) -> Path:
    """A project copied with advanced options set by --data, committed, then updated.

    The template is a committed snapshot of the working tree: update needs the
    commit recorded at copy time to exist in the template repository.
    """
    template = snapshot_template(tmp_path / "template")
    dst = tmp_path / "project"
    write_mix_exs(dst)
    copier.run_copy(str(template), str(dst), data=ADVANCED, defaults=True, unsafe=True, vcs_ref="HEAD", quiet=True)
    git(dst, "init", "-q")
    git(dst, "add", "-A")
    git(dst, "commit", "-q", "-m", "units")
    copier.run_update(str(dst), answers_file=ANSWERS_FILE, vcs_ref="HEAD", defaults=True, overwrite=True, unsafe=True, quiet=True)
    return dst


@pytest.mark.parametrize(("name", "value"), ADVANCED.items())
def test_an_advanced_answer_given_with_data_is_in_the_answers_file(render, name, value):
    answers = yaml.safe_load((render(ADVANCED) / ANSWERS_FILE).read_text())
    assert answers[name] == value


def test_advanced_answers_are_still_in_the_answers_file_after_update(updated: Path):
    answers = yaml.safe_load((updated / ANSWERS_FILE).read_text())
    assert {name: answers[name] for name in ADVANCED} == ADVANCED


def test_advanced_answers_still_shape_the_unit_after_update(updated: Path):
    text = unit_file(updated)
    assert values_of(text, "LimitNOFILE") == ["4096"]
    assert values_of(text, "WorkingDirectory") == ["/opt/shop/current"]
    assert values_of(text, "RestartSec") == ["5s"]


def test_the_help_of_a_derived_option_shows_its_default_for_the_answers_so_far():
    help_text = copier_yml()["deploy_dir"]["help"]
    assert re.search(r"\(empty: \{\{ default_of\('deploy_dir'\) \}\}\)", help_text)
