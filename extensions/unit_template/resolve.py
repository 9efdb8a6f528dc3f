"""Resolve answers into every option's value, then expand references.

``resolve(answers)`` fills each unset option from its default or derivation
(in dependency order, found lazily) and then expands the items of
``expand_keys`` + ``expand_keys_extra``: an item is a string or a list of
parts; a string that is exactly ``:name`` refers to option ``name``.

This step only computes. It raises OptionError where computing is impossible
(an answer that cannot be read, no app_name, a default or a reference that
depends on itself, an unknown reference); the check step (checks.py) turns
those into problems and checks the rest.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from .escape import literal_dollars
from .kinds import KINDS, REFERENCE
from .normalise import NotAsMeant, normalise
from .options import OPTIONS, is_unset, likely_meant
from .problems import OptionError

__all__ = ["OptionError", "defaults_or_none", "expand", "expand_item", "resolve", "resolve_defaults", "resolve_sources"]


class _Resolver:
    def __init__(self, answers: Mapping[str, Any]) -> None:
        self.answers = answers
        self.values: dict[str, Any] = {}
        self.in_progress: list[str] = []
        self.reads: dict[str, set[str]] = {}  # option -> the options its default read

    def __getitem__(self, name: str) -> Any:
        if self.in_progress:
            self.reads.setdefault(self.in_progress[-1], set()).add(name)
        if name in self.values:
            return self.values[name]
        if name not in OPTIONS:
            raise KeyError(name)
        if name in self.in_progress:
            chain = " -> ".join([*self.in_progress[self.in_progress.index(name) :], name])
            raise OptionError(name, f"its default depends on itself ({chain})")
        self.in_progress.append(name)
        try:
            answer = self.answers.get(name)
            unset = is_unset(answer) and not (answer == "" and OPTIONS[name].empty_is_value)
            value = OPTIONS[name].default_for(self) if unset else answer
        finally:
            self.in_progress.pop()
        self.values[name] = value
        return value

    def answered(self, name: str) -> bool:
        answer = self.answers.get(name)
        return not is_unset(answer) or (answer == "" and OPTIONS[name].empty_is_value)

    def sources(self, name: str) -> list[str]:
        """The answers a default is computed from, through the defaults it reads, in the table's order."""
        found: set[str] = set()
        todo, seen = list(self.reads.get(name, ())), set()
        while todo:
            read = todo.pop()
            if read in seen:
                continue
            seen.add(read)
            if self.answered(read):
                found.add(read)
            else:
                todo.extend(self.reads.get(read, ()))
        return [option for option in OPTIONS if option in found]


def normalised(answers: Mapping[str, Any]) -> dict[str, Any]:
    """Each answer read back as the user gave it (normalise.py); refused if it cannot be."""
    result = dict(answers)
    for name, option in OPTIONS.items():
        try:
            result[name] = normalise(option, answers.get(name))
        except NotAsMeant as problem:
            raise OptionError(name, str(problem)) from problem
    return result


def _resolved(answers: Mapping[str, Any]) -> _Resolver:
    answers = normalised(answers)
    if is_unset(answers.get("app_name")):
        raise OptionError("app_name", "is required (no `app:` found in mix.exs)")
    resolver = _Resolver(answers)
    for name in OPTIONS:
        resolver[name]
    return resolver


def resolve_defaults(answers: Mapping[str, Any]) -> dict[str, Any]:
    """Every option's value before expansion: the answer (as given), else its default."""
    return _resolved(answers).values


