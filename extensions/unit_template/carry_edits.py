"""Keep local edits when an answer renames a file (service_name, output_dir, ext_name...).

copier update removes a file the new answers no longer write, so edits to
``foo.service`` would vanish when service_name becomes ``bar``. copier's own
``_tasks`` carry them: ``carry_plan`` says which files the new answers rename
(the manifest's paths for the committed answers and for the new ones), and
copier.yml's task runs tasks/carry_edits.py with it, which merges the edits of
each old file into its new one (see that script).
"""

from __future__ import annotations

import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from .manifest import renamed
from .options import OPTIONS, RENAMED


def committed_answers(project: Path, answers_file: str) -> dict[str, Any]:
    """The answers file as last committed (copier update needs a clean tree): {} if none."""
    if not answers_file or not (project / answers_file).is_file():  # a first copy: nothing to carry
        return {}
    result = subprocess.run(
        ["git", "-C", str(project), "show", f"HEAD:./{answers_file}"],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        return {}
    loaded = yaml.safe_load(result.stdout)
    return loaded if isinstance(loaded, dict) else {}


def with_current_names(answers: Mapping[str, Any]) -> dict[str, Any]:
    """Answers under this version's question names."""
    renamed = {RENAMED.get(name, name): value for name, value in answers.items()}
    return {name: value for name, value in renamed.items() if name in OPTIONS}


def user_answers(answers: Mapping[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in answers.items() if not name.startswith("_")}


def template_source(project: Path, src: str) -> str:
    """copier records a local template as given: a relative path is relative to the project."""
    if "://" in src or src.startswith(("gh:", "gl:", "git@")) or Path(src).is_absolute():
        return src
    return str((project / src).resolve())


def carry_plan(
    project: Path, previous_answers: Mapping[str, Any], previous: Mapping[str, Any] | None, view: Mapping[str, Any]
) -> dict[str, Any] | None:
    """What tasks/carry_edits.py needs: the previous template version and answers, and each
    (old path, new path) the new answers rename whose old file is in the project; None if none."""
    src, commit = previous_answers.get("_src_path"), previous_answers.get("_commit")
    if previous is None or not src or not commit:
        return None
    renames = [[old, new] for old, new in renamed(previous, view) if (project / old).is_file()]
    if not renames:
        return None
    return {
        "template": template_source(project, str(src)),
        "commit": str(commit),
        "answers": user_answers(previous_answers),
        "renames": renames,
    }


def not_carried(project: Path, previous: Mapping[str, Any] | None, view: Mapping[str, Any]) -> list[str]:
    """After a run with --skip-tasks: the message's lines for each renamed file that the last commit has,
    whose local edits no task carried into the new file."""
    pairs = renamed(previous, view) if previous else []
    if not pairs:
        return []
    listed = subprocess.run(
        ["git", "-C", str(project), "ls-tree", "--name-only", "HEAD", "--", *(old for old, _ in pairs)],
        capture_output=True,
        text=True,
        check=False,
    )
    committed = set(listed.stdout.splitlines()) if listed.returncode == 0 else set()
    shown = [f"git show HEAD:{old}   (now {new})" for old, new in pairs if old in committed]
    if not shown:
        return []
    return [
        "--skip-tasks: the task that carries local edits into renamed files did not run, so each renamed file",
        "is as this version renders it. Your edits of the old ones, if any, are in git:",
        *(f"  {line}" for line in shown),
    ]
