"""The main unit's restart, stop and socket lines come from one table (lifecycle.LINES), which
both renderers evaluate: copier's Jinja unit through lifecycle.lines, the EEx template (for
`mix systemd.generate`) through the table written into it (bindings.line_table).

A row added to the table must appear in both units, gated the same way; the EEx template must
not write any of the table's directives by hand. The whole matrix of configurations is
tests/test_eex_equivalence.py and tests/test_mix_systemd_oracle.py.
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import jinja2

from rendering import ROOT, sections
from system_tools import require_tool
from unit_template import lifecycle
from unit_template.bindings import eex_constants, elixir_keyword, elixir_string, elixir_term, export_bindings
from unit_template.lifecycle import LINES, Line
from unit_template.units import unit_view

MAIN_UNIT = "template/{% if files.main_unit %}{{ files.main_unit }}{% endif %}.jinja"
EEX_MAIN_UNIT = "template/{% if files.eex_main_unit %}{{ files.eex_main_unit }}{% endif %}.jinja"
ANSWERS = {"app_name": "foo_bar", "systemd_version": 254, "listen_sockets": ["4000"]}
EXTRA_ROWS = (
    Line("unit", "XUnitLine", "{timeout_stop_sec}-{kill_mode}"),
    Line("service", "XSinceLine", "on", since="RestartSteps="),
    Line("service", "XBeforeLine", "on", before="RestartSteps="),
    Line("service", "XRequiresLine", "on", requires=("exec_stop",)),
    Line("service", "XEmptyValueLine", "{exec_stop}"),
)


def render_jinja(template: str, view: dict[str, Any]) -> str:
    """A template as copier renders it (its _envops), with the view and the constants of this process."""
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(ROOT), trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True
    )
    environment.globals.update(unit=lambda: view, eex_constants=eex_constants, elixir_term=elixir_term)
    return environment.get_template(template).render()


def evaluate_eex(source: str, bindings: str, tmp_path: Path) -> str:
    """EEx.eval_file(..., trim: true), as mix systemd.generate evaluates its templates."""
    template = tmp_path / "systemd.service.eex"
    template.write_text(source)
    script = f"IO.write(EEx.eval_file({elixir_string(str(template))}, {bindings}, trim: true))"
    result = subprocess.run(
        [require_tool("elixir", "elixir"), "-e", script], capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0 and result.stderr == "", result.stderr
    return result.stdout


def both_units(tmp_path: Path) -> tuple[dict[str, list[tuple[str, str]]], dict[str, list[tuple[str, str]]]]:
    view = unit_view(ANSWERS)
    jinja = render_jinja(MAIN_UNIT, view)
    eex = evaluate_eex(render_jinja(EEX_MAIN_UNIT, view), elixir_keyword(export_bindings(view)), tmp_path)
    return sections(jinja), sections(eex)


def test_a_row_added_to_the_line_table_is_printed_by_both_renderers(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setattr(lifecycle, "LINES", (*LINES, *EXTRA_ROWS))
    jinja, eex = both_units(tmp_path)
    assert ("XUnitLine", "30s-mixed") in jinja["Unit"]
    assert ("XSinceLine", "on") in jinja["Service"]
    assert [key for key, _ in jinja["Service"] if key.startswith("X")] == ["XSinceLine"]
    assert eex == jinja


def test_the_eex_template_writes_no_directive_of_the_line_table() -> None:
    source = (ROOT / EEX_MAIN_UNIT).read_text(encoding="utf-8")
    written = [line.key for line in LINES if f'"{line.key}"' in source or f"{line.key}=" in source]
    assert written == []



def test_an_option_the_config_leaves_out_takes_copiers_answer_in_the_eex_unit(tmp_path: Path) -> None:
    """restart, restart_sec and timeout_start_sec are rows of the table too: nil in the config
    (mix_systemd's default for restart_sec and timeout_start_sec) prints the answer given to copier."""
    answers = {**ANSWERS, "restart": "on-failure", "restart_sec": "5s", "timeout_start_sec": "2min"}
    view = unit_view(answers)
    bindings = {**export_bindings(view), "restart": None, "restart_sec": None, "timeout_start_sec": None}
    eex = sections(evaluate_eex(render_jinja(EEX_MAIN_UNIT, view), elixir_keyword(bindings), tmp_path))
    assert [line for line in eex["Service"] if line[0] in ("Restart", "RestartSec", "TimeoutStartSec")] == [
        ("Restart", "on-failure"),
        ("RestartSec", "5s"),
        ("TimeoutStartSec", "2min"),
    ]
    assert eex == sections(render_jinja(MAIN_UNIT, view))
