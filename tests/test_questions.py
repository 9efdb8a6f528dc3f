"""The questions people see: copier.yml is generated from the options table, short by default, complete."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import copier
import jinja2
import pexpect
import pytest
import yaml
from systemd_unit import picked

from rendering import ROOT, unit_file, values_of, write_mix_exs
from template_repo import snapshot_template
from terminal import PROMPT, spawn_copy
from unit_template import questions
from unit_template.options import OPTIONS

ANSWERS_FILE = ".copier-answers.systemd.yml"
MAX_BASIC_QUESTIONS = 13  # issue 10 adds `distribution` to the plain copy
MAX_ADVANCED_QUESTIONS = 25


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


def test_a_plain_copy_asks_at_most_13_questions():
    always_asked = [name for name, q in user_questions().items() if "ask" not in q]
    assert len(always_asked) <= MAX_BASIC_QUESTIONS, always_asked


@pytest.mark.parametrize("name", sorted(user_questions()))
def test_every_question_has_help(name):
    assert len(user_questions()[name].get("help", "").strip()) >= 10


# Questions a plain copy asks only when an earlier answer calls for them.
FOLLOW_UPS = {
    "credentials": {"config_strategies": ["credentials"]},
    **{name: {"distribution": "cluster"} for name in ("node_name", "distribution_port", "distribution_interface")},
    "deploy_user": {"restart_method": "systemd_flag"},  # its one right is restart.flag
}


def ask_of(name: str, question: dict) -> str | bool:
    """The condition question `name` (its entry in copier.yml) is asked on: copier.yml's
    `{{ asked('name') }}` reads it from the option table (questions.ask_condition); True for a
    question always asked."""
    ask = question.get("ask", True)
    if ask == f"{{{{ asked('{name}') }}}}":
        return str(questions.ask_condition(name, OPTIONS[name]))
    return ask


def test_copier_yml_asks_each_conditional_question_by_its_table_condition():
    for name, question in user_questions().items():
        if "ask" in question:
            assert question["ask"] == f"{{{{ asked('{name}') }}}}", name
            assert questions.ask_condition(name, OPTIONS[name]) is not None, name


def asked(answers: dict) -> list[str]:
    """The questions copier.yml asks, in order, for these answers (each condition rendered as copier does),
    for a project whose mix_systemd settings (if any) were all imported."""
    environment = jinja2.Environment()
    environment.globals["asked_for_problem"] = lambda name: False
    environment.globals["picked"] = picked
    names = []
    for name, question in user_questions().items():
        condition = ask_of(name, question)
        if isinstance(condition, str):
            condition = environment.from_string(condition).render(answers).strip() == "True"
        if condition:
            names.append(name)
    return names


def advanced_questions(answers: dict) -> list[str]:
    with_advanced, without = asked({**answers, "advanced": True}), asked({**answers, "advanced": False})
    return [name for name in with_advanced if name not in without]


PLAIN = {"dirs": [], "service_type": "simple", "hardening": "standard", "config_strategies": ["environment_file"]}
MOST_ASKED = {
    "dirs": ["runtime", "configuration", "state", "cache", "logs", "tmp"],
    "service_type": "notify",
    "hardening": "strict",
    "config_strategies": ["environment_file", "credentials"],
}


@pytest.mark.parametrize(
    "answers",
    [PLAIN, MOST_ASKED, {**MOST_ASKED, "service_type": "forking"}, {**PLAIN, "hardening": "none"}],
    ids=["plain", "most-asked", "forking", "no-hardening"],
)
def test_the_advanced_path_asks_at_most_25_more_questions(answers):
    more = advanced_questions(answers)
    print(f"advanced path for {answers}: {len(more)} more questions")
    assert 0 < len(more) <= MAX_ADVANCED_QUESTIONS, more


def test_the_advanced_path_asks_a_directory_question_only_for_the_directories_picked():
    more = advanced_questions({**PLAIN, "dirs": ["state"]})
    assert [name for name in more if name.endswith("_directory")] == ["state_directory"]


def test_the_advanced_path_asks_nothing_another_answer_decides():
    more = advanced_questions(PLAIN)
    decided = {"paranoia", "watchdog_sec", "pid_file", "expand_keys", "expand_keys_extra", "current_dir", "working_dir"}
    assert decided & set(more) == set()
    assert "allow_privileged_ports" not in advanced_questions({**PLAIN, "hardening": "none"})


def test_the_advanced_path_is_grouped_in_order():
    more = advanced_questions(MOST_ASKED)
    groups = [questions.GROUP_OF[name] for name in more if name in questions.GROUP_OF]
    assert groups == sorted(groups, key=list(questions.ADVANCED_GROUPS).index)
    assert list(dict.fromkeys(groups)) == ["identity", "paths", "start and stop", "sandboxing", "files written"]


def test_a_conditional_question_is_asked_on_the_plain_path_only_when_an_answer_calls_for_it():
    for name, trigger in FOLLOW_UPS.items():
        assert name not in asked({**PLAIN, "advanced": False})
        assert name in asked({**PLAIN, **trigger, "advanced": False})


def test_every_other_question_is_only_asked_on_the_advanced_path_or_when_its_import_failed():
    conditional = {name: q for name, q in user_questions().items() if "ask" in q and name not in FOLLOW_UPS}
    for name, question in conditional.items():
        condition = str(ask_of(name, question))
        own = condition.removeprefix("{{").removesuffix("}}").strip().removesuffix(f"asked_for_problem('{name}')")
        own = own.strip().removesuffix("or").strip()
        # given with --data only (packaging, the deploy script's...) unless on a problem
        assert "advanced" in own or own in ("", "(False)", "(false)"), name
        assert name not in asked({**PLAIN, "advanced": False})


def test_every_question_not_always_asked_is_asked_when_its_import_failed_whatever_its_own_condition():
    """Else a config :mix_systemd value the import refuses (pid_file with service_type simple...)
    would be dropped for the default, with no prompt to give it."""
    for name, question in user_questions().items():
        if "ask" in question:
            assert str(ask_of(name, question)).endswith(f"asked_for_problem('{name}') }}}}"), name


def test_a_question_whose_import_failed_is_asked_on_the_plain_path():
    environment = jinja2.Environment()
    environment.globals["asked_for_problem"] = lambda name: name == "restart_sec"
    environment.globals["picked"] = picked
    condition = ask_of("restart_sec", user_questions()["restart_sec"])
    assert environment.from_string(condition).render({**PLAIN, "advanced": False}).strip() == "True"


@pytest.mark.parametrize("name", sorted(OPTIONS))
def test_every_prompt_shows_the_option_name(name):
    assert re.match(rf"(\[[a-z ]+\] )?{name}: ", copier_yml()[name]["help"])


@pytest.mark.parametrize(
    "name", sorted(n for n, o in OPTIONS.items() if o.kind in questions.SYNTAX and not questions.is_single_choice(o))
)
def test_list_and_typed_prompts_show_their_syntax(name):
    syntax = " ".join(questions.SYNTAX[OPTIONS[name].kind].split())
    assert syntax in " ".join(copier_yml()[name]["help"].split())


def test_no_prompt_is_prefilled_with_quotes():
    for name, option in OPTIONS.items():
        assert questions.question_default(option) != "" or questions.question_type(option) == "str", name


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
    help_text = copier_yml()["release_name"]["help"]
    assert re.search(r"\(empty:\s+\{\{ default_of\('release_name'\) \}\}\)", help_text)
