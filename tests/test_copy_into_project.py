"""Copy into an existing Elixir project (a real `mix new` tree): what was there stays untouched."""

from __future__ import annotations

import hashlib
import os
import subprocess
from pathlib import Path

import pytest

from rendering import OUTPUT_DIR, render_template, unit_file, values_of
from system_tools import require_tool


def hashes(root: Path) -> dict[str, str]:
    return {
        str(path.relative_to(root)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


@pytest.fixture
def mix_project(tmp_path: Path) -> Path:
    """`mix new foo_bar`, run for real (offline: it needs no hex packages)."""
    subprocess.run(
        [require_tool("mix", "elixir"), "new", "foo_bar"],
        cwd=tmp_path,
        check=True,
        capture_output=True,
        timeout=120,
        env={**os.environ, "MIX_HOME": str(tmp_path / ".mix"), "HEX_OFFLINE": "1"},
    )
    return tmp_path / "foo_bar"


def test_every_file_of_the_mix_project_is_untouched(mix_project: Path):
    before = hashes(mix_project)
    assert "mix.exs" in before and "lib/foo_bar.ex" in before
    render_template(mix_project, {})
    after = hashes(mix_project)
    assert {name: after.get(name) for name in before} == before


def test_the_unit_is_written_into_the_mix_project(mix_project: Path):
    render_template(mix_project, {})
    assert values_of(unit_file(mix_project), "ExecStart") == ["/srv/foo-bar/current/bin/foo_bar start"]


def test_only_template_files_are_added_to_the_mix_project(mix_project: Path):
    before = set(hashes(mix_project))
    render_template(mix_project, {})
    added = set(hashes(mix_project)) - before
    allowed = (".copier-answers.systemd.yml", "rel/")
    assert added and all(name.startswith(allowed) for name in added), sorted(added)
    assert f"{OUTPUT_DIR}/foo-bar.service" in added
