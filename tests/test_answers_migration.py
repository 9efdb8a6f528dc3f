"""Renaming answers in the answers file (run by `_migrations` before an update)."""

from __future__ import annotations

from pathlib import Path

from unit_template.answers_migration import main, parse_renames, rename_answers

ANSWERS = """# Answers of the systemd unit template
_commit: v1
app_name: foo_bar
syslog_identifier: shop-log
env_vars:
- syslog_identifier: not a top-level key
"""


def test_rename_answers_renames_the_top_level_key() -> None:
    renamed = rename_answers(ANSWERS, {"syslog_identifier": "journal_identifier"})
    assert "journal_identifier: shop-log\n" in renamed
    assert "\nsyslog_identifier:" not in renamed


def test_rename_answers_keeps_comments_and_nested_keys() -> None:
    renamed = rename_answers(ANSWERS, {"syslog_identifier": "journal_identifier"})
    assert renamed.startswith("# Answers of the systemd unit template\n")
    assert "- syslog_identifier: not a top-level key\n" in renamed


def test_rename_answers_leaves_an_existing_new_answer_alone() -> None:
    text = ANSWERS + "journal_identifier: newer\n"
    assert rename_answers(text, {"syslog_identifier": "journal_identifier"}) == text


def test_rename_answers_is_idempotent() -> None:
    once = rename_answers(ANSWERS, {"syslog_identifier": "journal_identifier"})
    assert rename_answers(once, {"syslog_identifier": "journal_identifier"}) == once


def test_parse_renames_reads_old_equals_new() -> None:
    assert parse_renames(["a=b", "broken", "c=d"]) == {"a": "b", "c": "d"}


def test_main_rewrites_the_file(tmp_path: Path) -> None:
    answers = tmp_path / ".copier-answers.systemd.yml"
    answers.write_text(ANSWERS)
    assert main([str(answers), "syslog_identifier=journal_identifier"]) == 0
    assert "journal_identifier: shop-log" in answers.read_text()
