"""Validators: each bad value is refused with a message naming the option and what is allowed."""

from __future__ import annotations

import pytest

from unit_template.kinds import KINDS
from unit_template.normalise import NotAsMeant, as_text, normalise
from unit_template.options import OPTIONS
from unit_template.prompt_checks import refused_defaults
from unit_template.validate import check, check_all

# (option, bad value, a fragment of the message that says what is allowed)
REFUSED = [
    ("app_name", "FooBar", "Elixir app name"),
    ("app_name", "1foo", "Elixir app name"),
    ("app_name", "foo-bar", "Elixir app name"),
    ("app_name", "", "Elixir app name"),
    ("module_name", "foo_bar", "Elixir module name"),
    ("release_name", "Foo", "Elixir app name"),
    ("ext_name", "Foo Bar", "lower-case letters"),
    ("service_name", "foo bar", "systemd unit name"),
    ("service_name", "foo@bar", "systemd unit name"),
    ("service_name", "foo/bar", "systemd unit name"),
    ("app_user", "Foo", "useradd accepts"),
    ("app_user", "1foo", "useradd accepts"),
    ("app_user", "a" * 33, "at most 31 characters"),
    ("app_group", "foo bar", "useradd accepts"),
    ("syslog_identifier", "foo bar", "syslog identifier"),
    ("mix_env", "prod env", "single word"),
    ("base_dir", "srv", "absolute path"),
    ("deploy_dir", "/srv/../etc", "normalised"),
    ("current_dir", "/srv/foo/", "normalised"),
    ("pid_file", "/run//foo.pid", "normalised"),
    ("working_dir", "/srv/./foo", "normalised"),
    ("root_directory", "/srv/my app", "spaces"),
    ("state_directory_base", "/var/lib%", "%"),
    ("runtime_directory", "/foo", "relative path"),
    ("logs_directory", "../foo", "normalised relative path"),
    ("output_dir", "/rel/systemd", "relative path"),
    ("umask", "0999", "octal"),
    ("umask", "u=rwx", "octal"),
    ("runtime_directory_mode", "75", "octal"),
    ("tmp_directory_mode", "rwx", "octal"),
    ("service_type", "oneshot", "simple, exec, notify, forking"),
    ("release_system", "rebar", "mix, distillery"),
    ("restart_method", "reload", "systemctl, systemd_flag"),
    ("runtime_directory_preserve", "maybe", "no, yes, restart"),
    ("restart", "sometimes", "always"),
    ("hardening", "max", "none, paranoia, standard, strict"),
    ("dirs", ["runtime", "data"], "runtime, configuration, state, cache, logs, tmp"),
    ("dirs", {"runtime": True}, "a list"),
    ("limit_nofile", "lots", "whole number"),
    ("limit_nofile", -1, "whole number"),
    ("limit_core", 1.5, "whole number"),
    ("systemd_version", "latest", "whole number"),
    ("systemd_version", 2.5, "whole number"),
    ("restart_sec", "soon", "time span"),
    ("env_vars", ["PORT"], "NAME=value"),
    ("env_vars", ["1PORT=4000"], "valid variable name"),
    ("env_vars", ["MY-VAR=1"], "valid variable name"),
    ("env_vars", {"PORT": 4000}, "a list"),
    ("env_files", {"/etc/foo": None}, "a list"),
    ("exec_start_pre", [[{"a": 1}]], "string or a number"),
    ("unit_after_targets", ["cloud init"], "unit name"),
    ("expand_keys_extra", ["no_such_option"], "not an option"),
    ("chroot", "yes", "true or false"),
]


@pytest.mark.parametrize(("option", "value", "allowed"), REFUSED, ids=[f"{o}={v!r}"[:60] for o, v, _ in REFUSED])
def test_bad_value_is_refused_naming_option_and_what_is_allowed(option, value, allowed):
    message = check(option, value)
    assert message.startswith(f"{option}: ")
    assert allowed in message


ACCEPTED = [
    ("app_name", "foo_bar2"),
    ("module_name", "FooBar.Web"),
    ("service_name", "foo-bar.v2"),
    ("app_user", "_foo-bar"),
    ("base_dir", "/opt/apps"),
    ("runtime_directory", "foo/bar"),
    ("umask", "0077"),
    ("umask", "027"),
    ("runtime_directory_mode", "750"),
    ("dirs", ["runtime", "configuration", "state", "cache", "logs", "tmp"]),
    ("limit_nofile", 1048576),
    ("limit_nofile", "4096"),
    ("limit_core", "infinity"),
    ("systemd_version", 252),
    ("restart_sec", "500ms"),
    ("timeout_start_sec", "1min 30s"),
    ("env_vars", ["PORT=4000", "EMPTY=", ["RELEASE_TMP=", ":runtime_dir"]]),
    ("env_files", [["-", ":configuration_dir", "/environment"]]),
    ("exec_start_pre", [["!", ":deploy_dir", "/bin/sync"], "/bin/true"]),
    ("exec_start_pre", "/bin/echo a, b"),  # a comma in one command's arguments
    ("exec_start_pre", ['/bin/sh -c "cp a, /b"']),  # a comma then a path, in a YAML list: one command
    ("exec_start", ["/usr/bin/env ", 4000]),
    ("unit_after_targets", ["cloud-init.target", "postgresql.service"]),
    ("service_type", "forking"),
    ("restart_method", "systemd_flag"),
]


