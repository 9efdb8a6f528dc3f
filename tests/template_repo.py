"""Throwaway template repositories and projects, for tests of the copier lifecycle.

A template repo is a copy of the working tree (tracked and untracked,
non-ignored files), committed and tagged in its own git repository, so
copier sees real versions. ``make_v2`` edits such a copy the way a later
release of this template could: a new directive, a changed default and a
renamed question.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path
from typing import Any

import copier

from rendering import write_mix_exs
from unit_template.manifest import template_name

ROOT = Path(__file__).resolve().parent.parent
ANSWERS_FILE = ".copier-answers.systemd.yml"
MAIN_UNIT_TEMPLATE = "template/" + template_name("main_unit")
V2_DIRECTIVE = "Documentation=man:systemd.service(5)"
RENAMED_FROM = "syslog_identifier"
RENAMED_TO = "journal_identifier"
GIT_ENV = {
    "GIT_AUTHOR_NAME": "Test",
    "GIT_AUTHOR_EMAIL": "test@example.com",
    "GIT_COMMITTER_NAME": "Test",
    "GIT_COMMITTER_EMAIL": "test@example.com",
}


def git(repo: Path, *args: str) -> str:
    """Run git in repo; fail loudly."""
    result = subprocess.run(
        ["git", "-C", str(repo), *args],
        check=True,
        capture_output=True,
        text=True,
        env={**os.environ, **GIT_ENV},
    )
    return result.stdout


def working_tree_files(root: Path = ROOT) -> list[str]:
    """The files a commit of the working tree would hold (tracked + untracked, not ignored)."""
    listed = git(root, "ls-files", "-co", "--exclude-standard", "-z").split("\0")
    return sorted(name for name in listed if name and (root / name).is_file())


def commit_all(repo: Path, message: str) -> None:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "--allow-empty", "-m", message)


def init_repo(repo: Path) -> None:
    git(repo, "init", "-q", "-b", "main")
    git(repo, "config", "commit.gpgsign", "false")


NOT_TEMPLATE = ("tests/", "benchmarks/", "docs/", ".ci/")


def copy_working_tree(dst: Path) -> None:
    """Put the working tree's template files into dst (the files a template repo needs)."""
    for name in working_tree_files():
        if name.startswith(NOT_TEMPLATE):
            continue
        target = dst / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, target)


def snapshot_template(dst: Path, tag: str = "v1") -> Path:
    """Copy the working tree's template into a new git repo at dst, tagged."""
    copy_working_tree(dst)
    init_repo(dst)
    commit_all(dst, f"template {tag}")
    git(dst, "tag", tag)
    return dst


def template_at_commit(dst: Path, commit: str, tag: str = "v1") -> Path:
    """This repository's template as it was at an earlier commit, in a new git repo at dst, tagged:
    a released version whose projects a later version must update."""
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", commit], check=True, capture_output=True).stdout
    dst.mkdir(parents=True)
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(dst, filter="data")
    init_repo(dst)
    commit_all(dst, f"template {tag} ({commit[:12]})")
    git(dst, "tag", tag)
    return dst


def add_working_tree_version(template: Path, tag: str) -> None:
    """The working tree as the next commit of a template repo, tagged."""
    for path in template.iterdir():
        if path.name != ".git":
            shutil.rmtree(path) if path.is_dir() else path.unlink()
    copy_working_tree(template)
    commit_all(template, f"template {tag}")
    git(template, "tag", tag)


def regenerate_copier_yml(template: Path) -> None:
    """Write the template's copier.yml from its own options table."""
    script = template / "extensions" / "unit_template" / "questions.py"
    output = subprocess.run([sys.executable, str(script)], check=True, capture_output=True, text=True).stdout
    (template / "copier.yml").write_text(output)


def replace_in(path: Path, old: str, new: str, count: int = 1) -> None:
    text = path.read_text()
    if old not in text:
        raise AssertionError(f"{old!r} not found in {path}")
    path.write_text(text.replace(old, new, count))


def rename_option(template: Path, old: str, new: str) -> None:
    """Rename an option everywhere in the template copy, and record the rename."""
    for path in [*template.joinpath("extensions").rglob("*.py"), *template.joinpath("template").rglob("*.jinja")]:
        text = path.read_text()
        if re.search(rf"\b{old}\b", text):
            path.write_text(re.sub(rf"\b{old}\b", new, text))
    replace_in(
        template / "extensions/unit_template/options.py",
        "RENAMED: dict[str, str] = {}",
        f'RENAMED: dict[str, str] = {{"{old}": "{new}"}}',
    )


def make_v2(template: Path, tag: str = "v2") -> None:
    """A later release: a new directive, a changed default, a renamed question."""
    replace_in(
        template / MAIN_UNIT_TEMPLATE,
        "Description={{ u.service_name }} service\n",
        f"Description={{{{ u.service_name }}}} service\n{V2_DIRECTIVE}\n",
    )
    replace_in(
        template / "extensions/unit_template/options.py",
        '"timeout_start_sec": Option("timespan", None,',
        '"timeout_start_sec": Option("timespan", "5min",',
    )
    rename_option(template, RENAMED_FROM, RENAMED_TO)
    regenerate_copier_yml(template)
    commit_all(template, f"template {tag}")
    git(template, "tag", tag)


def new_project(dst: Path, app: str = "foo_bar") -> Path:
    """A committed mix project, the way a user's repo looks before copier runs."""
    write_mix_exs(dst, app)
    init_repo(dst)
    commit_all(dst, "project")
    return dst


def copy_template(template: Path, project: Path, data: dict[str, Any] | None = None, vcs_ref: str = "v1") -> None:
    copier.run_copy(str(template), str(project), data=data or {}, defaults=True, unsafe=True, vcs_ref=vcs_ref, quiet=True)
    commit_all(project, f"copier copy {vcs_ref}")


def update_project(project: Path, data: dict[str, Any] | None = None, vcs_ref: str = "v2") -> None:
    copier.run_update(
        str(project),
        data=data or {},
        answers_file=ANSWERS_FILE,
        vcs_ref=vcs_ref,
        defaults=True,
        overwrite=True,
        unsafe=True,
        quiet=True,
    )
