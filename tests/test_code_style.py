"""The project's own Python stays ruff-clean."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_python_sources_pass_ruff():
    ruff = Path(sys.executable).parent / "ruff"
    result = subprocess.run(
        [str(ruff), "check", "extensions", "tasks", "tests", "benchmarks"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_extensions_use_only_copiers_documented_interfaces():
    """No private copier import, no stack walk, no sys.modules surgery, no copier run inside the extension."""
    result = subprocess.run(
        ["grep", "-rn", r"copier\._\|sys\._getframe\|sys\.modules\[\|run_copy", "extensions/"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1, result.stdout + result.stderr

