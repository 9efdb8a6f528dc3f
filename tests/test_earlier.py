"""earlier_answers (earlier.py): what the answers file records of the answers updates changed."""

from __future__ import annotations

from unit_template import entry
from unit_template.earlier import RECORD

COMMITTED = {"_commit": "v2", "app_name": "foo_bar", "service_name": "", "dirs": "state, logs"}


def test_a_first_change_records_the_committed_value_of_each_changed_answer_only() -> None:
    answers = {**COMMITTED, "service_name": "shop", "limit_nofile": 4096}
    assert entry.earlier_record(COMMITTED, answers) == {"service_name": "", "limit_nofile": None}


def test_an_answer_changed_again_keeps_only_the_value_it_had_just_before() -> None:
    committed = {**COMMITTED, "service_name": "shop", RECORD: {"service_name": ""}}
    assert entry.earlier_record(committed, {**committed, "service_name": "store"}) == {"service_name": "shop"}


def test_an_update_that_changes_nothing_keeps_the_record() -> None:
    committed = {**COMMITTED, "service_name": "shop", RECORD: {"service_name": ""}}
    assert entry.earlier_record(committed, committed) == {"service_name": ""}


def test_a_list_written_another_way_is_no_change() -> None:
    assert entry.earlier_record(COMMITTED, {**COMMITTED, "dirs": ["state", "logs"]}) == {}


def test_an_older_entry_the_answers_give_again_is_dropped() -> None:
    committed = {**COMMITTED, "service_name": "shop", "limit_nofile": 4096, RECORD: {"limit_nofile": None}}
    assert entry.earlier_record(committed, {**committed, "limit_nofile": ""}) == {"limit_nofile": 4096}


def test_older_entries_the_checks_refuse_with_the_new_answers_are_dropped() -> None:
    """exec needs systemd 240: an earlier exec (at 252) does not fit with the 239 this run changes from."""
    committed = {**COMMITTED, "systemd_version": 239, RECORD: {"service_type": "exec", "systemd_version": 252}}
    assert entry.earlier_record(committed, {**committed, "systemd_version": 252}) == {"systemd_version": 239}


def test_the_switch_starts_from_the_answers_with_their_earlier_values() -> None:
    answers = {**COMMITTED, "service_name": "store"}
    assert entry.switched_from_view(answers, {"service_name": "shop"})["service_name"] == "shop"
    assert entry.switched_from_view(answers, {}) is None
