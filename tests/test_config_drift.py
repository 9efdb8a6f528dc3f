"""config :mix_systemd changed after the first copy: copier update says which settings the units do not follow."""

from __future__ import annotations

import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from rendering import OUTPUT_DIR, mix_project, values_of
from template_repo import ANSWERS_FILE, commit_all, init_repo, snapshot_template
from unit_template.config_drift import drift_lines, drifted
from unit_template.options import OPTIONS

COPIER = str(Path(sys.executable).parent / "copier")
HEADER = "config :mix_systemd changed since your answers were recorded. copier update reads only the answers,"
DEFAULT_ANSWERS = {name: None for name in OPTIONS} | {"app_name": "foo_bar"}


def copier(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([COPIER, *args], cwd=cwd, capture_output=True, text=True, check=False)


@pytest.fixture
def copied(tmp_path: Path) -> Path:
    """A project whose config :mix_systemd set dirs: [:runtime], copied and committed."""
    template = snapshot_template(tmp_path / "template", "v1")
    project = mix_project(tmp_path, "dirs: [:runtime]")
    init_repo(project)
    commit_all(project, "project")
    done = copier("copy", "--trust", "--defaults", "--vcs-ref", "v1", str(template), ".", cwd=project)
    assert done.returncode == 0, done.stderr
    commit_all(project, "copy")
    return project


def set_config(project: Path, config: str) -> None:
    (project / "config/config.exs").write_text(f"import Config\n\nconfig :mix_systemd, {config}\n")
    commit_all(project, "config")


def update(project: Path) -> subprocess.CompletedProcess[str]:
    done = copier("update", "--trust", "--defaults", "-a", ANSWERS_FILE, cwd=project)
    assert done.returncode == 0, done.stderr
    return done


def test_a_config_setting_changed_after_the_copy_is_named_with_the_update_that_takes_it(copied: Path) -> None:
    set_config(copied, "dirs: [:runtime, :state], service_type: :notify")
    lines = update(copied).stderr.splitlines()
    start = lines.index(HEADER)
    assert lines[start + 2 : start + 4] == [
        '  dirs: ["runtime", "state"] in config :mix_systemd, runtime in your answers',
        "  service_type: notify in config :mix_systemd, simple in your answers",
    ]
    assert lines[start + 4] == "To take them into the units, commit, then:"
    printed = lines[start + 5].strip()
    commit_all(copied, "update")
    args = shlex.split(printed)
    assert args[:2] == ["copier", "update"]
    taken = copier(*args[1:], cwd=copied)  # the command as printed
    assert taken.returncode == 0, taken.stderr
    unit = (copied / OUTPUT_DIR / "foo-bar.service").read_text()
    assert values_of(unit, "Type") == ["notify"] and values_of(unit, "StateDirectory") == ["foo-bar"]
    assert HEADER not in taken.stderr  # the answers follow the config now


def test_an_update_with_the_config_unchanged_says_nothing_of_it(copied: Path) -> None:
    assert HEADER not in update(copied).stderr


def test_a_config_change_the_answers_already_give_says_nothing(copied: Path) -> None:
    set_config(copied, "dirs: [:runtime], limit_nofile: 65535")  # 65535 is the default the answers resolve to
    assert HEADER not in update(copied).stderr


def test_a_setting_equal_to_the_default_the_answers_resolve_to_is_no_drift() -> None:
    assert drifted({"limit_nofile": 65535, "service_type": "simple"}, DEFAULT_ANSWERS) == {}
    assert drifted({"service_type": "exec"}, DEFAULT_ANSWERS) == {"service_type": "exec"}


def test_the_printed_update_quotes_each_value_for_the_shell() -> None:
    lines = drift_lines({"env_vars": ["A=b c"]}, DEFAULT_ANSWERS, ANSWERS_FILE)
    assert shlex.split(lines[-1])[-2:] == ["--data", 'env_vars=["A=b c"]']


def test_a_config_change_elsewhere_reads_no_config(tmp_path: Path) -> None:
    """A project whose config no longer names :mix_systemd: nothing to compare, no Elixir run."""
    from unit_template.config_drift import mentions_mix_systemd

    project = mix_project(tmp_path, "dirs: [:runtime]")
    assert mentions_mix_systemd(project)
    (project / "config/config.exs").write_text("import Config\nconfig :foo_bar, port: 4000\n")
    assert not mentions_mix_systemd(project)
