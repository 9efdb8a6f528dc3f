"""The real systemd tools the tests run: found, or a failure under CI."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

OVERALL = re.compile(r"Overall exposure level for \S+: (\d+\.\d)")


def require(condition: bool, message: str) -> None:
    """A real dependency of a test: without it the test skips locally and fails under CI=true."""
    if condition:
        return
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


def require_tool(name: str, package: str = "systemd") -> str:
    """The tool's path; without it a test skips locally and fails under CI=true."""
    path = shutil.which(name)
    require(path is not None, f"{name} is not installed (Debian: apt-get install {package})")
    assert path is not None
    return path


def exposure(unit: Path) -> tuple[float, str]:
    """`systemd-analyze security --offline=yes`'s overall score of a unit file, and its full report."""
    tool = require_tool("systemd-analyze")
    result = subprocess.run(
        [tool, "security", "--offline=yes", "--no-pager", str(unit)],
        capture_output=True,
        text=True,
        check=False,
    )
    match = OVERALL.search(result.stdout)
    if not match:
        raise AssertionError(f"no overall exposure in:\n{result.stdout}\n{result.stderr}")
    return float(match.group(1)), result.stdout


def failed_checks(report: str) -> list[str]:
    """The ✗ lines of a security report: what still costs exposure."""
    return [line.split()[1] for line in report.splitlines() if line.startswith("✗")]
