"""Escaping for unit files: what systemd would otherwise read as a specifier or as syntax."""

from __future__ import annotations

import pytest

from unit_template.escape import environment, literal_dollars, specifiers


def test_a_percent_sign_is_doubled():
    assert specifiers("/bin/date +%s") == "/bin/date +%%s"


def test_text_without_percent_is_unchanged():
    assert specifiers("/srv/foo/bin/foo start") == "/srv/foo/bin/foo start"


def test_a_plain_assignment_is_not_quoted():
    assert environment("PORT=4000") == "PORT=4000"


def test_an_assignment_with_a_space_is_quoted():
    assert environment("GREETING=hello world") == '"GREETING=hello world"'


def test_a_tab_makes_an_assignment_quoted():
    assert environment("A=b\tc") == '"A=b\tc"'


def test_a_double_quote_is_escaped_inside_quotes():
    assert environment('MSG=say "hi"') == '"MSG=say \\"hi\\""'


def test_a_single_quote_makes_an_assignment_quoted():
    assert environment("MSG=it's") == '"MSG=it\'s"'


def test_a_backslash_is_doubled_inside_quotes():
    assert environment("PATTERN=a\\d") == '"PATTERN=a\\\\d"'


def test_a_percent_in_an_assignment_is_doubled():
    assert environment("FMT=100%") == "FMT=100%%"


def test_a_percent_in_a_quoted_assignment_is_doubled():
    assert environment("FMT=100 %") == '"FMT=100 %%"'


@pytest.mark.parametrize(("text", "expected"), [("echo $HOME", "echo $$HOME"), ("$$", "$$$$"), ("none", "none")])
def test_literal_dollars_are_doubled(text, expected):
    assert literal_dollars(text) == expected
