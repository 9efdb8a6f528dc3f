"""A new user's interactive `copier copy`, driven in a pseudo-terminal like a person would.

Both walks give a wrong answer at each kind of question (text, number, YAML
list, a choice the answers so far rule out, a list of names typed with
commas, a follow-up question) and check it is refused at that question, with
a message naming the option, and that the corrected answer is taken.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from pathlib import Path

import pexpect
import pytest
import yaml
from summary import add_lines

from rendering import OUTPUT_DIR, ROOT, mix_project, unit_file, values_of, write_mix_exs
from terminal import CLEAR_LINE, PROMPT, expect_on_screen, screen_lines, spawn_copy
from unit_template.options import DIR_NAMES, OPTIONS

DOWN, UP, ENTER = "\x1b[B", "\x1b[A", "\r"
SETTLE = 0.2  # seconds
QUESTION = re.compile(r"(?:\[[a-z ]+\] )?([a-z_]+): ")


@dataclass(frozen=True)
class Step:
    """One try at a question: text typed over the prefilled default, or keys pressed in a list."""

    text: str | None = None
    keys: str = ""
    shows: str = ""  # what the prompt must show before this step
    refused: str = ""  # the refusal this try must get, at this question
    enter: bool = True  # a yes/no question takes y or n without it


ACCEPT = Step(keys="")


def press(child: pexpect.spawn, step: Step) -> None:
    if step.shows:
        child.expect(re.escape(step.shows))
    time.sleep(SETTLE)  # let the prompt take keys as a person's come: after it is drawn
    child.send(step.keys if step.text is None else CLEAR_LINE + step.text)
    if step.enter:
        time.sleep(SETTLE)
        child.send(ENTER)
    if step.refused:
        expect_on_screen(child, step.refused)


def walk(dst: Path, steps: dict[str, list[Step]], columns: int = 250, waits: dict[str, float] | None = None) -> list[str]:
    """Answer every question copier asks, in its order; returns the questions asked.
    waits, when given, gets for each question the seconds from the key that answered it to
    the next prompt on the screen (what a person waits after Enter)."""
    child = spawn_copy(dst, columns)
    asked: list[str] = []
    answered_at = 0.0
    try:
        while child.expect([pexpect.EOF, PROMPT]) == 1:
            match = QUESTION.match(child.match.group(1).strip())
            assert match, child.match.group(1)
            if asked and asked[-1] == match.group(1):
                continue  # the same question, drawn again
            if asked and waits is not None:
                waits[asked[-1]] = time.monotonic() - answered_at
            asked.append(match.group(1))
            for step in steps.get(match.group(1), [ACCEPT]):
                press(child, step)
            answered_at = time.monotonic()
    except pexpect.TIMEOUT as error:
        raise AssertionError((dst.parent / "terminal.log").read_text()) from error
    child.close()
    child.logfile_read.close()
    assert child.exitstatus == 0, (dst.parent / "terminal.log").read_text()
    return asked


def answers_of(dst: Path) -> dict:
    return yaml.safe_load((dst / ".copier-answers.systemd.yml").read_text())


PLAIN_STEPS = {
    "app_name": [Step("Foo", refused="app_name: must be an Elixir app name"), Step("foo_bar")],
    "base_dir": [Step("srv", refused="base_dir: must be an absolute path"), Step("/opt")],
    "dirs": [Step("[stat]", refused="dirs: 'stat' is not one of"), Step("[state]")],
    "systemd_version": [
        Step("2.5", shows="a number, e.g. 252", refused="systemd_version: must be a whole number"),
        Step("239"),
    ],
    # exec needs systemd 240: with 239 answered it cannot be picked, and says why; down skips it.
    "service_type": [Step(keys=DOWN, shows="exec needs systemd_version 240 or later")],
    "env_files": [
        Step('["etc/foo/env"]', refused="env_files: 'etc/foo/env' must be an absolute path"),
        Step('[["-", ":configuration_dir", "/environment"]]'),
    ],
    "env_vars": [
        Step('[["RELEASE_TMP=", ":runtim_dir"]]', refused="env_vars: refers to unknown option `:runtim_dir`"),
        # Typed without brackets, as the other lists: entries apart, the reference checked.
        Step('PORT=4000, ["RELEASE_TMP=", ":runtim_dir"]', refused="env_vars: refers to unknown option `:runtim_dir`"),
        Step('PORT=4000, ["RELEASE_TMP=", ":runtime_dir"]', refused="add runtime to `dirs`"),
        Step("PORT=4000, HOSTS=a,b"),
    ],
    # Typed as names with commas: a word that is no strategy is refused with the strategies there are;
    # credentials needs systemd 247: with 239 answered it is refused, and says why; cloud_init is taken instead.
    "config_strategies": [
        Step(
            "environment_file, vault",
            shows="names separated by commas, e.g. environment_file, credentials",
            refused="config_strategies: 'vault' is not a configuration strategy "
            "(pick from environment_file, s3_sync, ssm, cloud_init, credentials)",
        ),
        Step(
            "environment_file, credentials",
            refused="config_strategies: credentials uses LoadCredential=, which needs systemd_version >= 247 (yours: 239)",
        ),
        Step("environment_file, cloud_init"),
    ],
}


def test_the_plain_path_refuses_each_wrong_answer_at_its_question(tmp_path: Path) -> None:
    dst = tmp_path / "project"
    write_mix_exs(dst, "foo_bar")
    asked = walk(dst, PLAIN_STEPS)
    print(f"plain path: {len(asked)} questions: {asked}")
    assert asked[-1] == "advanced"
    assert "credentials" not in asked
    answers = answers_of(dst)  # a list as typed: normalise.py reads the text
    assert {name: answers[name] for name in ("base_dir", "dirs", "systemd_version", "service_type")} == {
        "base_dir": "/opt",
        "dirs": "[state]",
        "systemd_version": "239",
        "service_type": "notify",
    }
    assert answers["env_files"] == '[["-", ":configuration_dir", "/environment"]]'
    assert answers["config_strategies"] == "environment_file, cloud_init"  # as typed, read as the two names
    unit = unit_file(dst)
    assert (dst / OUTPUT_DIR / "foo-bar-runtime-environment.service").is_file()  # cloud_init's oneshot
    assert values_of(unit, "WorkingDirectory") == ["/opt/foo-bar/current"]
    assert "-/etc/foo-bar/environment" in values_of(unit, "EnvironmentFile")
    assert values_of(unit, "Environment")[-2:] == ["PORT=4000", "HOSTS=a,b"]
    assert (dst / OUTPUT_DIR / "foo-bar.service").is_file()


def prompt_on_screen(lines: list[str], name: str) -> str:
    """The text of question name's prompt as the screen shows it, the answer after it, spaces collapsed."""
    start = next(i for i, line in enumerate(lines) if re.match(rf"\U0001f3a4 (\[[a-z ]+\] )?{name}: ", line))
    end = next((i for i, line in enumerate(lines[start + 1 :], start + 1) if line.startswith("\U0001f3a4")), len(lines))
    return " ".join(" ".join(lines[start:end]).split())


