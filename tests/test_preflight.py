"""Nothing is written unless the whole copy succeeds: each write that would fail is refused first.

copier writes file after file and cleans up only a project directory it created; these
projects exist already. Each case puts something in the way of one write, runs the
real `copier copy` CLI, and checks: a non-zero exit, a message naming the problem, no
traceback, and the project exactly as it was (answers file, units, tmpfiles.d,
sysusers.d and EEx files included). These hold for root too (CI runs as root).
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from rendering import OUTPUT_DIR, ROOT, write_mix_exs
from terminal import COPIER

ANSWERS = ".copier-answers.systemd.yml"
UNIT = f"{OUTPUT_DIR}/foo-bar.service"
TMPFILES = "rel/systemd/lib/tmpfiles.d/foo-bar.conf"
SYSUSERS = "rel/systemd/lib/sysusers.d/foo-bar.conf"
EEX_DIR = "rel/templates/systemd"


def copy(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """`copier copy` as a script runs it: no terminal on stdin."""
    command = [COPIER, "copy", "--trust", "--defaults", "--vcs-ref", "HEAD", *args, str(ROOT), str(project)]
    env = {**os.environ, "NO_COLOR": "1"}
    return subprocess.run(command, stdin=subprocess.DEVNULL, capture_output=True, text=True, env=env, timeout=300)


def tree(project: Path) -> dict[str, str | bytes]:
    """Every entry under the project: a file's bytes, a directory, or where a link points."""
    found: dict[str, str | bytes] = {}
    for directory, dirs, files in os.walk(project):
        for name in dirs + files:
            path = Path(directory, name)
            key = str(path.relative_to(project))
            if path.is_symlink():
                found[key] = f"<link to {os.readlink(path)}>"
            elif path.is_dir():
                found[key] = "<dir>"
            else:
                found[key] = path.read_bytes()
    return found


def file_at(relative: str) -> Callable[[Path], None]:
    def put(project: Path) -> None:
        path = project / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("mine\n")

    return put


def dir_at(relative: str) -> Callable[[Path], None]:
    def put(project: Path) -> None:
        (project / relative).mkdir(parents=True)
        (project / relative / "keep").write_text("mine\n")

    return put


def link_out(relative: str) -> Callable[[Path], None]:
    def put(project: Path) -> None:
        outside = project.parent / "elsewhere"
        outside.mkdir()
        (project / relative).parent.mkdir(parents=True, exist_ok=True)
        (project / relative).symlink_to(outside)

    return put


# (id, what is in the way, a fragment of the message)
IN_THE_WAY = [
    ("a-file-named-rel", file_at("rel"), "rel is a file, not a directory"),
    ("a-file-where-the-eex-dir-goes", file_at(EEX_DIR), f"{EEX_DIR} is a file, not a directory"),
    ("a-file-where-the-unit-dir-goes", file_at(OUTPUT_DIR), f"{OUTPUT_DIR} is a file, not a directory"),
    ("a-dir-where-the-unit-goes", dir_at(UNIT), f"output_dir: {UNIT} is a file the copy writes, but it is a directory"),
    ("a-dir-where-tmpfiles-goes", dir_at(TMPFILES), f"{TMPFILES} is a file the copy writes, but it is a directory"),
    ("a-dir-where-sysusers-goes", dir_at(SYSUSERS), f"{SYSUSERS} is a file the copy writes, but it is a directory"),
    ("a-dir-where-an-eex-file-goes", dir_at(f"{EEX_DIR}/systemd.service.eex"), "template_dir: "),
    ("a-dir-where-the-answers-file-goes", dir_at(ANSWERS), f"the answers file {ANSWERS} (copier's -a)"),
    ("rel-links-out-of-the-project", link_out("rel"), "a link out of the project"),
]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    dst = tmp_path / "foo_bar"
    write_mix_exs(dst)
    return dst


def assert_refused_and_untouched(project: Path, before: dict, result: subprocess.CompletedProcess[str], fragment: str) -> None:
    print(result.stderr)
    assert result.returncode != 0
    assert fragment in result.stderr
    assert "Nothing was written." in result.stderr
    assert "Traceback" not in result.stderr
    assert tree(project) == before


@pytest.mark.parametrize(("put", "fragment"), [c[1:] for c in IN_THE_WAY], ids=[c[0] for c in IN_THE_WAY])
def test_a_write_that_would_fail_is_refused_before_any_file_is_written(project: Path, put, fragment):
    put(project)
    before = tree(project)
    assert_refused_and_untouched(project, before, copy(project), fragment)
    if (project.parent / "elsewhere").exists():
        assert list((project.parent / "elsewhere").iterdir()) == []


def test_a_project_path_too_long_for_the_files_is_refused(tmp_path: Path):
    """The deepest file (the unit, under rel/systemd/lib/systemd/system) would pass PATH_MAX."""
    # 4060 bytes: the project fits, its 47-byte unit path does not.
    levels, rest = divmod(4060 - len(str(tmp_path)) - len("/foo_bar"), 201)
    project = tmp_path.joinpath(*["d" * 200] * levels, "e" * (rest - 1), "foo_bar")
    write_mix_exs(project)
    print(f"project path: {len(str(project))} bytes")
    before = tree(project)
    assert_refused_and_untouched(project, before, copy(project), "longer than the 4095 bytes a path may have")


def test_changed_files_are_not_half_overwritten_without_a_terminal_to_ask(project: Path):
    """copier stops to ask before overwriting a changed file; with no terminal that was a
    failure after the first files had been rewritten."""
    first = copy(project)
    assert first.returncode == 0, first.stderr
    before = tree(project)
    refused = copy(project, "--data", "base_dir=/opt")
    assert_refused_and_untouched(project, before, refused, f"{UNIT} exists with other content")
    assert "--overwrite replaces it" in refused.stderr

    replaced = copy(project, "--data", "base_dir=/opt", "--overwrite")
    assert replaced.returncode == 0, replaced.stderr
    assert "WorkingDirectory=/opt/foo-bar/current" in (project / UNIT).read_text()


def test_the_same_copy_again_is_not_refused(project: Path):
    """Files identical to what the copy writes are no conflict: copier leaves them as they are."""
    assert copy(project).returncode == 0
    again = copy(project)
    assert again.returncode == 0, again.stderr


def test_a_file_in_the_way_of_a_default_copy_asks_to_fix_it_and_keeps_no_answers(project: Path):
    # Before: "Fix the answer named above there", no answer named, and a kept file of defaults only.
    (project / "rel").write_text("in the way\n")
    result = copy(project)
    assert result.returncode != 0
    assert result.stderr.rstrip().endswith("Fix what is named above, then run the same copier command again.")
    assert "Fix the answer named above" not in result.stderr
    assert not (project.parent / f"{project.name}.systemd-answers.yml").exists()


def test_a_file_in_the_way_keeps_the_answers_given_saying_what_to_fix(project: Path):
    (project / "rel").write_text("in the way\n")
    result = copy(project, "--data", "service_type=exec")
    kept = project.parent / f"{project.name}.systemd-answers.yml"
    assert result.returncode != 0
    fix = "Fix what is named above (in the project, or its answer there), then run"
    assert f"Your answers are kept in {kept}. {fix}" in result.stderr
    assert "service_type: exec" in kept.read_text()
