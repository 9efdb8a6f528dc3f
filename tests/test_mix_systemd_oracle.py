"""Copier against the real mix_systemd 0.8.2, for a matrix of mix_systemd configurations.

For each configuration (mix_systemd_matrix.CONFIGS) a mix project gets it in
config/config.exs; copier imports it (`--defaults`) and renders the units and
rel/templates/systemd; then the real `systemd.generate` runs there with our
rendered EEx templates ("ours") and with mix_systemd's own ("own"). Ours must
give copier's units directive for directive; mix_systemd's own units differ
from copier's only by the differences docs/mix_systemd-differences.md lists.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from mix_systemd_matrix import CONFIGS
from mix_systemd_oracle import APP, Oracle, build_oracle

from rendering import render_template, sections, write_mix_exs

ANSWERS_FILE = ".copier-answers.systemd.yml"
VARIANTS = ("ours", "own")


def directive_lines(text: str) -> list[str]:
    """`[Section] Key=value` for each directive, in order: blank lines and comments aside."""
    return [f"[{section}] {key}={value}" for section, pairs in sections(text).items() for key, value in pairs]


@dataclass
class Case:
    name: str
    project: Path
    copier_error: str = ""

    def out(self, variant: str) -> Path:
        return self.project / f"mix-{variant}"

    def copier_units(self) -> dict[str, str]:
        answers = yaml.safe_load((self.project / ANSWERS_FILE).read_text())
        unit_dir = self.project / answers["output_dir"]
        return {p.name: p.read_text() for p in sorted(unit_dir.iterdir()) if p.suffix in (".service", ".path")}

    def mix_units(self, variant: str) -> dict[str, str]:
        out = self.out(variant)
        error = out / "error"
        assert not error.exists(), error.read_text()
        return {p.name: p.read_text() for p in sorted(out.iterdir())}


def config_exs(body: str) -> str:
    return "import Config\n\n" + (f"config :mix_systemd, {body}\n" if body else "")


@pytest.fixture(scope="session")
def oracle(tmp_path_factory: pytest.TempPathFactory) -> Oracle:
    return build_oracle(tmp_path_factory.mktemp("mix-systemd-oracle"))


@pytest.fixture(scope="module")
def cases(oracle: Oracle, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Case]:
    root = tmp_path_factory.mktemp("oracle-cases")
    result: dict[str, Case] = {}
    for name, body in CONFIGS.items():
        project = root / name
        write_mix_exs(project, APP)
        (project / "config").mkdir()
        (project / "config" / "config.exs").write_text(config_exs(body))
        case = Case(name, project)
        try:
            render_template(project, {})
        except Exception as error:  # reported by the test of that case
            case.copier_error = f"{type(error).__name__}: {error}"
        result[name] = case
    jobs = [(case.project, variant, case.out(variant)) for case in result.values() for variant in VARIANTS]
    generated = oracle.generate_all(jobs, root / "cases.exs")
    assert generated.returncode == 0, generated.stdout + generated.stderr
    return result


@pytest.mark.parametrize("name", list(CONFIGS))
def test_mix_systemd_generate_with_our_templates_gives_copiers_units(cases: dict[str, Case], name: str) -> None:
    case = cases[name]
    assert not case.copier_error
    ours = case.mix_units("ours")
    copier = case.copier_units()
    assert set(ours) <= set(copier)
    assert {unit: directive_lines(text) for unit, text in ours.items()} == {unit: directive_lines(copier[unit]) for unit in ours}