def help_without_jinja(name: str) -> str:
    """The help copier.yml gives question name, without its {{ import_problem(...) }} (empty here)."""
    text = yaml.safe_load((ROOT / "copier.yml").read_text())[name]["help"]
    return " ".join(re.sub(r"\{\{ import_problem\('[a-z_]+'\) \}\}", "", text).split())


def test_an_80_column_terminal_shows_each_prompt_in_full(tmp_path: Path) -> None:
    dst = tmp_path / "project"
    write_mix_exs(dst, "foo_bar")
    asked = walk(dst, {"systemd_version": [Step("252")]}, columns=80)
    screen = screen_lines(tmp_path / "terminal.log", 80)
    shown = {name: prompt_on_screen(screen, name) for name in asked}
    for name, choices in {"dirs": DIR_NAMES, "config_strategies": OPTIONS["config_strategies"].choices}.items():
        assert f"any of: {', '.join(choices)}" in shown[name]
    cut = [name for name in asked if "{{" not in help_without_jinja(name) and help_without_jinja(name) not in shown[name]]
    assert cut == [], "\n".join(shown[name] for name in cut)


def test_the_systemd_version_prompt_is_not_prefilled_with_quotes(tmp_path: Path) -> None:
    dst = tmp_path / "project"
    write_mix_exs(dst, "foo_bar")
    walk(dst, {"systemd_version": [Step(keys="252")]})  # typed after whatever is prefilled
    assert answers_of(dst)["systemd_version"] == "252"  # as typed: no prefilled quotes before it


