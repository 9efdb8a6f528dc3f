"""One option of the template: the record every options table is made of.

The table itself is options.py; a capability with options of its own
(distribution, sockets, install...) keeps them in its module as a dict of
these and options.py composes them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

Resolved = Mapping[str, Any]
Derivation = Callable[[Resolved], Any]


# `ask` of an option given only with --data (or asked on a problem): never asked otherwise.
NOT_ASKED = "{{ false }}"


@dataclass(frozen=True)
class Option:
    """One option: ``kind`` names its validator in validate.py."""

    kind: str
    default: Any = None
    choices: tuple[str, ...] = ()
    help: str = ""
    basic: bool = False  # asked in a plain interactive copy; the rest behind `advanced`
    question_default: str | None = None  # a Jinja default for copier.yml, where it differs
    ask: str | None = None  # a Jinja condition for copier.yml's `ask:`, instead of `{{ advanced }}` (or a problem)
    empty_is_value: bool = False  # "" is an answer (e.g. "not set"), only null means the default
    derived: str = ""  # what a computed default is, for docs/options.md, e.g. "app_name in CamelCase"

    def default_for(self, resolved: Resolved) -> Any:
        return self.default(resolved) if callable(self.default) else self.default


def is_unset(value: Any) -> bool:
    """An empty answer means: use the option's default."""
    return value is None or value == ""


_NAMED = re.compile(r"<(\w+)>")


def joined(kind: str, pattern: str, **fields: Any) -> Option:
    """An option whose default joins other options' values: each ``<name>`` in ``pattern``
    is that option's value. The same pattern describes the default in docs/options.md.
    A path's `/` between two values is one even after `/` (base_dir `/` gives `/foo-bar`)."""

    def default(r: Any) -> str:
        value = _NAMED.sub(lambda match: str(r[match.group(1)]), pattern)
        return re.sub(r"/{2,}", "/", value) if kind == "abspath" else value

    return Option(kind, default, derived=f"`{pattern}`", **fields)
