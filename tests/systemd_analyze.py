"""Run `systemd-analyze verify` and `security --offline=yes` on rendered units, without a running systemd.

A scratch root holds a copy of /lib/systemd/system (so that targets such as
multi-user.target resolve), a stub executable at every absolute path an
Exec*= line runs, and the units under <root>/etc/systemd/system.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

SYSTEM_UNITS = Path("/lib/systemd/system")
EXEC_LINE = re.compile(r"^Exec\w+=[-@:+!]*(/\S+)", re.MULTILINE)
UNIT_SUFFIXES = (".service", ".path", ".socket", ".timer", ".target")


def require_systemd_analyze() -> str:
    """The tool's path; under CI its absence fails the test, elsewhere it skips."""
    tool = shutil.which("systemd-analyze")
    if tool and SYSTEM_UNITS.is_dir():
        return tool
    message = "systemd-analyze and /lib/systemd/system are needed (apt-get install systemd)"
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


def exec_paths(unit_text: str) -> list[str]:
    """Absolute executables of every Exec*= line, prefixes (-@:+!) removed."""
    return EXEC_LINE.findall(unit_text)


def make_scratch_root(root: Path) -> Path:
    shutil.copytree(SYSTEM_UNITS, root / "lib/systemd/system", symlinks=True)
    (root / "etc/systemd/system").mkdir(parents=True)
    return root


def install_units(root: Path, unit_dir: Path) -> list[str]:
    """Copy the rendered units into the scratch root, with stubs for what they run; their names."""
    names = []
    for unit in sorted(unit_dir.iterdir()):
        if unit.suffix not in UNIT_SUFFIXES:
            continue
        text = unit.read_text()
        (root / "etc/systemd/system" / unit.name).write_text(text)
        for path in exec_paths(text):
            stub = root / path.lstrip("/")
            stub.parent.mkdir(parents=True, exist_ok=True)
            stub.write_text("#!/bin/sh\nexit 0\n")
            stub.chmod(0o755)
        names.append(unit.name)
    return names


def verify(tool: str, root: Path, name: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [tool, "verify", f"--root={root}", name], capture_output=True, text=True, timeout=60, check=False
    )


def security(tool: str, root: Path, name: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [tool, "security", "--offline=yes", f"--root={root}", name],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
