"""The README tells users the truth about options and the test command."""

from pathlib import Path

from unit_template.docs_table import BEGIN, END, block
from unit_template.options import OPTIONS

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()


def test_readme_options_table_is_generated_from_the_current_options():
    start, end = README.index(BEGIN), README.index(END) + len(END)
    assert README[start:end] == block(), "run: .venv/bin/python extensions/unit_template/docs_table.py"


def test_readme_options_table_has_a_row_for_every_option():
    table = README[README.index(BEGIN) : README.index(END)]
    missing = [name for name in OPTIONS if f"| `{name}`" not in table]
    assert missing == []


def test_ci_runs_the_test_command_the_readme_gives():
    command = ".venv/bin/pytest"
    assert f"\n    {command}\n" in README
    ci_lines = (ROOT / ".ci/run").read_text().splitlines()
    assert command in ci_lines
