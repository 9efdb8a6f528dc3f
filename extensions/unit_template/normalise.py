"""An answer as the user gave it -> the option's value, with nothing guessed.

A YAML file (``--data-file``, the answers file) hands copier typed values:
``~`` is None, an unquoted ``no`` is False, ``0640`` is the number 416. The
prompt and ``--data`` hand it text. This module reads each of them back as
what was meant, or refuses it with a message saying how to write it:

- None (``~``, ``null``) means the default, as an empty answer does;
- a YAML boolean given to a text option is refused ("quote it"), except where
  the option's choices hold the word (``restart: no`` is the choice ``no``);
- a YAML number given to a mode is refused: ``0640`` unquoted arrives as 416,
  and 416 cannot tell which digits were typed; to a number option (limits,
  time spans, the systemd version) it is its digits;
- a string given to a list option of names is the list a person types:
  ``state, logs`` as well as ``[state, logs]`` (which copier has already
  read as a list); a string given to a list of commands or paths is one
  item, never split;
- a string given to ``env_vars`` is split where a new entry starts: at a
  comma followed by ``NAME=``, a ``[parts]`` list or a ``:name`` reference
  (``PORT=4000, MIX_ENV=prod``); any other comma stays in its value
  (``HOSTS=a,b``);
- a string given to a list option that is a YAML flow list (``[state, logs]``,
  typed at a prompt, where the question takes text) is that list, read here
  once; a string that starts a list and does not close it is refused, except
  for ``env_vars``, whose entries may start with ``[parts]``;
- a string is never parsed a second time (copier.yml's question types make
  sure copier does not either: see questions.question_type).

``as_text`` goes the other way, for the prompt's prefilled text: a list as a
person types it, which this module reads back as the same list.
"""

from __future__ import annotations

import json
import re
from typing import Any

import yaml

from .kinds import KINDS
from .option import Option

# How YAML 1.1 spells a boolean, for the choice that holds the word.
BOOLEAN_WORDS = {False: ("no", "false", "off"), True: ("yes", "true", "on")}


ASCII_NUMBER = re.compile(r"[0-9]{1,4}")
# In one command or path typed as text: a comma, then what starts another (`/bin/a, +/bin/b`).
NEXT_ITEM = re.compile(r",\s+(?=[-+!@:]*/)")
# Where a typed env_vars text starts its next entry: a comma, then NAME=, a [parts] list,
# or a :name reference that is the whole entry.
NEXT_ENV_ENTRY = re.compile(r"\s*,\s*(?=[A-Za-z_][A-Za-z0-9_]*=|\[|:[a-z][a-z0-9_]*\s*(?:,|$))")


class NotAsMeant(ValueError):
    """The answer cannot be read back as what was typed; the message says how to write it."""


def _boolean(option: Option, value: bool) -> str:
    for word in BOOLEAN_WORDS[value]:
        if word in option.choices:
            return word
    words = "/".join(BOOLEAN_WORDS[value])
    raise NotAsMeant(
        f"YAML read the unquoted {words} as the boolean {str(value).lower()}: "
        f"quote it (e.g. '{BOOLEAN_WORDS[value][0]}') to give the word"
    )


def _number(option: Option, value: int | float) -> str:
    reads = KINDS[option.kind].reads
    if reads == "mode":
        raise NotAsMeant(
            f"YAML read an unquoted number as {value!r} (0640 without quotes is octal, and arrives as 416): "
            "write the mode in quotes, e.g. '0640'"
        )
    if reads == "number":
        return str(value)
    raise NotAsMeant(f"YAML read an unquoted number as {value!r}: write the value in quotes, as you mean it")


def _split_names(text: str) -> list[str]:
    """`a, b` or `a` as a person types a list of names; the empty string is the empty list."""
    return [item.strip() for item in text.split(",") if item.strip()]


def _closing_bracket(text: str) -> int:
    """The index of the ] that closes the [ at text[0], quotes respected; -1 if there is none."""
    depth, quote, i = 0, "", 0
    while i < len(text):
        c = text[i]
        if quote:
            if c == "\\" and quote == '"':
                i += 1
            elif c == quote:
                quote = ""
        elif c in "\"'":
            quote = c
        elif c == "[":
            depth += 1
        elif c == "]":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    return -1


def _parts(text: str) -> list[Any]:
    """A `[parts]` entry of typed env_vars: a YAML list of strings and numbers."""
    try:
        parts = yaml.safe_load(text)
    except yaml.YAMLError:
        parts = None
    if not isinstance(parts, list) or not all(isinstance(p, (str, int)) and not isinstance(p, bool) for p in parts):
        raise NotAsMeant(f"{text} is not a list of parts such as [\"RELEASE_TMP=\", \":runtime_dir\"]")
    return parts


