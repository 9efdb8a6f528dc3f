"""Helpers to render the template and read what it wrote."""

from __future__ import annotations

import atexit
import functools
import re
import shutil
import tempfile
from pathlib import Path
from typing import Any

import copier

ROOT = Path(__file__).resolve().parent.parent
OUTPUT_DIR = "rel/systemd/lib/systemd/system"
MIX_EXS = """defmodule {module}.MixProject do
  use Mix.Project

  def project do
    [
      app: :{app},
      version: "0.1.0",
      elixir: "~> 1.14",
      deps: []
    ]
  end
end
"""


def write_mix_exs(dst: Path, app: str = "foo_bar") -> None:
    module = "".join(part.capitalize() for part in app.split("_"))
    dst.mkdir(parents=True, exist_ok=True)
    (dst / "mix.exs").write_text(MIX_EXS.format(module=module, app=app))


def mix_project(tmp_path: Path, config: str, mix_exs: str | None = None) -> Path:
    """A mix project with `config :mix_systemd, <config>` in config/config.exs."""
    project = tmp_path / "project"
    write_mix_exs(project, "foo_bar")
    if mix_exs is not None:
        (project / "mix.exs").write_text(mix_exs)
    (project / "config").mkdir()
    (project / "config/config.exs").write_text(f"import Config\n\nconfig :mix_systemd, {config}\n")
    return project


@functools.cache
def working_tree_template() -> str:
    """The working tree's template as a plain dir, made once per test process.

    copier renders a local dir where it is; a git repo (this one, `--vcs-ref HEAD`) it clones
    first, with its uncommitted changes, at every copy: about 0.4 s of each render. What a
    user runs, a copy from a git repo, is tested with the CLI (test_readme.py, test_bad_input.py...);
    here only the rendered files matter, and they are the same."""
    from template_repo import copy_working_tree  # it imports this module

    dst = Path(tempfile.mkdtemp(prefix="template.")) / "unit-template"
    copy_working_tree(dst)
    atexit.register(shutil.rmtree, dst.parent, True)
    return str(dst)


def render_template(dst: Path, answers: dict[str, Any], app: str | None = "foo_bar", quiet: bool = True, **kwargs: Any) -> Path:
    """Copy the working tree's template into dst (a mix project unless app is None)."""
    if app is not None and not (dst / "mix.exs").exists():
        write_mix_exs(dst, app)
    copier.run_copy(working_tree_template(), str(dst), data=answers, defaults=True, unsafe=True, quiet=quiet, **kwargs)
    return dst


def unit_file(dst: Path, name: str = "foo-bar.service", output_dir: str = OUTPUT_DIR) -> str:
    return (dst / output_dir / name).read_text()


def directives(text: str) -> list[tuple[str, str]]:
    """(key, value) of every directive line, in order, comments and sections aside."""
    pairs = []
    for line in text.splitlines():
        if not line or line.startswith(("#", ";", "[")):
            continue
        key, _, value = line.partition("=")
        pairs.append((key, value))
    return pairs


def values_of(text: str, key: str) -> list[str]:
    return [value for k, value in directives(text) if k == key]


def sections(text: str) -> dict[str, list[tuple[str, str]]]:
    result: dict[str, list[tuple[str, str]]] = {}
    current = ""
    for line in text.splitlines():
        header = re.fullmatch(r"\[(\w+)\]", line)
        if header:
            current = header.group(1)
            result[current] = []
        elif line and not line.startswith(("#", ";")):
            key, _, value = line.partition("=")
            result[current].append((key, value))
    return result
