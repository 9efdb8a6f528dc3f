"""copier task: carry the project's edits of a file an answer renamed into the file of its new name.

copier update removes a file the new answers no longer write: edits to
``foo.service`` would vanish when service_name becomes ``bar``. copier.yml runs
this script as a task (``_tasks``) when the extension's ``carry_plan()`` finds
such a rename. copier runs tasks once it has written the new files into the
project and before it removes the old ones, so both are here (cwd: the project):
base = the previous template version rendered pristine with the previous answers
(copier's public API, in this separate process), ours = the project's old file,
theirs = the new file copier just wrote. ``git merge-file`` writes theirs with
our edits into the new file; overlapping edits give copier's own inline
conflict markers, or, with ``copier update --conflict rej``, leave the new file
as rendered and write the edits as a patch of the old file to ``<new>.rej``.

Not under template/ (copier's _subdirectory), so copier never renders it.

    python carry_edits.py PLAN_JSON   # {"template", "commit", "answers", "renames": [[old, new], ...], "conflict"}
"""

from __future__ import annotations

import difflib
import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

LABELS = ("before updating", "last update", "after updating")


def merge(ours: str, base: str, theirs: str) -> tuple[str, int]:
    """git merge-file: theirs with the ours-vs-base changes applied, conflicts marked inline; and
    the number of conflicts."""
    with tempfile.TemporaryDirectory(prefix="carry-edits.") as tmp:
        paths = []
        for name, text in (("ours", ours), ("base", base), ("theirs", theirs)):
            path = Path(tmp, name)
            path.write_text(text, encoding="utf-8")
            paths.append(str(path))
        labels = [arg for label in LABELS for arg in ("-L", label)]
        result = subprocess.run(["git", "merge-file", "-p", *labels, *paths], capture_output=True, text=True, check=False)
    if result.returncode < 0 or result.returncode > 127:
        raise RuntimeError(f"git merge-file failed: {result.stderr}")
    return result.stdout, result.returncode


def carried(content: str, ours: str | None, base: str | None) -> str:
    """The new file's content with the project's edits of the old file carried over (conflicts inline)."""
    if ours is None or base is None or ours == base:
        return content
    return merge(ours, base, content)[0]


def edits_patch(old: str, ours: str, base: str) -> str:
    """The project's edits of the old file, as a unified diff against the file as rendered."""
    return "".join(difflib.unified_diff(base.splitlines(True), ours.splitlines(True), f"a/{old}", f"b/{old}"))


def carry(plan: dict[str, Any], project: Path, base_root: Path) -> list[str]:
    """Merge each renamed file's edits into its new file; the new paths written (a .rej with rej)."""
    changed = []
    for old, new in plan["renames"]:
        theirs, ours, base = read(project / new), read(project / old), read(base_root / old)
        if theirs is None or ours is None or base is None or ours == base:
            continue
        content, conflicts = merge(ours, base, theirs)
        if conflicts and plan.get("conflict") == "rej":
            (project / f"{new}.rej").write_text(edits_patch(old, ours, base), encoding="utf-8")
            changed.append(f"{new}.rej")
        elif content != theirs:
            (project / new).write_text(content, encoding="utf-8")
            changed.append(new)
    return changed


def pristine(plan: dict[str, Any], dst: Path) -> None:
    """The previous template version rendered with the previous answers, as copier's update renders it."""
    import copier  # the copier running this task (_copier_python): its public API

    copier.run_copy(
        plan["template"],
        dst,
        data=plan["answers"],
        vcs_ref=plan["commit"],
        defaults=True,
        quiet=True,
        unsafe=True,
        skip_tasks=True,
    )


def read(path: Path) -> str | None:
    return path.read_text(encoding="utf-8") if path.is_file() else None


def main(argv: list[str]) -> int:
    plan = json.loads(argv[1])
    project = Path.cwd()
    with tempfile.TemporaryDirectory(prefix="systemd-unit-pristine.") as tmp:
        base_root = Path(tmp) / "project"
        try:
            pristine(plan, base_root)
        except Exception as error:
            # copier rendered this version just before (its update's base), so this is rare; the update
            # itself is complete: say what was not carried and where the edits are, do not stop half-way.
            print(
                f"Your edits were not carried into the renamed files: rendering the previous template "
                f"version failed ({error}). Each old file, with your edits, is in git: "
                + "; ".join(f"git show HEAD:{old} (now {new})" for old, new in plan["renames"]),
                file=sys.stderr,
            )
            return 0
        carry(plan, project, base_root)
    return 0


def run(argv: list[str]) -> int:
    """main, and Ctrl-C said plainly: copier has written the new files already, so the project is
    half-updated; git has the rest."""
    try:
        return main(argv)
    except KeyboardInterrupt:
        print(
            "Interrupted while carrying your edits into the renamed files: the update is incomplete. "
            "To go back to the last commit, run git checkout -- . and remove the new files git status "
            "lists as untracked.",
            file=sys.stderr,
        )
        return 130


if __name__ == "__main__":
    sys.exit(run(sys.argv))
