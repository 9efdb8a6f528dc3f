"""The real systemd tools the tests run: found, or a failure under CI."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

OVERALL = re.compile(r"Overall exposure level for \S+: (\d+\.\d)")


def require_tool(name: str) -> str:
    """The tool's path; without it a test skips locally and fails under CI=true."""
    path = shutil.which(name)
    if path:
        return path
    message = f"{name} is not installed (Debian: apt-get install systemd)"
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


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
