"""The manifest (extensions/unit_template/manifest.py) and the template's file names agree."""

from __future__ import annotations

from pathlib import Path

from unit_template.manifest import FILES, template_name

TEMPLATE = Path(__file__).resolve().parent.parent / "template"
ANSWERS_TEMPLATE = "{{ _copier_conf.answers_file }}.jinja"


def test_every_template_file_is_one_row_of_the_manifest_and_every_row_has_its_template() -> None:
    names = sorted(path.name for path in TEMPLATE.iterdir())
    assert names == sorted([ANSWERS_TEMPLATE, *(template_name(file.flag) for file in FILES)])


def test_the_template_files_sit_flat_in_template_so_ls_shows_what_can_be_written() -> None:
    assert [path.name for path in TEMPLATE.iterdir() if not path.is_file()] == []


def test_each_rows_executable_flag_is_its_templates_mode() -> None:
    modes = {file.flag: bool((TEMPLATE / template_name(file.flag)).stat().st_mode & 0o111) for file in FILES}
    assert modes == {file.flag: file.executable for file in FILES}

