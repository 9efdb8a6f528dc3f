"""Carry answers over renamed questions: run by copier's `_migrations` before an update.

``options.RENAMED`` maps an old question name to its new one. The answers
file is rewritten line by line (its comments and layout stay): a top-level
``old:`` key becomes ``new:`` unless the file already answers ``new``.

Run as: ``python answers_migration.py ANSWERS_FILE OLD=NEW...``
"""

from __future__ import annotations

import re
import sys
from collections.abc import Mapping
from pathlib import Path

TOP_LEVEL_KEY = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*):(\s|$)")


def top_level_keys(text: str) -> set[str]:
    return {match.group(1) for line in text.splitlines() if (match := TOP_LEVEL_KEY.match(line))}


def rename_answers(text: str, renames: Mapping[str, str]) -> str:
    """The answers file text with each old key renamed; idempotent."""
    present = top_level_keys(text)
    wanted = {old: new for old, new in renames.items() if old in present and new not in present}
    lines = []
    for line in text.splitlines(keepends=True):
        match = TOP_LEVEL_KEY.match(line)
        if match and match.group(1) in wanted:
            line = wanted[match.group(1)] + line[len(match.group(1)) :]
        lines.append(line)
    return "".join(lines)


def parse_renames(args: list[str]) -> dict[str, str]:
    pairs = [arg.partition("=") for arg in args]
    return {old: new for old, sep, new in pairs if sep and old and new}


def main(argv: list[str]) -> int:
    if len(argv) < 2:
        sys.stderr.write(__doc__ or "")
        return 2
    path = Path(argv[0])
    if not path.is_file():
        return 0
    text = path.read_text(encoding="utf-8")
    renamed = rename_answers(text, parse_renames(argv[1:]))
    if renamed != text:
        path.write_text(renamed, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