def test_an_app_name_typed_other_than_mix_exs_app_still_runs_the_release_mix_builds(tmp_path: Path) -> None:
    dst = tmp_path / "project"
    write_mix_exs(dst, "foo_bar")  # `mix release` builds bin/foo_bar
    walk(dst, {"app_name": [Step("shop")]})
    assert answers_of(dst)["release_name"] == "foo_bar"
    assert values_of((dst / OUTPUT_DIR / "shop.service").read_text(), "ExecStart") == ["/srv/shop/current/bin/foo_bar start"]


def test_a_list_typed_after_its_prefilled_default_is_taken_as_typed(tmp_path: Path) -> None:
    """Keys typed as they come, nothing cleared first. Before, `dirs` was prefilled with `[]` and
    `config_strategies` with `[environment_file]`: `[]state, logs` was refused with copier's bare
    "Invalid input", and so was `[environment_file], credentials`."""
    dst = tmp_path / "project"
    write_mix_exs(dst, "foo_bar")
    walk(
        dst,
        {
            "dirs": [Step(keys="state, logs")],
            "systemd_version": [Step("252")],
            "config_strategies": [Step(keys=", credentials", shows="environment_file")],
            "credentials": [Step(keys="db_password")],
        },
    )
    unit = unit_file(dst)
    assert values_of(unit, "StateDirectory") == ["foo-bar"] and values_of(unit, "LogsDirectory") == ["foo-bar"]
    assert values_of(unit, "LoadCredential") == ["db_password:/etc/foo-bar/db_password"]


def test_a_list_typed_without_its_closing_bracket_is_refused_at_its_prompt_naming_the_option(tmp_path: Path) -> None:
    """Before, copier refused it with a bare "Invalid input", naming neither the option nor what it takes."""
    dst = tmp_path / "project"
    write_mix_exs(dst, "foo_bar")
    walk(dst, {"dirs": [Step(keys="[state", refused="dirs: [state is not a YAML list"), Step("[state]")]})
    assert values_of(unit_file(dst), "StateDirectory") == ["foo-bar"]


def test_a_computed_default_the_answers_so_far_refuse_stays_selectable_at_its_select_prompt(tmp_path: Path) -> None:
    """distribution's default is computed (`local`, or `release` with cloud_init). The select prompt
    took the option's function for the default, so it disabled the refused `local`, and copier
    stopped with a traceback (Invalid choice for 'distribution') before the prompt showed."""
    dst = tmp_path / "project"
    write_mix_exs(dst, "foo_bar")
    # Down past the refused `none` (disabled) and `cluster`, to `release`, which leaves the node to env_vars.
    walk(dst, {"env_vars": [Step("RELEASE_NODE=x@y")], "distribution": [Step(keys=DOWN * 2)]})
    assert "local (refused: env_vars: sets RELEASE_NODE" in (tmp_path / "terminal.log").read_text()
    assert answers_of(dst)["distribution"] == "release"


ADVANCED_STEPS = {
    "dirs": [Step("[state]")],
    "systemd_version": [Step("252")],
    "config_strategies": [Step("[environment_file, credentials]")],
    "credentials": [Step("[]", refused="the `credentials` option lists no names"), Step("[db_password]")],
    "advanced": [Step(keys="y", enter=False)],
    "service_name": [
        Step("foo bar", refused="service_name: must be a systemd unit name"),
        Step("shop.service", refused="service_name: must be given without .service"),
        Step("shop"),
    ],
    "app_user": [Step("root", refused="app_user: root has every right on the server"), Step("shop")],
    "deploy_dir": [Step("opt/shop", refused="deploy_dir: must be an absolute path"), Step("/opt/shop")],
    "state_directory": [Step("../x", refused="state_directory: must be a normalised relative path"), Step("shop-data")],
    "restart_sec": [Step("soon", refused="restart_sec: must be a time span"), Step("5s")],
    "exec_start_pre": [
        Step('[[":script_dir", "/prepare"]]', refused="exec_start_pre: refers to unknown option `:script_dir`"),
        Step('[["+", ":scripts_dir", "/prepare"]]'),
    ],
    "limit_nofile": [Step("lots", shows="(empty: 65535)", refused="limit_nofile: must be a whole number"), Step("4096")],
    "read_write_paths": [
        Step('[["data"]]', refused="read_write_paths: after expansion 'data' must be an absolute path"),
        Step('["-/data"]'),
    ],
    "hardening_disable": [
        Step("[NoSuchThing]", refused="'NoSuchThing' is not a hardening directive"),
        Step("[MemoryDenyWriteExecute]"),
    ],
}
ADVANCED_ASKED = [
    "release_name",
    "service_name",
    "app_user",
    "deploy_dir",
    "state_directory",
    "restart",
    "restart_sec",
    "timeout_start_sec",
    "exec_start_pre",
    "limit_nofile",
    "listen_sockets",
    "allow_privileged_ports",
    "read_write_paths",
    "hardening_disable",
    "output_dir",
    "eex_templates",
    "system_files",
]


