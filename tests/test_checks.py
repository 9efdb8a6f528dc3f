"""The check step (checks.py): every problem with a whole set of answers, as data, before any view is built."""

from __future__ import annotations

import pytest
from copier.errors import UserMessageError

from unit_template import deploy, distribution, entry, lifecycle, strategies
from unit_template.checks import CHECKS, problems
from unit_template.problems import Problem
from unit_template.units import unit_view

BASE = {"app_name": "foo_bar"}
# Two problems of the whole set, independent of each other: a version gate and the deploy script's URL.
TWO_PROBLEMS = {**BASE, "service_type": "exec", "systemd_version": 239, "deploy_health_url": "ftp://host/health"}


def test_two_independent_problems_are_both_returned_as_data_in_the_checks_order() -> None:
    assert [problem.option for problem in problems(TWO_PROBLEMS)] == ["service_type", "deploy_health_url"]
    assert all(isinstance(problem, Problem) for problem in problems(TWO_PROBLEMS))


def test_each_distribution_error_is_a_problem_of_its_own_in_the_order_it_was_told() -> None:
    found = problems({**BASE, "env_vars": ["RELEASE_NODE=x@h", "RELEASE_COOKIE=secret"]})
    assert [(problem.option, problem.message.split(",")[0]) for problem in found] == [
        ("env_vars", "sets RELEASE_NODE"),
        ("env_vars", "sets RELEASE_COOKIE"),
    ]


def test_the_distributions_problem_comes_before_the_strategies_as_it_was_shown_first() -> None:
    found = problems({**BASE, "distribution_interface": "10.0.0.5", "credentials": ["db_password"]})
    assert [problem.option for problem in found] == ["distribution_interface", "config_strategies"]


def test_a_reference_cycle_is_returned_as_a_problem_not_raised() -> None:
    [problem] = problems({**BASE, "exec_start": ":exec_stop", "exec_stop": ":exec_start"})
    assert problem.option == "exec_start" and "reference cycle" in problem.message


def test_a_checked_bad_set_gives_no_view_and_never_builds_one(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_view(_resolved: object) -> dict:
        raise AssertionError("the view was built for answers with problems")

    monkeypatch.setattr(entry, "view", no_view)
    assert entry.checked_view(TWO_PROBLEMS) == (None, problems(TWO_PROBLEMS))


def test_a_checked_good_set_gives_the_view_and_no_problems() -> None:
    assert entry.checked_view(BASE) == (unit_view(BASE), [])


def test_each_capability_module_contributes_its_check_through_the_table() -> None:
    checks = [check for check, _ in CHECKS]
    assert {distribution.problems, strategies.problems, lifecycle.problems, deploy.problems} <= set(checks)


def test_copier_names_every_problem_of_the_whole_set_not_only_the_first(render) -> None:
    with pytest.raises(UserMessageError) as refused:
        render({key: value for key, value in TWO_PROBLEMS.items() if key != "app_name"})
    text = str(refused.value)
    assert text.index("service_type: exec needs systemd_version 240") < text.index("deploy_health_url: must be an http")


FORKING = {**BASE, "service_type": "forking"}


def pid_file_refusals(**answers: object) -> list[str]:
    return [problem.message for problem in problems({**FORKING, **answers}) if problem.option == "pid_file"]


@pytest.mark.parametrize(
    ("answers", "why"),
    [
        ({"pid_file": "/srv/foo-bar/foo-bar.pid"}, "outside every dir the service may write under hardening standard"),
        ({"pid_file": "/srv/foo-bar/foo-bar.pid", "hardening": "strict"}, "under hardening strict"),
        ({"pid_file": "/etc/foo-bar/foo-bar.pid", "dirs": ["configuration"]}, "outside every dir"),  # not the app's to write
        ({"pid_file": "/var/tmp/foo-bar.pid"}, "private /tmp (PrivateTmp=)"),
        ({"pid_file": "/tmp/foo-bar.pid", "hardening": "paranoia"}, "private /tmp (PrivateTmp=)"),
        ({"pid_file": "/home/deploy/foo-bar.pid", "hardening": "paranoia"}, "ProtectHome="),
        ({"pid_file": "/etc/foo-bar.pid", "hardening": "paranoia"}, "ProtectSystem=full"),
    ],
)
def test_a_pid_file_the_sandbox_keeps_the_vm_from_writing_or_systemd_from_reading_is_refused(answers, why) -> None:
    [message] = pid_file_refusals(**answers)
    assert why in message
    assert "the service would never start; keep it in the runtime dir (/run/foo-bar/foo_bar.pid, the default)" in message


@pytest.mark.parametrize(
    "answers",
    [
        {},  # the default, in the runtime dir
        {"pid_file": "/var/lib/foo-bar/foo-bar.pid", "dirs": ["state"]},
        {"pid_file": "/srv/foo-bar/run/foo-bar.pid", "read_write_paths": ["-/srv/foo-bar/run"]},
        {"pid_file": "/data/state/foo-bar.pid", "dirs": ["state"], "state_dir": "/data/state"},  # ReadWritePaths= for it
        {"pid_file": "/srv/foo-bar/foo-bar.pid", "hardening": "paranoia"},  # /srv stays writable under full
        {"pid_file": "/srv/foo-bar/foo-bar.pid", "hardening": "none"},
        {"pid_file": "/tmp/foo-bar.pid", "hardening": "none"},
    ],
)
def test_a_pid_file_the_vm_can_write_and_systemd_read_is_taken(answers) -> None:
    assert pid_file_refusals(**answers) == []


def test_the_pid_file_is_checked_only_when_forking_uses_it() -> None:
    assert pid_file_refusals(service_type="simple", pid_file="/tmp/foo-bar.pid") == []


def test_chroot_into_the_release_itself_is_refused_since_it_has_no_shell_to_start_with() -> None:
    [problem] = [p for p in problems({**BASE, "chroot": True}) if p.option == "chroot"]
    assert "RootDirectory=/srv/foo-bar/current would run the release inside its own directory" in problem.message
    assert "set root_directory to a self-contained root" in problem.message


def test_chroot_into_a_root_of_the_users_own_is_taken() -> None:
    assert [p for p in problems({**BASE, "chroot": True, "root_directory": "/srv/jail"}) if p.option == "chroot"] == []