def resolve_sources(answers: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """resolve_defaults, and for each option left unanswered the answers its default is computed from."""
    resolver = _resolved(answers)
    unanswered = [name for name in OPTIONS if not resolver.answered(name)]
    return resolver.values, {name: resolver.sources(name) for name in unanswered}


def reference_name(item: Any) -> str | None:
    """The option an item refers to, for a string that is exactly `:name`."""
    if isinstance(item, str):
        match = REFERENCE.fullmatch(item)
        if match:
            return match.group(1)
    return None


def _same(text: str) -> str:
    return text


def expand_item(
    item: Any,
    values: Mapping[str, Any],
    option: str,
    seen: tuple[str, ...] = (),
    quote_reference: Callable[[str], str] = _same,
) -> str:
    """Expand one item (a string or a list of parts) to text.

    ``quote_reference`` is applied to the text a reference stands for (once,
    at the outermost reference): in Exec lines an option's value is literal.
    """
    if isinstance(item, list):
        return "".join(expand_item(part, values, option, seen, quote_reference) for part in item)
    if item is None:
        return ""
    if isinstance(item, bool):
        return "true" if item else "false"
    ref = reference_name(item)
    if ref is None:
        return str(item)
    if ref not in values:
        meant = likely_meant(ref, values)
        raise OptionError(option, f"refers to unknown option `:{ref}`" + (f" (a typo of `:{meant}`?)" if meant else ""))
    if ref in seen or ref == option:
        chain = " -> ".join(f":{name}" for name in (*seen, ref))
        raise OptionError(option, f"reference cycle through `:{ref}` ({chain})")
    value = values[ref]
    if isinstance(value, list) and KINDS[OPTIONS[ref].kind].is_list:
        text = " ".join(expand_item(part, values, option, (*seen, ref)) for part in value)
    else:
        text = expand_item(value, values, option, (*seen, ref))
    return quote_reference(text)


def expand_value(value: Any, values: Mapping[str, Any], option: str) -> Any:
    """A list option expands item by item; any other option's value is one item (a list is its parts)."""
    if value is None:
        return None
    kind = KINDS[OPTIONS[option].kind]
    # In a command line `$NAME` is systemd's variable expansion: a referenced value's `$` is literal.
    quote = literal_dollars if kind.command else _same
    if isinstance(value, list) and kind.is_list:
        return [expand_item(item, values, option, (option,), quote) for item in value]
    return expand_item(value, values, option, (option,), quote)


def expand_keys(values: Mapping[str, Any]) -> list[str]:
    keys = list(values["expand_keys"]) + list(values["expand_keys_extra"])
    for key in keys:
        if key not in OPTIONS:
            raise OptionError("expand_keys", f"`{key}` is not an option")
    return keys


def literal_item(item: Any) -> Any:
    """An item of an option that does not expand: its parts joined as written."""
    if isinstance(item, list):
        return "".join("" if part is None else str(part) for part in item)
    return item


def literal_value(value: Any, option: str) -> Any:
    if isinstance(value, list) and KINDS[OPTIONS[option].kind].is_list:
        return [literal_item(item) for item in value]
    return literal_item(value)


def expand(values: Mapping[str, Any]) -> dict[str, Any]:
    """Every option's value with references expanded (those of expand_keys) or joined as written.

    Raises OptionError only where expanding is impossible: an unknown expand key
    or reference, a reference cycle. Nothing else is checked here: the check step
    (checks.py) checks the values before and after expansion.
    """
    keys = expand_keys(values)
    expanded = dict(values)
    for key, option in OPTIONS.items():
        if key in keys:
            expanded[key] = expand_value(values[key], values, key)
        elif KINDS[option.kind].expands:
            expanded[key] = literal_value(values[key], key)
    return expanded


def resolve(answers: Mapping[str, Any]) -> dict[str, Any]:
    """Every option's final value: defaults filled in, references expanded (checked input: checks.py)."""
    return expand(resolve_defaults(answers))


def defaults_or_none(answers: Mapping[str, Any]) -> dict[str, Any] | None:
    """resolve_defaults, or None while the answers cannot be resolved (a prompt's answers so far)."""
    try:
        return resolve_defaults(answers)
    except (OptionError, KeyError, TypeError, AttributeError, ValueError):
        return None