def report_prompt_waits(waits: dict[str, float]) -> None:
    """The wait after Enter, per question of the advanced walk, for the suite's summary (not asserted:
    the goal, at most 0.1 s, is a figure to watch, and a busy machine moves it)."""
    ordered = sorted(waits.values())
    slowest = sorted(waits.items(), key=lambda item: -item[1])[:3]
    add_lines(
        "prompt latency (advanced walk, Enter to the next prompt)",
        [
            f"{len(ordered)} answers: median {ordered[len(ordered) // 2]:.3f} s, longest {ordered[-1]:.3f} s"
            f" ({', '.join(f'{name} {wait:.3f} s' for name, wait in slowest)})"
        ],
    )


def test_the_advanced_path_is_short_grouped_and_refuses_each_wrong_answer_at_its_question(tmp_path: Path) -> None:
    dst = tmp_path / "project"
    write_mix_exs(dst, "foo_bar")
    waits: dict[str, float] = {}
    asked = walk(dst, ADVANCED_STEPS, waits=waits)
    more = asked[asked.index("advanced") + 1 :]
    print(f"advanced path: {len(asked)} questions in all, {len(more)} after `advanced`: {more}")
    report_prompt_waits(waits)
    assert more == ADVANCED_ASKED
    assert len(more) <= 25
    assert asked.index("credentials") == asked.index("config_strategies") + 1
    answers = answers_of(dst)
    expected = {
        "service_name": "shop",
        "deploy_dir": "/opt/shop",
        "state_directory": "shop-data",
        "restart_sec": "5s",
        "limit_nofile": "4096",
        "credentials": "[db_password]",
        "hardening_disable": "[MemoryDenyWriteExecute]",
    }
    assert {name: answers[name] for name in expected} == expected
    unit = (dst / OUTPUT_DIR / "shop.service").read_text()
    assert values_of(unit, "StateDirectory") == ["shop-data"]
    assert values_of(unit, "RestartSec") == ["5s"]
    assert "+/opt/shop/bin/prepare" in values_of(unit, "ExecStartPre")


@pytest.mark.parametrize("name", ["paranoia", "watchdog_sec", "pid_file", "expand_keys", "runtime_directory"])
def test_the_advanced_path_does_not_ask_what_other_answers_decide(name):
    assert name not in ADVANCED_ASKED


def test_a_forking_pid_file_the_sandbox_hides_is_refused_at_its_question(tmp_path: Path) -> None:
    """/tmp is private to the service: refused where typed. Outside every writable dir: taken at
    its question, since read_write_paths, asked later, can make its dir writable (and does)."""
    dst = tmp_path / "project"
    write_mix_exs(dst, "foo_bar")
    steps = {
        "service_type": [Step(keys=DOWN * 3)],
        "advanced": [Step(keys="y", enter=False)],
        "pid_file": [
            Step("/tmp/foo-bar.pid", refused="pid_file: /tmp/foo-bar.pid is in the service's private /tmp (PrivateTmp=)"),
            Step("/srv/foo-bar/run/foo-bar.pid"),
        ],
        "read_write_paths": [Step('["/srv/foo-bar/run"]')],
    }
    asked = walk(dst, steps)
    assert asked.index("pid_file") < asked.index("read_write_paths")
    unit = (dst / OUTPUT_DIR / "foo-bar.service").read_text()
    assert values_of(unit, "PIDFile") == ["/srv/foo-bar/run/foo-bar.pid"]
    assert values_of(unit, "ReadWritePaths") == ["-/srv/foo-bar/run"]