def split_env_vars(text: str) -> list[Any]:
    """`PORT=4000, ["RELEASE_TMP=", ":runtime_dir"]` as a person types env_vars: entries split
    at a comma that starts a new one (NAME=, [parts] or :name); other commas stay in the value."""
    items: list[Any] = []
    rest = text.strip()
    while rest:
        if rest.startswith("["):
            end = _closing_bracket(rest)
            if end < 0:
                raise NotAsMeant(f"{rest} has a [ without its ]: write each entry as NAME=value or [parts]")
            items.append(_parts(rest[: end + 1]))
            rest = rest[end + 1 :].lstrip()
            if rest and not rest.startswith(","):
                raise NotAsMeant(f"has {rest!r} after a ] where a comma and the next entry should be")
            rest = rest[1:].lstrip()
            continue
        match = NEXT_ENV_ENTRY.search(rest)
        end = match.start() if match else len(rest)
        items.append(rest[:end])
        rest = rest[match.end() :] if match else ""
    return items


def yaml_list(text: str) -> list[Any] | None:
    """The list text is as YAML; None if it is no YAML list."""
    try:
        parsed = yaml.safe_load(text)
    except yaml.YAMLError:
        return None
    return parsed if isinstance(parsed, list) else None


def _typed_list(text: str) -> list[Any] | None:
    """Text typed as a YAML flow list, `[state, logs]`: that list; None if the text is no such list."""
    return yaml_list(text) if text.lstrip().startswith("[") else None


def _list_then_names(text: str) -> list[Any] | None:
    """`[a, b], c, d` (names typed after a prefilled list) as [a, b, c, d]; None if it is not that."""
    text = text.strip()
    end = _closing_bracket(text)
    listed = yaml_list(text[: end + 1]) if end > 0 else None
    rest = text[end + 1 :].lstrip()
    if listed is None or not rest.startswith(","):
        return None
    return listed + _split_names(rest[1:])


def normalise(option: Option, value: Any) -> Any:
    """The value an answer stands for; raises NotAsMeant if it cannot be read as typed."""
    reads = KINDS[option.kind].reads
    if value is None or value == "" or reads == "bool":
        return value
    if isinstance(value, str) and KINDS[option.kind].is_list:
        typed = _typed_list(value)
        if typed is not None:
            return normalise(option, typed)
        if reads in ("names", "addresses") and value.lstrip().startswith("["):
            extended = _list_then_names(value)
            if extended is not None:  # names typed after a prefilled list: `[state], logs`
                return normalise(option, extended)
            raise NotAsMeant(
                f"{value} is not a YAML list (a [ without its ], or a quote left open): "
                "write the names separated by commas, or a YAML list such as [a, b]"
            )
        if reads == "item" and value.lstrip().startswith("[") and "]" not in value:  # `[ -e x ] && y` is a command
            raise NotAsMeant(f"{value} has a [ without its ]: write one item as text, or a YAML list such as [a, b]")
    if isinstance(value, bool):
        return _boolean(option, value)
    if reads == "integer":
        # The code compares these: ASCII digits are the number, anything else is refused later.
        text = str(value) if isinstance(value, int) else value
        return int(text) if isinstance(text, str) and ASCII_NUMBER.fullmatch(text) else text
    if isinstance(value, (int, float)):
        return _number(option, value)
    if isinstance(value, str) and reads in ("names", "addresses"):
        return _split_names(value)
    if isinstance(value, list) and reads == "addresses":
        # [4000] is port 4000, as "4000" is: a YAML number is the digits it was typed as.
        return [str(item) if isinstance(item, int) and not isinstance(item, bool) else item for item in value]
    if isinstance(value, str) and reads == "item":
        return [_one_item(value)] if value else []
    if isinstance(value, str) and reads == "env_vars":
        return split_env_vars(value)
    return value


def _one_item(text: str) -> str:
    """A command or a path typed as text is one item: text that reads as several, written as the
    other lists are (commas between), is refused, so that none is dropped into the first's arguments."""
    items = [item.strip() for item in NEXT_ITEM.split(text)]
    if len(items) > 1:
        raise NotAsMeant(f"{text} reads as one item, not {len(items)}: write a YAML list, e.g. {json.dumps(items)}")
    return text


def _reads_back(option: Option, text: str, value: Any) -> bool:
    try:
        return normalise(option, text) == normalise(option, value)
    except NotAsMeant:
        return False


def as_text(option: Option, value: Any) -> str:
    """A list option's value as a person types it at the prompt, which normalise reads back as the
    same list: names joined by commas where that reads back, else the YAML flow list; "" for the default."""
    if value is None or value == "" or (value == [] and option.default == []):
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        joined = ", ".join(value)
        if _reads_back(option, joined, value):
            return joined
    return json.dumps(value)