@pytest.mark.parametrize(("option", "value"), ACCEPTED, ids=[f"{o}={v!r}"[:60] for o, v in ACCEPTED])
def test_good_value_is_accepted(option, value):
    assert check(option, value) == ""


@pytest.mark.parametrize("option", sorted(set(OPTIONS) - {"app_name"}))
@pytest.mark.parametrize("empty", ["", None])
def test_an_empty_answer_is_accepted_as_use_the_default(option, empty):
    assert check(option, empty) == ""


TEXT_OPTIONS = [name for name, opt in OPTIONS.items() if opt.kind in ("text", "command", "abspath", "word")]


@pytest.mark.parametrize("option", TEXT_OPTIONS)
@pytest.mark.parametrize("char", ["\n", "\r", "\t", "\x00", "\x1b", "\x7f"], ids=repr)
def test_a_control_character_is_refused_in_any_string_value(option, char):
    assert "control character" in check(option, f"/srv/a{char}b")


@pytest.mark.parametrize("option", ["env_vars", "env_files", "exec_start_pre", "read_write_paths"])
def test_a_newline_nested_in_a_list_part_is_refused(option):
    assert "control character" in check(option, [["A=", "x\nExecStartPre=/bin/evil"]])


def test_restart_method_touch_is_refused_saying_to_use_systemd_flag():
    message = check("restart_method", "touch")
    assert message.startswith("restart_method: ") and "use systemd_flag" in message


def test_check_all_names_every_bad_option():
    errors = check_all({"app_name": "foo_bar", "umask": "9", "service_type": "x"})
    assert sorted(e.partition(":")[0] for e in errors) == ["service_type", "umask"]


def test_check_all_accepts_the_defaults():
    assert check_all({"app_name": "foo_bar"}) == []


def test_an_unknown_option_name_is_refused():
    assert check("no_such_option", "x") == "no_such_option: not an option of this template"


# systemd's readings, as measured on the booted systemd 252 (tests/e2e/test_roundtrip.py reads them back).
def test_command_words_unquote_and_decode_escapes_as_systemd_does():
    from unit_template.systemd_syntax import command_words

    assert command_words("/bin/echo \"a b\" 'c d' e\\x41 a\"b c\"d") == ["/bin/echo", "a b", "c d", "eA", "ab cd"]
    assert command_words("/usr/bin/find . -exec rm {} \\;") == ["/usr/bin/find", ".", "-exec", "rm", "{}", ";"]


def test_time_spans_and_limits_are_read_as_systemd_reads_them():
    from unit_template.systemd_syntax import limit_pair, timespan_usec

    assert timespan_usec("1min 30.5s") == 90_500_000
    assert timespan_usec("5") == 5_000_000
    assert limit_pair("1024:524288", sizes=False) == (1024, 524288)
    assert limit_pair("1G", sizes=True) == (2**30, 2**30)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("/bin/echo stop\\", "backslash"),
        ('/bin/echo "a', "unbalanced"),
        ("-", "no program"),
        ("--/x", "twice"),
        ("+!/bin/x", "both"),
        ("bin/sync", "absolute path"),
        ("/bin/../bin/x", "normalised"),
        ("@/bin/x", "argv[0]"),
        ("$CMD a", "variable"),
        ("/bin/echo \\q", "unknown escape"),
        ("/bin/echo \\x00", "not a character"),
        ("/bin/echo a\\;b", "unknown escape"),
        ("/bin/echo a ; /bin/rm x", "lone ;"),
        ("\"/bin/a\\\"b\" x", "quote"),
    ],
)
def test_command_lines_systemd_would_refuse_or_misread_are_refused(text, fragment):
    from unit_template.systemd_syntax import command_error

    assert fragment in command_error(text)


