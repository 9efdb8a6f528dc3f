"""Before the first file is written: can the project take every file the copy writes?

copier writes file after file, and removes what it wrote on an error only when it
created the project directory itself. So the last question (systemd_unit.validate_all)
renders every file first (paths and contents, as copier will) and checks here that
none of the writes can fail: each path within the kernel's limits, each directory on
the way a directory (or creatable), each file a file (or creatable), readable and
writable, and no existing file that copier would stop to ask about. Only then is
anything written.
"""

from __future__ import annotations

import os
import posixpath
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from pathspec import PathSpec

from .systemd_syntax import NAME_MAX, PATH_MAX


@dataclass(frozen=True)
class Target:
    """A file the copy writes: its path in the project, its content (None: not known before, the
    answers file) and whether its template is executable (copier compares that too)."""

    path: str
    content: bytes | None
    executable: bool = False
    placed_by: str = ""  # the answer that decides its directory (its manifest row's); "" for the answers file


def _bytes(text: str) -> int:
    return len(text.encode("utf-8", "surrogatepass"))


def _named(owners: list[str], text: str, answers_file: str) -> str:
    options = [name for name in owners if name]
    if not options:
        return f"the answers file {answers_file} (copier's -a): {text}: move it aside, or pass another -a"
    return f"{', '.join(options)}: {text}: move it aside, or choose another {' or '.join(options)}"


def _shown_path(path: str, limit: int = 100) -> str:
    return path if len(path) <= limit else f"{path[: limit - 30]}...({_bytes(path)} bytes)"


def length_error(project: Path, path: str) -> str:
    """The full path within PATH_MAX and each component within NAME_MAX: else the write fails."""
    full = f"{str(project).rstrip('/')}/{path}"
    if _bytes(full) >= PATH_MAX:
        return f"the copy would write {_shown_path(full)}, longer than the {PATH_MAX - 1} bytes a path may have"
    long = [part for part in path.split("/") if _bytes(part) > NAME_MAX]
    if long:
        return f"the copy would write {_shown_path(path)}, whose name {_shown_path(long[0], 40)} is over {NAME_MAX} bytes"
    return ""


def _ancestors(project: Path, path: str) -> list[Path]:
    """Every directory the file goes into, from the project down."""
    parts = path.split("/")[:-1]
    return [project.joinpath(*parts[:i]) for i in range(len(parts) + 1)]


def directory_error(directory: Path, project_root: Path, path: str) -> str:
    """What stops copier from creating or entering this directory, "" if nothing."""
    if not os.path.lexists(directory):
        return ""
    shown = posixpath.relpath(directory, project_root) if directory != project_root else str(directory)
    if directory.is_symlink() and not directory.resolve().is_relative_to(project_root.resolve()):
        return f"{path} would go through {shown}, a link out of the project (to {directory.resolve()}), which copier refuses"
    if not directory.is_dir():
        return f"{path} goes into {shown}/, but {shown} is a file, not a directory"
    return ""


def _first_existing(directory: Path) -> Path:
    while not os.path.lexists(directory) and directory != directory.parent:
        directory = directory.parent
    return directory


def file_error(project: Path, target: Target, overwrite: bool, interactive: bool, answers_file: str) -> str:
    """What stops copier from writing this file, "" if nothing."""
    file = project / target.path
    if not os.path.lexists(file):
        parent = _first_existing(file.parent)
        if parent.is_dir() and not os.access(parent, os.W_OK | os.X_OK):
            return f"{target.path} would be created in {parent}, which is not writable"
        return ""
    link = file.is_symlink()  # copier compares and replaces the link itself, not what it points to
    if not link and file.is_dir():
        return f"{target.path} is a file the copy writes, but it is a directory in the project"
    if not link and not os.access(file, os.R_OK | os.W_OK):
        return f"{target.path} would be overwritten, but it is not readable and writable"
    if target.content is None or target.path == answers_file or overwrite or interactive:
        return ""  # copier overwrites the answers file, or asks in the terminal
    same = not link and file.read_bytes() == target.content and bool(file.stat().st_mode & 0o111) == target.executable
    if same:
        return ""
    return (
        f"{target.path} exists with other content, and copier would stop to ask whether to overwrite it, "
        "with no terminal to ask in (--overwrite replaces it; git shows what changed)"
    )


def preflight_errors(
    project: Path,
    targets: list[Target],
    view: Mapping[str, object],
    answers_file: str,
    overwrite: bool,
    interactive: bool,
    skipped: Sequence[str] = (),
) -> list[str]:
    """Every reason a write of the copy would fail, each naming the answer that places the file.
    A file `skipped` (copier's --skip patterns) that exists is left as it is: nothing to check."""
    found: dict[str, tuple[str, list[str]]] = {}  # what blocks the writes -> (the first problem, the answers it hits)
    kept = _matcher(skipped)
    for target in targets:
        if os.path.lexists(project / target.path) and kept(target.path):
            continue
        option = target.placed_by
        problems = [length_error(project, target.path)]
        problems += [directory_error(d, project, target.path) for d in _ancestors(project, target.path)]
        if not any(problems):
            problems.append(file_error(project, target, overwrite, interactive, answers_file))
        problem = next(filter(None, problems), "")
        if problem:
            _, owners = found.setdefault(problem.split(", but ")[-1], (problem, []))
            if option not in owners:
                owners.append(option)
    return [_named(owners, problem, answers_file) for problem, owners in found.values()]


def _matcher(patterns: Sequence[str]) -> Callable[[str], bool]:
    """Whether copier's --exclude (or --skip) patterns match a path: its pathspec kind ("gitignore"
    from pathspec 1.0). A pattern with Jinja, which copier renders first, is not read here."""
    plain = [pattern for pattern in patterns if "{" not in pattern]
    if not plain:
        return lambda path: False
    for kind in ("gitignore", "gitwildmatch"):
        try:
            return PathSpec.from_lines(kind, plain).match_file
        except (KeyError, LookupError):
            continue
    return lambda path: False


def excluded_errors(project: Path, written: list[tuple[str, str]], patterns: Sequence[str]) -> list[str]:
    """copier --exclude would leave out a file this copy writes and the project does not have yet:
    the closing message lists it, the install script (or a unit) counts on it. `written` is each
    file's path and the answer that leaves it out ("" for one every copy writes)."""
    matches = _matcher(patterns)
    errors = []
    for path, left_out_by in written:
        if not matches(path) or (project / path).exists():
            continue
        if left_out_by:
            errors.append(
                f"exclude: {path} is left out by --exclude, which the closing message and the install script do not"
                f" follow: leave it out with {left_out_by} instead (an --exclude holds for one run only)"
            )
        else:
            errors.append(f"exclude: {path} is left out by --exclude, but every copy writes it: drop that --exclude")
    return errors
