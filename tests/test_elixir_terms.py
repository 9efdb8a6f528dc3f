"""The reader of Elixir literals in `config :mix_systemd, ...`."""

from __future__ import annotations

import pytest

from unit_template.elixir_terms import Atom, Unreadable, read_config, read_term


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        (":runtime", Atom("runtime")),
        (':"quoted atom"', Atom("quoted atom")),
        ('"a string"', "a string"),
        (r'"tab\there \"q\""', 'tab\there "q"'),
        ("'a charlist'", "a charlist"),
        ("65535", 65535),
        ("1_000_000", 1_000_000),
        ("0o750", 0o750),
        ("-1", -1),
        ("true", True),
        ("false", False),
        ("nil", None),
        ("[]", []),
        ('[:a, "b", 1]', [Atom("a"), "b", 1]),
        ('{"RELEASE_TMP=", :runtime_dir}', ("RELEASE_TMP=", Atom("runtime_dir"))),
        ('[["-", :configuration_dir, "/environment"]]', [["-", Atom("configuration_dir"), "/environment"]]),
        ("[a: 1, b: :c]", [(Atom("a"), 1), (Atom("b"), Atom("c"))]),
        ('[1, "x y": 2]', [1, (Atom("x y"), 2)]),
        ('"""\n  line one\n  line two\n  """', "line one\nline two\n"),
    ],
)
def test_read_term_reads_each_literal_kind(source: str, expected: object) -> None:
    assert read_term(source) == expected


def test_read_term_skips_comments_inside_lists() -> None:
    assert read_term("[\n  :configuration, # /etc/foo\n  # :state,\n  :runtime,\n]") == [Atom("configuration"), Atom("runtime")]


def test_read_term_keeps_a_hash_inside_a_string() -> None:
    assert read_term('"# not a comment"') == "# not a comment"


@pytest.mark.parametrize(
    ("source", "reason"),
    [
        ('System.get_env("PORT")', "a call into the module System"),
        ("config_env()", "a function call config_env(...)"),
        ("some_variable", "the variable some_variable"),
        ("@module_attribute", "the module attribute @module_attribute"),
        ('"#{host}:4000"', "string interpolation"),
        ('"a" <> "b"', "an expression with the operator <>"),
        ("[1] ++ [2]", "an expression with the operator ++"),
        ("~w(a b)", "the sigil ~w"),
        ("%{a: 1}", "a map"),
    ],
)
def test_read_term_reports_what_it_cannot_read(source: str, reason: str) -> None:
    with pytest.raises(Unreadable, match=reason.replace("(", r"\(").replace(")", r"\)")):
        read_term(source)


CONFIG = """import Config

# systemd units
config :mix_systemd,
  app_user: "app", # the OS user
  dirs: [
    :configuration, # /etc/foo
    :runtime,
  ],
  secret: System.get_env("SECRET"),
  env_lang: "#{lang}.UTF-8",
  limit_nofile: 4096

config :logger, level: :info
config :mix_systemd, base_dir: "/opt"
"""


def test_read_config_reads_the_keyword_list_of_config_mix_systemd() -> None:
    assert read_config(CONFIG).values == {
        "app_user": "app",
        "dirs": [Atom("configuration"), Atom("runtime")],
        "limit_nofile": 4096,
        "base_dir": "/opt",
    }


def test_read_config_reports_unreadable_values_by_name() -> None:
    unreadable = read_config(CONFIG).unreadable
    assert set(unreadable) == {"secret", "env_lang"}
    assert 'System.get_env("SECRET")' in unreadable["secret"]
    assert "interpolation" in unreadable["env_lang"]


def test_read_config_ignores_other_apps() -> None:
    assert "level" not in read_config(CONFIG).values


def test_read_config_reads_the_bracketed_and_parenthesised_forms() -> None:
    source = 'config(:mix_systemd, [app_user: "a"])\nconfig :mix_systemd, [base_dir: "/b"]\n'
    assert read_config(source).values == {"app_user": "a", "base_dir": "/b"}


def test_read_config_later_call_wins() -> None:
    source = 'config :mix_systemd, base_dir: "/a"\nconfig :mix_systemd, base_dir: "/b"\n'
    assert read_config(source).values == {"base_dir": "/b"}


def test_read_config_readable_value_replaces_an_unreadable_one_in_a_later_file() -> None:
    first = read_config("config :mix_systemd, base_dir: base()\n")
    later = read_config('config :mix_systemd, base_dir: "/srv"\n')
    merged = first.merged(later)
    assert merged.values == {"base_dir": "/srv"}
    assert merged.unreadable == {}


def test_read_config_continues_after_an_unreadable_value_with_a_nested_call() -> None:
    source = "config :mix_systemd,\n  a: Foo.bar([1, 2], baz(3)),\n  b: 2\n"
    result = read_config(source)
    assert result.values == {"b": 2}
    assert "Foo.bar([1, 2], baz(3))" in result.unreadable["a"]


def test_read_config_ends_the_call_at_the_end_of_its_statement() -> None:
    source = 'config :mix_systemd, a: 1\nimport_config "prod.exs"\nb: 2\n'
    assert read_config(source).values == {"a": 1}
