"""systemd_version follows the answers: the lowest version that has everything asked for."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from unit_template.checks import problems
from unit_template.options import COMMAND_OPTIONS
from unit_template.resolve import resolve
from unit_template.versions import ELSEWHERE, FLOOR, REQUIREMENTS, SINCE, lowest_version

BASE = {"app_name": "foo_bar"}
PACKAGE = Path(__file__).resolve().parent.parent / "extensions" / "unit_template"
# The shared reference, read from systemd's sources (a copy kept with the tests).
REFERENCE = Path(__file__).resolve().parent / "fixtures" / "systemd-versions.md"


def _keys(cell: str) -> list[str]:
    """The table keys a reference row names: `Key=`, `Key=value`, `A/BDirectory=`, a prefix, a syscall group."""
    keys = []
    for names, value in re.findall(r"((?:[A-Z][a-z]+/)*[A-Z][A-Za-z]+)=([a-z@~-][\w@~-]*)?", cell):
        *heads, last = names.split("/")
        suffix = re.sub(r"^[A-Z][a-z]+", "", last)  # State/Cache/ConfigurationDirectory=: each + Directory=
        keys += [f"{head}{suffix}={value}" for head in heads] + [f"{last}={value}"]
    if "prefix" in cell:
        keys += [f"ExecStart prefix {prefix}" for prefix in re.findall(r"`([^`]+)`", cell)]
    keys += [f"SystemCallFilter={group}" for group in re.findall(r"`(@[\w-]+)` group", cell)]
    return keys


def reference_rows() -> dict[str, tuple[int, str]]:
    """Each key of the reference's directive table -> (the version that introduced it, the row's note)."""
    rows = {}
    table = REFERENCE.read_text(encoding="utf-8").split("## What distributions ship")[0]
    for line in table.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        version = re.search(r"\d+", cells[1]) if len(cells) == 3 else None
        if version:
            rows |= {key: (int(version.group(0)), cells[2]) for key in _keys(cells[0])}
    return rows


@pytest.mark.parametrize("key", [key for key in SINCE if key not in ELSEWHERE])
def test_each_version_of_the_table_is_the_references(key) -> None:
    assert reference_rows()[key][0] == SINCE[key]


@pytest.mark.parametrize("key", sorted(ELSEWHERE))
def test_each_version_not_the_references_says_where_it_comes_from(key) -> None:
    reference = reference_rows().get(key)
    source = reference[1] if reference else ELSEWHERE[key]
    assert str(SINCE[key]) in source and str(SINCE[key]) in ELSEWHERE[key]


def test_no_module_keeps_a_version_of_its_own() -> None:
    """Every gate reads versions.SINCE (the EEx templates through eex_constants): no `_SINCE = 2xx`
    constant, no systemd_version compared with a number."""
    own = re.compile(r"_SINCE\s*=\s*\d|MIN_VERSION\s*=|version\W{0,3}\s*[<>]=?\s*\d{2,3}\b")
    sources = [*PACKAGE.glob("*.py"), *(PACKAGE.parent.parent / "template").rglob("*.jinja")]
    found = [
        f"{path.name}: {line.strip()}"
        for path in sorted(sources)
        if path.name != "versions.py"
        for line in path.read_text(encoding="utf-8").splitlines()
        if own.search(line)
    ]
    assert found == []


@pytest.mark.parametrize(
    ("answers", "version"),
    [
        ({}, FLOOR),
        ({"service_type": "exec"}, 240),
        ({"hardening": "strict"}, 247),
        ({"config_strategies": ["credentials"], "credentials": ["db_password"]}, 247),
        ({"config_strategies": ["s3_sync"]}, FLOOR),
        ({"service_type": "exec", "hardening": "paranoia"}, 240),
        ({"exec_stop": ":/bin/echo $MAINPID"}, 242),
        ({"exec_start_pre": ["-:/bin/echo ${HOME}"]}, 242),
        ({"exec_start_pre": [["-", ":deploy_dir", "/bin/sync"]]}, FLOOR),
    ],
)
def test_the_derived_version_is_the_lowest_that_has_everything_asked_for(answers, version) -> None:
    assert resolve({**BASE, **answers})["systemd_version"] == version


def test_every_row_raises_the_derived_version_to_its_own() -> None:
    assert all(row.version >= 200 for row in REQUIREMENTS)
    values = {"service_type": "exec", "hardening": "strict", "config_strategies": ["credentials", "ssm"]}
    values |= {"credentials": ["db_password"], "exec_stop": ":/bin/true"}
    assert lowest_version(resolve({**BASE, **values}), COMMAND_OPTIONS) == max(row.version for row in REQUIREMENTS)


def test_service_type_exec_with_no_version_renders(render) -> None:
    dst = render({"service_type": "exec"})
    text = (dst / "rel/systemd/lib/systemd/system/foo-bar.service").read_text()
    assert "Type=exec" in text.splitlines()


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        ({"service_type": "exec", "systemd_version": 239}, "exec needs systemd_version 240"),
        (
            {"config_strategies": ["credentials"], "credentials": ["db_password"], "systemd_version": 246},
            "LoadCredential=, which needs systemd_version >= 247",
        ),
        ({"exec_stop": ":/bin/echo $MAINPID", "systemd_version": 241}, "prefix :, which systemd knows since version 242"),
    ],
)
def test_an_answered_version_too_low_for_a_feature_is_refused_naming_it(answers, message) -> None:
    assert any(message in str(problem) for problem in problems({**BASE, **answers}))
