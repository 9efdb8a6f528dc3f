"""Exposure of every hardening profile x service_type, scored by the real `systemd-analyze security`.

Each cell is rendered once with copier and scored offline; the table of all
cells is printed in the terminal summary (no -s needed).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from summary import add_lines

from rendering import OUTPUT_DIR, render_template
from system_tools import exposure, failed_checks
from unit_template.units import unit_view

PROFILES = ("none", "paranoia", "standard", "strict")
SERVICE_TYPES = ("simple", "exec", "notify", "forking")
# None: the default answer (239, or 247 for strict); 252: Debian 12 / RHEL 9.2+.
VERSIONS: tuple[int | None, ...] = (None, 239, 252)
EXEC_SINCE = 240  # Type=exec; the template refuses it below
BOUNDS = {"standard": 2.0, "strict": 1.2}
# mix_systemd's own units, measured the same way: the baseline this template replaces.
MIX_SYSTEMD = {"none": 9.2, "paranoia": 7.0}

Cell = tuple[str, str, int | None]
Scorer = Callable[[str, str, "int | None"], tuple[float, str]]


def answers_for(profile: str, service_type: str, version: int | None) -> dict[str, Any]:
    """None: the default systemd_version, raised to the lowest that has this Type= (exec: 240)."""
    answers: dict[str, Any] = {"hardening": profile, "service_type": service_type}
    if version is None and service_type == "exec" and profile != "strict":
        version = EXEC_SINCE
    if version is not None:
        answers["systemd_version"] = version
    return answers


@pytest.fixture(scope="module")
def scores(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Scorer]:
    """score(profile, service_type, version): rendered and scored once per cell, then tabled."""
    cache: dict[Cell, tuple[float, str]] = {}

    def score(profile: str, service_type: str, version: int | None) -> tuple[float, str]:
        cell = (profile, service_type, version)
        if cell not in cache:
            dst = render_template(tmp_path_factory.mktemp("score"), answers_for(*cell))
            cache[cell] = exposure(dst / OUTPUT_DIR / "foo-bar.service")
        return cache[cell]

    yield score
    if cache:
        table = score_table({cell: value for cell, (value, _) in cache.items()})
        add_lines("systemd-analyze security --offline=yes of foo_bar's unit", table.splitlines())


def score_table(scored: dict[Cell, float]) -> str:
    """One row per profile and systemd_version scored, one column per service_type."""
    header = f"{'profile':<10}{'systemd':<9}" + "".join(f"{t:<9}" for t in SERVICE_TYPES) + "mix_systemd"
    lines = [header]
    versions = [None, *sorted({cell[2] for cell in scored if cell[2] is not None})]
    for profile in PROFILES:
        for version in versions:
            cells = [scored.get((profile, t, version)) for t in SERVICE_TYPES]
            if all(cell is None for cell in cells):
                continue
            row = "".join(("-" if cell is None else f"{cell:.1f}").ljust(9) for cell in cells)
            label = "default" if version is None else str(version)
            lines.append(f"{profile:<10}{label:<9}{row}{MIX_SYSTEMD.get(profile, '')}".rstrip())
    return "\n".join(lines)


@pytest.mark.parametrize("service_type", SERVICE_TYPES)
@pytest.mark.parametrize("profile", ["standard", "strict"])
def test_profile_scores_within_its_bound_at_default_answers(scores: Scorer, profile: str, service_type: str) -> None:
    value, report = scores(profile, service_type, None)
    assert value <= BOUNDS[profile], f"{profile}/{service_type}: {value}, failing {failed_checks(report)}"


@pytest.mark.parametrize("service_type", SERVICE_TYPES)
@pytest.mark.parametrize("profile", ["standard", "strict"])
def test_profile_scores_within_its_bound_at_systemd_252(scores: Scorer, profile: str, service_type: str) -> None:
    value, report = scores(profile, service_type, 252)
    assert value <= BOUNDS[profile], f"{profile}/{service_type}: {value}, failing {failed_checks(report)}"


@pytest.mark.parametrize("service_type", SERVICE_TYPES)
@pytest.mark.parametrize(("weaker", "stronger"), list(itertools.pairwise(PROFILES)))
def test_each_profile_scores_lower_than_the_one_before(scores: Scorer, weaker: str, stronger: str, service_type: str) -> None:
    """none > paranoia > standard > strict: each step is worth its cost."""
    assert scores(stronger, service_type, None)[0] < scores(weaker, service_type, None)[0]


@pytest.mark.parametrize("profile", ["none", "paranoia"])
def test_migration_profiles_score_like_mix_systemd(scores: Scorer, profile: str) -> None:
    """none and paranoia are mix_systemd's units: same score, so migrating changes nothing."""
    value, _ = scores(profile, "simple", None)
    assert value == MIX_SYSTEMD[profile]


