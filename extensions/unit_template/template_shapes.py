"""Question values that differ only in their string literals share one compiled template.

copier renders each question's `type`, `default`, `validator`, `ask` and
`choices` with `Environment.from_string`, which compiles its source anew: for
105 questions that is some 400 compiles a copy, a third of its time. Those
sources are one Jinja expression each, and differ mostly in the question they
name (`{{ answer_type('dirs') }}`, `{{ answer_type('base_dir') }}`). Such a
source has a *shape*, its string literals replaced by `_literals[i]`: the
extension compiles each shape once and binds the literals as the template's
globals. Rendering it gives exactly what the source would. copier renders the
name of each file under template/ the same way: the 24 names, which differ only
in their manifest flag, share one shape too.
"""

from __future__ import annotations

import re

# One expression and nothing around it; no double quotes, so every ' opens or closes a literal.
_ONE_EXPRESSION = re.compile(r"\{\{[^{}\"\\]*\}\}")
_LITERAL = re.compile(r"'([^']*)'")
LITERALS = "_literals"
_PLAIN_TEXT = "{{ _literals[0] }}"
# A file's name under template/ (manifest.template_name), its flag lifted: `files[flag]` reads
# what `files.flag` reads from the manifest's dict, for a flag that is no attribute of a dict.
_FILE_NAME = re.compile(r"\{% if files\.([a-z][a-z0-9_]*) %\}\{\{ files\.\1 \}\}\{% endif %\}")
_FILE_NAME_SHAPE = "{% if files[_literals[0]] %}{{ files[_literals[0]] }}{% endif %}"


def shape(source: str) -> tuple[str, tuple[str, ...]]:
    """The source with its string literals lifted out, and the literals. One line of text
    without any Jinja syntax is one literal; a file name under template/ lifts its flag; a
    source that is not one plain expression is its own shape, with none lifted. (A shape that
    does not compile, e.g. from the adjacent literals of `{{ 'a' 'b' }}`, is the caller's to
    fall back from.)"""
    if not any(mark in source for mark in "{}#\n"):
        return _PLAIN_TEXT, (source,)
    file_name = _FILE_NAME.fullmatch(source)
    if file_name and not hasattr(dict, file_name[1]):
        return _FILE_NAME_SHAPE, (file_name[1],)
    if not _ONE_EXPRESSION.fullmatch(source):
        return source, ()
    literals = tuple(_LITERAL.findall(source))
    index = iter(range(len(literals)))
    return _LITERAL.sub(lambda _: f"{LITERALS}[{next(index)}]", source), literals
