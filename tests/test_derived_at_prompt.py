"""A computed value that is wrong (app_user from a long app_name, from ext_name `my.app`...) is
refused at a prompt, never first at the final check: the real `copier copy`, in a pseudo-terminal.

The rule (prompt_checks.py): a wrong computed default is refused at the answer it comes
from, naming both; app_name, which must be the app of mix.exs, is not refused for it: the
derived option's question is asked instead, on every path, its help saying why.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from test_interactive import Step, answers_of, walk

from rendering import OUTPUT_DIR, mix_project, values_of, write_mix_exs
from unit_template.prompt_checks import refusal, refused_defaults
from unit_template.resolve import resolve_defaults
from unit_template.validate import unit_suffix

# A real-world Elixir app name of 41 characters: useradd takes at most 31 for a user.
LONG_APP = "acme_billing_notifications_service_worker"
LONG_EXT = LONG_APP.replace("_", "-")
REFUSED_HELP = "ITS DEFAULT IS REFUSED"
NOTHING_LATER: set[str] = set()


def unit_of(dst: Path) -> str:
    return (dst / OUTPUT_DIR / f"{LONG_EXT}.service").read_text()


def test_the_plain_path_asks_the_user_a_long_app_name_cannot_give(tmp_path: Path) -> None:
    """It used to pass every prompt and fail at the final check, after `advanced: no`."""
    dst = tmp_path / "project"
    write_mix_exs(dst, LONG_APP)
    steps = {
        "app_user": [Step("", shows=REFUSED_HELP, refused="app_user: its default"), Step("acme")],
        "app_group": [Step("", shows=REFUSED_HELP, refused="app_group: its default"), Step("acme")],
    }
    asked = walk(dst, steps)
    print(f"plain path, app_name of {len(LONG_APP)} characters: {asked}")
    assert asked.index("app_user") > asked.index("advanced")
    assert "service_name" not in asked  # still the plain path: only what must be answered is asked
    unit = unit_of(dst)
    assert (values_of(unit, "User"), values_of(unit, "Group")) == (["acme"], ["acme"])


def test_the_advanced_path_refuses_the_empty_user_at_its_question(tmp_path: Path) -> None:
    dst = tmp_path / "project"
    write_mix_exs(dst, LONG_APP)
    steps = {
        "advanced": [Step(keys="y", enter=False)],
        "app_user": [Step("", shows=REFUSED_HELP, refused="app_user: its default"), Step("acme")],
        "app_group": [Step("", refused="app_group: its default"), Step("acme")],
    }
    asked = walk(dst, steps)
    assert "service_name" in asked and "app_group" in asked
    assert answers_of(dst)["app_user"] == "acme"
    assert values_of(unit_of(dst), "Group") == ["acme"]


def test_a_base_dir_whose_paths_are_too_long_is_refused_at_base_dir(tmp_path: Path) -> None:
    dst = tmp_path / "project"
    write_mix_exs(dst, "foo_bar")
    steps = {"base_dir": [Step("/b" * 2040, refused="base_dir: '/b/b"), Step("/opt")]}
    walk(dst, steps)
    assert answers_of(dst)["base_dir"] == "/opt"


def test_ext_name_my_app_is_refused_at_ext_name_naming_the_user_it_gives(tmp_path: Path) -> None:
    """ext_name is asked when the project's mix_systemd config has one this template cannot take."""
    project = mix_project(tmp_path, 'ext_name: "My App"')
    steps = {
        "ext_name": [
            Step("my.app", shows="NOT IMPORTED", refused="ext_name: 'my.app' gives app_user 'my.app', but app_user must be"),
            Step("my-app"),
        ]
    }
    asked = walk(project, steps)
    assert "ext_name" in asked
    assert values_of((project / OUTPUT_DIR / "my-app.service").read_text(), "User") == ["my-app"]


# refusal() itself: the answers so far, the questions still to be asked.


@pytest.mark.parametrize(
    ("name", "value", "derived"),
    [
        ("ext_name", "my.app", "app_user 'my.app'"),
        ("ext_name", "e" * 40, f"app_user '{'e' * 40}'"),
        ("ext_name", "9app", "app_user '9app'"),
        ("base_dir", "/b" * 2040, "scripts_output_dir 'rel/systemd/b/b"),
        ("service_name", "shop:web", "syslog_identifier 'shop:web'"),
    ],
    ids=["dot", "40-characters", "leading-digit", "long-base-dir", "identifier-from-service-name"],
)
def test_a_wrong_computed_default_is_refused_at_its_source_naming_both(name, value, derived):
    # Even with the derived option's question still to come: its prompt would offer the wrong value.
    message = refusal(name, value, {"app_name": "foo"}, lambda: {"app_group", "scripts_output_dir"})
    assert message.startswith(f"{name}: ") and f" gives {derived}" in message, message
    assert f"change {name}" in message


def test_a_long_app_name_waits_for_the_user_question_that_will_be_asked():
    assert set(refused_defaults({"app_name": LONG_APP})) == {"app_user", "app_group"}
    assert refusal("app_name", LONG_APP, {}, lambda: {"app_user", "app_group"}) == ""
    # Had nothing later been going to ask it, app_name would be refused at once.
    assert "app_user: its default" in refusal("app_name", LONG_APP, {}, lambda: NOTHING_LATER)


def test_the_user_question_refuses_the_empty_answer_and_takes_a_name():
    so_far = {"app_name": LONG_APP}
    assert "app_user: its default" in refusal("app_user", "", so_far, lambda: {"app_group"})
    assert refusal("app_user", "acme", so_far, lambda: {"app_group"}) == ""
    assert "app_group: its default" in refusal("app_group", "", {**so_far, "app_user": "acme"}, lambda: NOTHING_LATER)


def test_a_240_character_service_name_is_refused_at_service_name_with_the_restart_unit():
    so_far = {"app_name": "foo", "restart_method": "systemd_flag"}
    message = refusal("service_name", "s" * 240, so_far, lambda: {"app_user"})
    assert message.startswith("service_name: ") and "'-restart.service'" in message and "255" in message
    assert refusal("service_name", "s" * 239, so_far, lambda: {"app_user"}) == ""


@pytest.mark.parametrize("app_name", ["a" * 64, "a" + "_b" * 31 + "c"])
def test_no_app_name_gives_a_unit_name_over_255_with_every_suffix(app_name):
    """app_name is at most 64 characters: its unit names stay far below systemd's 255,
    and only app_user and app_group (at most 31) can be wrong."""
    answers = {"app_name": app_name, "restart_method": "systemd_flag", "runtime_environment_service_script": "env.sh"}
    values = resolve_defaults(answers)
    longest = values["service_name"] + unit_suffix(values)
    print(f"app_name of {len(app_name)} characters: longest unit name {len(longest)} characters")
    assert len(longest) <= 255
    assert set(refused_defaults(answers)) == {"app_user", "app_group"}