def test_an_imported_setting_that_cannot_be_taken_is_asked_even_where_its_question_is_not_on_the_path(tmp_path: Path):
    """pid_file and the dirs' names are asked on the advanced path only: a config :mix_systemd value
    for them the import refuses must still get its prompt, or it is dropped for the default."""
    dst = mix_project(tmp_path, 'dirs: [:state], state_directory: "../bad", service_type: :forking, pid_file: "run/x.pid"')
    steps = {
        "state_directory": [Step("foo-data", shows="NOT IMPORTED from your project: state_directory")],
        "pid_file": [Step("/run/foo-bar/foo.pid", shows="NOT IMPORTED from your project: pid_file")],
    }
    asked = walk(dst, steps)
    assert asked[asked.index("advanced") + 1 :] == ["state_directory", "pid_file"]
    answers = answers_of(dst)
    assert (answers["state_directory"], answers["pid_file"]) == ("foo-data", "/run/foo-bar/foo.pid")


def test_imported_settings_fine_alone_but_refused_together_are_asked_at_their_questions(tmp_path: Path):
    """A forking PID file hardening standard makes unwritable, a chroot into the release itself: each
    question is asked, prefilled with the config's value and saying why it is refused; Enter on it is
    refused there, and the answer typed instead is taken."""
    dst = mix_project(tmp_path, 'service_type: :forking, pid_file: "/srv/foo-bar/x.pid", chroot: true')
    why = "YOUR config :mix_systemd VALUE IS REFUSED WITH THE OTHERS: "
    steps = {
        "pid_file": [
            Step(keys="", shows=f"{why}/srv/foo-bar/x.pid", refused="pid_file: /srv/foo-bar/x.pid is outside"),
            Step("/run/foo-bar/foo.pid"),
        ],
        "chroot": [Step(keys="n", enter=False, shows=why.strip())],
    }
    asked = walk(dst, steps)
    assert asked[asked.index("advanced") + 1 :] == ["pid_file", "chroot"]
    answers = answers_of(dst)
    assert (answers["pid_file"], answers["chroot"]) == ("/run/foo-bar/foo.pid", False)


def test_an_imported_choice_a_typed_answer_refuses_is_offered_saying_why_not_a_traceback(tmp_path: Path):
    """copier checks a select's default against its choices before the prompt: the imported `exec`,
    disabled once 239 is typed, stopped the copy with a traceback. It stays selectable, saying why."""
    dst = mix_project(tmp_path, "service_type: :exec")
    steps = {
        "systemd_version": [Step("239")],
        "service_type": [Step(keys=UP, shows="exec (refused: service_type: exec needs systemd_version 240 or later")],
    }
    walk(dst, steps)
    assert values_of(unit_file(dst), "Type") == ["simple"]


def test_a_refused_choice_is_explained_whole_above_the_list_at_80_columns(tmp_path: Path) -> None:
    """A refused choice is shown disabled, its reason cut at the terminal's edge (`... use sim`):
    the question's help lists it whole."""
    dst = tmp_path / "project"
    write_mix_exs(dst, "foo_bar")
    walk(dst, {"systemd_version": [Step("239")]}, columns=80)
    shown = " ".join(" ".join(screen_lines(dst.parent / "terminal.log", 80)).split())
    assert "Refused by the answers so far: exec: service_type: exec needs systemd_version 240 or later, not 239: " in shown
    assert "use simple, or raise systemd_version" in shown


def test_a_refusal_wider_than_the_terminal_is_shown_whole(tmp_path: Path) -> None:
    """The prompt's error toolbar is one line: at 80 columns it cut a refusal before its remedy."""
    dst = tmp_path / "project"
    write_mix_exs(dst, "foo_bar")
    remedy = "add runtime to `dirs`, or leave the reference out"
    steps = {"env_vars": [Step('[["RELEASE_TMP=", ":runtime_dir"]]', refused=remedy), Step("[]")]}
    walk(dst, steps, columns=80)
