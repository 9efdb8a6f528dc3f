"""Derivations of default values and expansion of `:name` references (extension unit tests)."""

from __future__ import annotations

import re

import pytest

from unit_template.checks import problems
from unit_template.options import OPTIONS
from unit_template.resolve import OptionError, expand_item, resolve, resolve_defaults


def resolved(**answers: object) -> dict[str, object]:
    return resolve({"app_name": "foo_bar", **answers})


# --- derivations -------------------------------------------------------------

DERIVED = [
    ("module_name", "FooBar"),
    ("release_name", "foo_bar"),
    ("ext_name", "foo-bar"),
    ("service_name", "foo-bar"),
    ("app_user", "foo-bar"),
    ("app_group", "foo-bar"),
    ("syslog_identifier", "foo-bar"),
    ("mix_env", "prod"),
    ("env_lang", "en_US.utf8"),
    ("release_system", "mix"),
    ("base_dir", "/srv"),
    ("deploy_dir", "/srv/foo-bar"),
    ("releases_dir", "/srv/foo-bar/releases"),
    ("scripts_dir", "/srv/foo-bar/bin"),
    ("flags_dir", "/srv/foo-bar/flags"),
    ("current_dir", "/srv/foo-bar/current"),
    ("working_dir", "/srv/foo-bar/current"),
    ("root_directory", "/srv/foo-bar/current"),
    ("pid_file", "/run/foo-bar/foo_bar.pid"),
    ("dirs", []),
    ("runtime_dir", "/run/foo-bar"),
    ("configuration_dir", "/etc/foo-bar"),
    ("state_dir", "/var/lib/foo-bar"),
    ("cache_dir", "/var/cache/foo-bar"),
    ("logs_dir", "/var/log/foo-bar"),
    ("tmp_dir", "/var/tmp/foo-bar"),
    ("runtime_directory_mode", "750"),
    ("runtime_directory_preserve", "no"),
    ("service_type", "simple"),
    ("start_command", "start"),
    ("restart", "always"),
    ("limit_nofile", 65535),
    ("umask", "0027"),
    ("restart_method", "systemctl"),
    ("hardening", "standard"),
    ("expand_keys_extra", []),
]


@pytest.mark.parametrize(("option", "expected"), DERIVED, ids=[name for name, _ in DERIVED])
def test_default_of_each_option_for_app_foo_bar(option, expected):
    assert resolved()[option] == expected


def test_base_dir_root_gives_the_deploy_tree_with_single_slashes():
    """Before, `/` gave deploy_dir `//foo-bar`, which the template's own check refused as not normalised."""
    values = resolved(base_dir="/")
    assert (values["deploy_dir"], values["releases_dir"]) == ("/foo-bar", "/foo-bar/releases")
    assert problems({"app_name": "foo_bar", "base_dir": "/"}) == []


def test_module_name_is_app_name_in_camel_case():
    assert resolved(app_name="my_app2_web")["module_name"] == "MyApp2Web"


def test_ext_name_replaces_every_underscore_with_a_dash():
    assert resolved(app_name="a_b_c")["ext_name"] == "a-b-c"


def test_pid_file_uses_app_name_not_ext_name():
    assert resolved(runtime_directory="svc")["pid_file"] == "/run/svc/foo_bar.pid"


def test_tmp_dir_reads_its_own_override_not_logs():
    values = resolved(tmp_directory="scratch", logs_directory="journal")
    assert values["tmp_dir"] == "/var/tmp/scratch"


def test_each_dir_reads_its_own_base_and_directory():
    values = resolved(state_directory_base="/data", state_directory="app")
    assert (values["state_dir"], values["cache_dir"]) == ("/data/app", "/var/cache/foo-bar")


def test_derived_values_follow_the_answer_they_derive_from():
    values = resolved(ext_name="shop")
    assert [values[k] for k in ("service_name", "app_user", "deploy_dir", "current_dir")] == [
        "shop",
        "shop",
        "/srv/shop",
        "/srv/shop/current",
    ]


def test_an_answer_overrides_a_derivation():
    assert resolved(deploy_dir="/opt/shop")["current_dir"] == "/opt/shop/current"


@pytest.mark.parametrize("empty", ["", None])
def test_an_empty_answer_means_the_default(empty):
    assert resolved(service_name=empty)["service_name"] == "foo-bar"


def test_distillery_runs_foreground_unless_forking():
    assert resolved(release_system="distillery")["start_command"] == "foreground"


def test_distillery_forking_runs_start():
    assert resolved(release_system="distillery", service_type="forking")["start_command"] == "start"


def test_mix_forking_runs_start_because_daemon_writes_no_pid_file():
    assert resolved(service_type="forking")["start_command"] == "start"


def test_paranoia_selects_the_paranoia_hardening_profile():
    assert resolved(paranoia=True)["hardening"] == "paranoia"


def test_every_option_gets_a_value():
    assert set(resolved()) == set(OPTIONS)


def test_missing_app_name_is_an_error_naming_app_name():
    with pytest.raises(OptionError, match=r"^app_name: "):
        resolve_defaults({})


# --- expansion ---------------------------------------------------------------