def test_strict_at_systemd_239_still_beats_standard_at_239(scores: Scorer) -> None:
    """On RHEL 8 strict cannot reach 1.2 (ProtectProc= and friends need newer systemd) but still gains."""
    assert scores("strict", "simple", 239)[0] < scores("standard", "simple", 239)[0]


def test_score_table_has_a_row_per_profile_and_version_scored() -> None:
    table = score_table({("none", "simple", None): 9.2, ("strict", "simple", 239): 1.7})
    assert [line.split()[:3] for line in table.splitlines()[1:]] == [["none", "default", "9.2"], ["strict", "239", "1.7"]]


DOCS = Path(__file__).resolve().parent.parent / "docs" / "hardening.md"
NUMBER = re.compile(r"\d+\.\d")


def docs_table(first_header: str) -> list[list[str]]:
    """Header and rows (cells stripped) of the docs table whose first header cell is first_header."""
    rows: list[list[str]] = []
    for line in DOCS.read_text().splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if line.startswith("|") and (rows or cells[0] == first_header):
            if not set(cells[0]) <= {"-"}:
                rows.append(cells)
        elif rows:
            break
    return rows


def documented_profile(cell: str) -> str:
    return cell.strip("`").split("`")[0]


def first_number(cell: str) -> float:
    match = NUMBER.search(cell)
    assert match, f"no score in {cell!r}"
    return float(match.group())


@pytest.mark.parametrize(("column", "version"), [(1, None), (2, 252)])
def test_docs_profile_table_shows_the_measured_scores(scores: Scorer, column: int, version: int | None) -> None:
    _, *rows = docs_table("`hardening`")
    documented = {documented_profile(row[0]): first_number(row[column]) for row in rows}
    assert documented == {profile: scores(profile, "simple", version)[0] for profile in PROFILES}


def test_docs_version_table_shows_the_measured_scores(scores: Scorer) -> None:
    header, *rows = docs_table("`systemd_version`")
    versions = [int(cell) for cell in header[1:]]
    documented = {documented_profile(row[0]): [float(cell) for cell in row[1:]] for row in rows}
    measured = {profile: [scores(profile, "simple", v)[0] for v in versions] for profile in documented}
    assert documented == measured


README_SCORES = re.compile(
    r"scores it (\d\.\d) OK at the default `systemd_version`,\s+(\d+), and (\d\.\d) OK with\s+"
    r"`systemd_version: (\d+)`, where mix_systemd's scores (\d\.\d)"
)


def test_the_readmes_scores_are_what_systemd_analyze_gives_a_default_render(scores: Scorer) -> None:
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    stated = README_SCORES.search(readme)
    assert stated, "the README gives the default render's score, with the systemd_version it holds for"
    default, default_version, newer, newer_version, mix_systemd = stated.groups()
    assert int(default_version) == int(unit_view({"app_name": "foo_bar"})["systemd_version"])
    assert scores("standard", "simple", None)[0] == float(default)
    assert scores("standard", "simple", int(newer_version))[0] == float(newer)
    assert scores("none", "simple", None)[0] == float(mix_systemd)