@pytest.mark.parametrize(
    ("typed", "entries"),
    [
        ("PORT=4000, MIX_ENV=prod", ["PORT=4000", "MIX_ENV=prod"]),
        ('PORT=4000, ["RELEASE_TMP=", ":runtime_dir"]', ["PORT=4000", ["RELEASE_TMP=", ":runtime_dir"]]),
        ("HOSTS=a,b", ["HOSTS=a,b"]),
        ("HOSTS=a, b, PORT=1", ["HOSTS=a, b", "PORT=1"]),
        ("PORT=4000, :env_lang", ["PORT=4000", ":env_lang"]),
    ],
)
def test_env_vars_typed_with_commas_split_where_a_new_entry_starts(typed, entries):
    """A comma starts a new entry only before NAME=, [parts] or a :name reference (docs/values.md)."""
    assert normalise(OPTIONS["env_vars"], typed) == entries


@pytest.mark.parametrize("typed", ['PORT=1, ["A=", ":x"', "[A=] B=1", "PORT=1, [{a: 1}]"])
def test_env_vars_typed_with_a_broken_parts_list_is_refused(typed):
    assert check("env_vars", typed).startswith("env_vars: ")


def test_a_refused_default_is_a_problem_naming_the_answers_it_is_computed_from():
    problem = refused_defaults({"app_name": "foo_bar", "ext_name": "my.app"})["app_user"]
    assert (problem.option, problem.sources) == ("app_user", ("ext_name",))
    assert str(problem).startswith("app_user: its default 'my.app', computed from ext_name 'my.app', ")


LIST_SAMPLES = {
    "dirs": [["state", "logs"], ["runtime"]],
    "config_strategies": [["environment_file"], ["environment_file", "credentials"], []],
    "env_vars": [["PORT=4000", "HOSTS=a,b"], ["PORT=4000", ["RELEASE_TMP=", ":runtime_dir"]]],
    "env_files": [["/etc/foo/env"], ["/a", "/b"], [["-", ":configuration_dir", "/environment"]]],
    "exec_start_pre": [["/bin/echo hi, /bin/true"], ["/bin/a", "/bin/b"]],
    "listen_sockets": [["127.0.0.1:4000", "443"]],
}


@pytest.mark.parametrize("name", [name for name, option in OPTIONS.items() if KINDS[option.kind].is_list])
def test_a_list_prefilled_as_text_reads_back_as_the_same_list(name: str) -> None:
    """The prompt shows a list answer as text (normalise.as_text): Enter on it gives the list back."""
    option = OPTIONS[name]
    defaults = [option.default] if isinstance(option.default, list) else []
    for value in [*defaults, *LIST_SAMPLES.get(name, [])]:
        text = as_text(option, value)
        assert isinstance(text, str)
        if text == "":
            assert value == option.default == []
        else:
            assert normalise(option, text) == normalise(option, value), (name, value, text)


@pytest.mark.parametrize(("typed", "meant"), [("[state, logs]", ["state", "logs"]), ("state, logs", ["state", "logs"])])
def test_a_list_typed_as_text_is_read_once_as_typed(typed: str, meant: list[str]) -> None:
    assert normalise(OPTIONS["dirs"], typed) == meant


def test_a_list_typed_without_its_closing_bracket_is_refused_with_how_to_write_it() -> None:
    with pytest.raises(NotAsMeant, match=r"is not a YAML list .* separated by commas"):
        normalise(OPTIONS["dirs"], "[state, logs")


@pytest.mark.parametrize(("name", "typed"), [("env_files", "[/etc/foo/env, relative/env"), ("read_write_paths", "[/data")])
def test_a_list_of_items_typed_without_its_closing_bracket_is_refused_as_such(name: str, typed: str) -> None:
    # Before: "'[/etc/foo/env, relative/env' must be an absolute path", or a list to write such as ["[/data"].
    with pytest.raises(NotAsMeant, match=r"has a \[ without its \]: write one item as text, or a YAML list"):
        normalise(OPTIONS[name], typed)


def test_a_command_typed_with_a_bracket_stays_one_command() -> None:
    assert normalise(OPTIONS["exec_start_pre"], "[ -e /etc/foo ] && /bin/true") == ["[ -e /etc/foo ] && /bin/true"]


def test_a_name_listed_twice_is_named_not_the_whole_list_as_python_prints_it() -> None:
    """Before: "names a strategy twice: ['environment_file', 'ssm', 'environment_file']"."""
    strategies = ["environment_file", "ssm", "environment_file"]
    assert check("config_strategies", strategies) == "config_strategies: names a strategy twice: 'environment_file'"
    assert check("credentials", ["a", "b", "a"]) == "credentials: names the credential 'a' twice"


def test_names_typed_after_a_prefilled_list_add_to_it() -> None:
    """An update's prompt may hold a list as YAML (`[state]`): before, `, logs` typed after it was refused."""
    assert normalise(OPTIONS["dirs"], "[state], logs") == ["state", "logs"]
    assert normalise(OPTIONS["credentials"], "['db_password'], api_key") == ["db_password", "api_key"]
    with pytest.raises(NotAsMeant):
        normalise(OPTIONS["dirs"], "[state] logs")