def test_a_plain_string_item_stays_literal():
    assert resolved(env_files=["/etc/foo.env"])["env_files"] == ["/etc/foo.env"]


def test_a_reference_item_becomes_the_option_value():
    assert resolved(env_files=[":deploy_dir"])["env_files"] == ["/srv/foo-bar"]


def test_a_list_item_joins_its_expanded_parts():
    values = resolved(env_files=[["-", ":configuration_dir", "/environment"]])
    assert values["env_files"] == ["-/etc/foo-bar/environment"]


def test_a_reference_inside_a_longer_string_is_literal():
    assert resolved(env_vars=["X=:deploy_dir"])["env_vars"] == ["X=:deploy_dir"]


def test_references_expand_recursively():
    values = resolved(exec_start_wrap=[":exec_stop", " --"], exec_stop=["/bin/echo ", ":service_name"])
    assert values["exec_start_wrap"] == "/bin/echo foo-bar --"


def test_a_nil_part_becomes_empty():
    assert expand_item(["a", None, "b"], {}, "exec_start") == "ab"


def test_a_number_part_becomes_text():
    assert resolved(env_vars=[["PORT=", 4000]])["env_vars"] == ["PORT=4000"]


def test_a_reference_to_a_list_option_joins_its_items_with_spaces():
    values = resolved(dirs=["runtime", "state"], env_vars=[["DIRS=", ":dirs"]])
    assert values["env_vars"] == ["DIRS=runtime state"]


def test_a_reference_to_credentials_joins_its_names_with_spaces_as_dirs_does():
    values = resolved(
        config_strategies=["credentials"], credentials=["db_password", "api_key"], env_vars=[["CREDS=", ":credentials"]]
    )
    assert values["env_vars"] == ["CREDS=db_password api_key"]


def test_a_scalar_option_expands_as_one_item():
    assert resolved(exec_start=["/usr/bin/env ", ":release_name"])["exec_start"] == "/usr/bin/env foo_bar"


def test_options_outside_expand_keys_stay_literal():
    assert resolved(env_lang=":mix_env")["env_lang"] == ":mix_env"


def test_expand_keys_extra_adds_an_option_to_expand():
    assert resolved(env_lang=":mix_env", expand_keys_extra=["env_lang"])["env_lang"] == "prod"


def test_an_option_removed_from_expand_keys_stays_literal():
    assert resolved(expand_keys=["env_files"], env_vars=[["A=", ":deploy_dir"]])["env_vars"] == ["A=:deploy_dir"]


def test_a_literal_reference_left_as_a_path_is_refused_not_dropped_by_systemd():
    [problem] = problems({"app_name": "foo_bar", "expand_keys": ["env_vars"], "env_files": [":deploy_dir"]})
    assert re.match(r"^env_files: after expansion ':deploy_dir' must be an absolute path", str(problem))


def test_an_unknown_reference_is_an_error_naming_option_and_reference():
    with pytest.raises(OptionError, match=r"^env_files: .*`:no_such_option`"):
        resolved(env_files=[["-", ":no_such_option"]])


def test_a_self_reference_is_a_cycle_error_naming_option_and_reference():
    with pytest.raises(OptionError, match=r"^exec_stop: reference cycle through `:exec_stop`"):
        resolved(exec_stop=[":exec_stop"])


def test_a_reference_cycle_through_two_options_is_an_error_naming_the_chain():
    with pytest.raises(OptionError, match=r"^exec_start: .*:exec_start -> :exec_stop -> :exec_start"):
        resolved(exec_start=":exec_stop", exec_stop=":exec_start")


def test_an_unknown_expand_key_is_an_error_naming_expand_keys():
    with pytest.raises(OptionError, match=r"^expand_keys: `nope` is not an option"):
        resolve({"app_name": "foo_bar", "expand_keys_extra": ["nope"]})


def test_an_option_that_does_not_expand_joins_its_parts_as_written():
    values = resolved(expand_keys=["env_vars"], exec_start_pre=[["/bin/echo ", ":deploy_dir", 1]])
    assert values["exec_start_pre"] == ["/bin/echo :deploy_dir1"]


def test_a_reference_to_a_command_given_as_parts_joins_them_without_spaces():
    values = resolved(exec_start_wrap=":exec_stop", exec_stop=["/bin/", "nice"])
    assert values["exec_start_wrap"] == "/bin/nice"


def test_an_empty_env_lang_means_not_set():
    assert resolved(env_lang="")["env_lang"] == ""


def test_a_null_env_lang_means_the_default():
    assert resolved(env_lang=None)["env_lang"] == "en_US.utf8"


def test_a_referenced_value_in_a_command_keeps_its_dollar_literal():
    values = resolve({"app_name": "foo", "env_lang": "a$b", "exec_start_pre": [["/bin/echo ", ":env_lang", " $HOME"]]})
    assert values["exec_start_pre"] == ["/bin/echo a$$b $HOME"]


def test_a_referenced_value_in_an_environment_variable_is_not_dollar_escaped():
    values = resolve({"app_name": "foo", "env_lang": "a$b", "env_vars": [["LABEL=", ":env_lang"]]})
    assert values["env_vars"] == ["LABEL=a$b"]
