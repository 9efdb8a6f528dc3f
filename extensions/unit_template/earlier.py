"""The answers as they were before the updates that changed them, recorded in the answers file.

The install script's switch steps (from a renamed service, a moved deploy dir,
a unit the answers no longer have) are made by comparing the answers with
earlier ones. copier update first renders the project's last version again from
the recorded answers, to tell your edits from its own lines. Without the earlier
answers that render has no switch steps, so the ones in your install script
looked like your edits: kept by every later update, and in conflict with the
steps of a second rename. Recorded (`earlier_answers:` in the answers file),
they give that render the same script.

Each update adds the answers it changes, with the value it replaced; an answer
changed again keeps only the value it had just before. Steps from older changes
stay in the script: each is guarded, so it does nothing on a server that took it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from .carry_edits import with_current_names
from .normalise import NotAsMeant, normalise
from .option import is_unset
from .options import OPTIONS

RECORD = "earlier_answers"

Checks = Callable[[Mapping[str, Any]], bool]


def _same(name: str, before: Any, after: Any) -> bool:
    """Two answers that stand for the same value (`[state, logs]` and `state, logs`; empty and absent)."""
    if is_unset(before) or is_unset(after):
        return is_unset(before) and is_unset(after)
    try:
        return normalise(OPTIONS[name], before) == normalise(OPTIONS[name], after)
    except NotAsMeant:
        return before == after


def earlier_answers(committed: Mapping[str, Any], answers: Mapping[str, Any], passes: Checks) -> dict[str, Any]:
    """The record for these answers, from the answers file as committed: its record, then the
    committed value of each answer this run changes. An older entry the answers now give again
    is dropped; so are all older ones if with them the answers would not pass the checks
    (`passes`), so that the record always gives a view."""
    recorded = committed.get(RECORD)
    older = with_current_names(recorded) if isinstance(recorded, Mapping) else {}
    committed = with_current_names(committed)
    changed = {name: committed.get(name) for name in OPTIONS if not _same(name, committed.get(name), answers.get(name))}
    kept = {name: value for name, value in older.items() if not _same(name, value, answers.get(name))}
    record = {**kept, **changed}
    if kept and not passes(switched_from(answers, record)):
        return changed
    return record


def switched_from(answers: Mapping[str, Any], record: Mapping[str, Any]) -> dict[str, Any]:
    """The answers the install script's switch steps start from: these, with the recorded earlier values."""
    return {**{name: answers.get(name) for name in OPTIONS}, **{k: v for k, v in record.items() if k in OPTIONS}}
