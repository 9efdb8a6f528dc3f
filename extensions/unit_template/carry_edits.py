"""Keep local edits when an answer renames the unit files (service_name, output_dir).

copier update deletes a file the new answers no longer produce, so edits to
``foo.service`` would vanish when service_name becomes ``bar``. While copier
renders ``bar.service``, the extension merges the edits into it:
base = what the previous template version rendered as ``foo.service``,
ours = the project's ``foo.service``, theirs = the new ``bar.service``.
The same goes for any file whose name comes from the answers (sysusers.d, tmpfiles.d).
Overlapping edits give copier's own inline conflict markers.
"""

from __future__ import annotations

import subprocess
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from .options import OPTIONS, RENAMED
from .units import unit_view

LABELS = ("before updating", "last update", "after updating")


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


def rendered_path(answers: Mapping[str, Any], pattern: str) -> str | None:
    """The file's path for these answers: pattern is formatted with the unit view,
    e.g. "{output_dir}/{service_name}.service"; None if the answers do not resolve."""
    try:
        return pattern.format_map(unit_view(with_current_names(answers)))
    except (ValueError, KeyError, TypeError, AttributeError, IndexError):
        return None


def user_answers(answers: Mapping[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in answers.items() if not name.startswith("_")}


def merge(ours: str, base: str, theirs: str) -> str:
    """git merge-file: theirs with the ours-vs-base changes applied, conflicts marked inline."""
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
    return result.stdout


def carried(content: str, ours: str | None, base: str | None) -> str:
    """The new file's content with the project's edits of the old file carried over."""
    if ours is None or base is None or ours == base:
        return content
    return merge(ours, base, content)
