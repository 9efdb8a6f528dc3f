"""Issue 14's cases: each answer refused at once, naming the option, or rendered as systemd reads it.

The answers are YAML text, read as `copier copy --data-file` reads it (yaml.safe_load),
so unquoted `no`, `~` and `0640` arrive as YAML types. Each refusal must be a
UserMessageError (copier prints it without a traceback) that names the option and
leaves the destination exactly as it was; each accepted answer must come out in
its directive as written.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pexpect
import pytest
import yaml
from copier.errors import UserMessageError

from rendering import OUTPUT_DIR, ROOT, render_template, unit_file, values_of, write_mix_exs
from terminal import CLEAR_LINE, PROMPT, spawn_copy

LONG = "a" * 240

# (id, answers as YAML, the option named, a fragment of the message)
REFUSED = [
    ("exec_stop-trailing-backslash", "exec_stop: '/bin/echo stop\\'", "exec_stop", "backslash"),
    ("exec_start_pre-trailing-backslash", "exec_start_pre: ['/bin/echo pre\\']", "exec_start_pre", "backslash"),
    ("exec_start_wrap-trailing-backslash", "exec_start_wrap: '/usr/bin/nice \\'", "exec_start_wrap", "backslash"),
    ("exec_start-unbalanced-quote", "exec_start: '/bin/echo \"a b'", "exec_start", "unbalanced"),
    ("exec_stop-lone-dash", "exec_stop: '-'", "exec_stop", "no program"),
    ("exec_stop-double-dash", "exec_stop: '--/x'", "exec_stop", "prefix - twice"),
    ("exec_start_pre-relative", "exec_start_pre: [bin/sync]", "exec_start_pre", "absolute path"),
    ("exec_start-unknown-escape", "exec_start: '/bin/echo a\\qb'", "exec_start", "unknown escape"),
    ("exec_start-lone-semicolon", "exec_start: '/bin/echo a ; /bin/rm x'", "exec_start", "lone ;"),
    ("exec_start-control-char", 'exec_start: "/bin/echo \\x01"', "exec_start", "control character"),
    ("exec_start_pre-plus-on-229", "systemd_version: 229\nexec_start_pre: ['+/bin/true']", "exec_start_pre", "since version 231"),
    ("exec_stop-bang-on-234", "systemd_version: 234\nexec_stop: '!/bin/true'", "exec_stop", "since version 235"),
    ("exec_start-tab-newline", 'exec_start: "/bin/echo a\\nExecStartPre=/bin/evil"', "exec_start", "control character"),
    ("umask-0777-unquoted", "umask: 0777", "umask", "quotes"),
    ("umask-0027-unquoted", "umask: 0027", "umask", "quotes"),
    ("cache_directory_mode-0640-unquoted", "dirs: [cache]\ncache_directory_mode: 0640", "cache_directory_mode", "quotes"),
    ("limit_nofile-arabic-indic", "limit_nofile: '٦٥٥٣٥'", "limit_nofile", "ASCII digits"),
    ("limit_nofile-fullwidth", "limit_nofile: '１٠٢٤'", "limit_nofile", "ASCII digits"),
    ("limit_nofile-20-digits", "limit_nofile: 99999999999999999999", "limit_nofile", "2^64"),
    ("limit_nofile-soft-above-hard", "limit_nofile: '4096:1024'", "limit_nofile", "soft at most hard"),
    ("limit_nofile-size-suffix", "limit_nofile: 1K", "limit_nofile", "whole number"),
    ("restart_sec-no-break-space", "restart_sec: '5\u00a0s'", "restart_sec", "time span"),
    ("restart_sec-20-digits", "restart_sec: '99999999999999999999'", "restart_sec", "time span"),
    ("systemd_version-superscript", "systemd_version: '²'", "systemd_version", "whole number"),
    ("systemd_version-arabic-indic", "systemd_version: '٢٥٢'", "systemd_version", "whole number"),
    ("state_dir-/var/lib", "dirs: [state]\nstate_dir: /var/lib", "state_dir", "directory of the system"),
    ("cache_dir-/var/cache", "dirs: [cache]\ncache_dir: /var/cache", "cache_dir", "directory of the system"),
    ("deploy_dir-/srv", "deploy_dir: /srv", "deploy_dir", "directory of the system"),
    ("exec_stop-colon-on-241", "systemd_version: 241\nexec_stop: ':/bin/echo $MAINPID'", "exec_stop", "since version 242"),
    ("ext_name-dot-gives-a-bad-user", "ext_name: my.app", "app_user", "computed from ext_name"),
    ("ext_name-40-chars-gives-a-long-user", f"ext_name: {'b' * 40}", "app_user", "at most 31"),
    ("service_name-240-with-restart-unit", f"service_name: {LONG}\nrestart_method: systemd_flag", "service_name", "255"),
    (
        "service_name-230-with-runtime-environment-unit",
        f"service_name: {'c' * 230}\nruntime_environment_service_script: env.sh",
        "service_name",
        "-runtime-environment.service",
    ),
    ("env_files-double-dash", "env_files: ['--/etc/x']", "env_files", "absolute path"),
    ("env_files-plus", "env_files: ['+/etc/x']", "env_files", "absolute path"),
    ("read_write_paths-plus-dash", "read_write_paths: ['+-/x']", "read_write_paths", "absolute path"),
    ("read_only_paths-long-component", f"read_only_paths: ['/{'d' * 256}']", "read_only_paths", "255 bytes"),
    ("inaccessible_paths-too-long", f"inaccessible_paths: ['{'/e' * 2100}']", "inaccessible_paths", "4095 bytes"),
    ("read_write_paths-expanded-long", f"read_write_paths: [[':deploy_dir', '/{'f' * 256}']]", "read_write_paths", "255"),
    ("runtime_directory-dot", "dirs: [runtime]\nruntime_directory: .", "runtime_directory", "not ."),
    ("unit_after_targets-300-chars", f"unit_after_targets: [{'g' * 293}.target]", "unit_after_targets", "at most 255"),
    ("env_lang-yes-unquoted", "env_lang: yes", "env_lang", "quote it"),
    ("mix_env-number", "mix_env: 1", "mix_env", "quotes"),
    ("deploy_user-false", "deploy_user: false", "deploy_user", "quote it"),
]

# (id, answers as YAML, directive, its values in the unit as systemd must read them)
ACCEPTED = [
    ("exec_start-bang-prefix", "exec_start: '!/opt/app/bin/app start'", "ExecStart", ["!/opt/app/bin/app start"]),
    ("exec_start-at-prefix", "exec_start: '@/opt/app/bin/app app start'", "ExecStart", ["@/opt/app/bin/app app start"]),
    ("exec_start-quoted-space", "exec_start: '\"/opt/my app/bin/app\" start'", "ExecStart", ['"/opt/my app/bin/app" start']),
    ("exec_stop-hash-kept", "exec_stop: '/bin/echo a #b'", "ExecStop", ["/bin/echo a #b"]),
    ("exec_stop-colon-space", "exec_stop: \"/bin/sh -c 'echo a: b'\"", "ExecStop", ["/bin/sh -c 'echo a: b'"]),
    ("exec_stop-searched-name", "exec_stop: 'kill -TERM $MAINPID'", "ExecStop", ["kill -TERM $MAINPID"]),
    ("service_name-tilde", "service_name: ~", "SyslogIdentifier", ["foo-bar"]),
    ("app_user-null", "app_user: null", "User", ["foo-bar"]),
    ("restart-no", "restart: no", "Restart", ["no"]),
    ("limit_nofile-soft-hard", "limit_nofile: 1024:524288", "LimitNOFILE", ["1024:524288"]),
    ("limit_nofile-number", "limit_nofile: 4096", "LimitNOFILE", ["4096"]),
    ("limit_core-size", "limit_core: 1G", "LimitCORE", ["1G"]),
    ("limit_core-infinity", "limit_core: infinity", "LimitCORE", ["infinity"]),
    ("umask-quoted", "umask: '0027'", "UMask", ["0027"]),
    ("restart_sec-number", "restart_sec: 5", "RestartSec", ["5"]),
    ("restart_sec-compound", "restart_sec: 1min 30s", "RestartSec", ["1min 30s"]),
    ("systemd_version-number", "systemd_version: 252\nservice_type: exec", "Type", ["exec"]),
    ("dirs-as-typed", "dirs: state, logs", "StateDirectory", ["foo-bar"]),
    ("env_lang-yes-quoted", "env_lang: 'yes'", "Environment", ["LANG=yes", "MIX_ENV=prod"]),
    ("exec_stop-colon-prefix", "exec_stop: ':/bin/echo $MAINPID'", "ExecStop", [":/bin/echo $MAINPID"]),
]


def answers(text: str) -> dict:
    return yaml.safe_load(text)


def snapshot(dst: Path) -> dict[str, bytes]:
    return {str(p.relative_to(dst)): p.read_bytes() if p.is_file() else b"<dir>" for p in sorted(dst.rglob("*"))}


@pytest.fixture
def project(tmp_path: Path) -> Path:
    dst = tmp_path / "foo_bar"
    write_mix_exs(dst)
    return dst


@pytest.mark.parametrize(("text", "option", "fragment"), [c[1:] for c in REFUSED], ids=[c[0] for c in REFUSED])
def test_refused_at_once_naming_the_option_and_nothing_written(project: Path, text, option, fragment):
    before = snapshot(project)
    with pytest.raises(UserMessageError) as refused:
        render_template(project, answers(text))
    message = str(refused.value)
    assert f"{option}: " in message and fragment in message, message
    assert snapshot(project) == before


@pytest.mark.parametrize(("text", "key", "expected"), [c[1:] for c in ACCEPTED], ids=[c[0] for c in ACCEPTED])
def test_accepted_and_rendered_as_given(project: Path, text, key, expected):
    render_template(project, answers(text))
    found = values_of(unit_file(project), key)
    assert found[: len(expected)] == expected


def test_dirs_typed_as_a_comma_list_are_both_created(project: Path):
    text = unit_file(render_template(project, answers("dirs: state, logs")))
    assert (values_of(text, "StateDirectory"), values_of(text, "LogsDirectory")) == (["foo-bar"], ["foo-bar"])


def test_the_long_service_name_writes_no_file_at_all(project: Path):
    """It used to fail with an OSError after writing the answers file, tmpfiles.d and the EEx templates."""
    with pytest.raises(UserMessageError):
        render_template(project, {"service_name": "s" * 240, "restart_method": "systemd_flag"})
    assert sorted(p.name for p in project.rglob("*")) == ["mix.exs"]


def test_a_runtime_base_below_run_is_created_by_runtime_directory_below_it(project: Path):
    text = unit_file(render_template(project, answers("dirs: [runtime]\nruntime_directory_base: /run/apps")))
    assert values_of(text, "RuntimeDirectory") == ["apps/foo-bar"]
    assert "RUNTIME_DIR=/run/apps/foo-bar" in values_of(text, "Environment")


@pytest.mark.parametrize("text", ["state_dir: /data/state", "state_directory_base: /data\nstate_directory: state"])
def test_a_state_dir_outside_var_lib_is_created_by_tmpfiles_and_is_what_the_app_is_told(project: Path, text: str):
    render_template(project, answers(f"dirs: [state]\nhardening: strict\n{text}"))
    unit = unit_file(project)
    tmpfiles = (project / "rel/systemd/lib/tmpfiles.d/foo-bar.conf").read_text().splitlines()
    assert values_of(unit, "StateDirectory") == []
    assert "STATE_DIR=/data/state" in values_of(unit, "Environment")
    assert "d /data/state 0750 foo-bar foo-bar -" in tmpfiles
    assert "/data/state" in values_of(unit, "ReadWritePaths")[0].split()


COPIER = Path(sys.executable).parent / "copier"


def copier_cli(project: Path, *options: str) -> subprocess.CompletedProcess[str]:
    """`copier copy --trust --defaults` of the working tree into project, with these options (--data, --data-file)."""
    settings = project.parent / "copier-settings.yml"
    settings.write_text("{}\n")
    env = {**os.environ, "COPIER_SETTINGS_PATH": str(settings), "NO_COLOR": "1"}
    args = [str(COPIER), "copy", "--trust", "--defaults", "--vcs-ref", "HEAD", *options]
    return subprocess.run([*args, str(ROOT), "."], cwd=project, env=env, capture_output=True, text=True, timeout=120)


def copier_with_data_file(project: Path, text: str) -> subprocess.CompletedProcess[str]:
    data_file = project.parent / "answers.yml"
    data_file.write_text(text, encoding="utf-8")
    return copier_cli(project, "--data-file", str(data_file))


def test_readme_example_in_a_data_file_renders_through_the_cli(project: Path):
    """`exec_start: '!/opt/app/bin/app start'` and `service_name: ~` gave tracebacks."""
    result = copier_with_data_file(project, "exec_start: '!/opt/app/bin/app start'\nservice_name: ~\nrestart: no\n")
    assert result.returncode == 0, result.stderr
    text = unit_file(project)
    assert (values_of(text, "ExecStart"), values_of(text, "Restart")) == (["!/opt/app/bin/app start"], ["no"])


def copier_with_data(project: Path, *pairs: str) -> subprocess.CompletedProcess[str]:
    settings = project.parent / "copier-settings.yml"
    settings.write_text("{}\n")
    env = {**os.environ, "COPIER_SETTINGS_PATH": str(settings), "NO_COLOR": "1"}
    args = [str(COPIER), "copy", "--trust", "--defaults", "--vcs-ref", "HEAD", *(f"--data={p}" for p in pairs)]
    return subprocess.run([*args, str(ROOT), "."], cwd=project, env=env, capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize(("pair", "option"), [("dirs=[state", "dirs"), ("env_vars=[A=1", "env_vars")])
def test_data_that_is_not_yaml_for_a_list_is_refused_naming_it_without_traceback(project: Path, pair: str, option: str):
    """copier stopped with a YAML ValueError traceback."""
    before = snapshot(project)
    result = copier_with_data(project, pair)
    assert result.returncode != 0
    assert f"{option}: " in result.stderr and "Traceback" not in result.stderr, result.stderr
    assert snapshot(project) == before


@pytest.mark.parametrize("pair", ["chroot=maybe", "packaging=2"])
def test_data_that_is_not_a_boolean_word_for_a_yes_no_option_is_refused(project: Path, pair: str):
    """copier read `maybe` and `2` as true."""
    before = snapshot(project)
    result = copier_with_data(project, pair)
    assert result.returncode != 0
    assert f"{pair.partition('=')[0]}: must be true or false" in result.stderr and "Traceback" not in result.stderr
    assert snapshot(project) == before


@pytest.mark.parametrize(
    ("text", "key", "expected"),
    [
        ("config_strategies: null\n", "EnvironmentFile", ["-/etc/foo-bar/environment"]),
        ("config_strategies: environment_file, credentials\ncredentials: [db]\n", "LoadCredential", ["db:/etc/foo-bar/db"]),
        ("advanced: true\ndirs: ~\n", "User", ["foo-bar"]),
    ],
)
def test_a_null_or_text_list_answer_asks_the_questions_that_depend_on_it_as_the_checks_read_it(
    project: Path, text: str, key: str, expected: list[str]
):
    """The questions' conditions tested `'credentials' in config_strategies`: a TypeError for null."""
    result = copier_with_data_file(project, text)
    assert result.returncode == 0, result.stderr
    assert values_of(unit_file(project), key)[: len(expected)] == expected


def test_data_with_a_yaml_tag_character_for_a_command_list_is_the_command_as_given(project: Path):
    """`!` starts a YAML tag: copier stopped with "could not determine a constructor"."""
    result = copier_with_data(project, "exec_start_pre=!/bin/true")
    assert result.returncode == 0, result.stderr
    assert values_of(unit_file(project), "ExecStartPre")[-1] == "!/bin/true"


def test_the_copy_message_names_a_dir_created_elsewhere_than_systemds_base(project: Path):
    result = copier_with_data_file(project, "dirs: [state]\nstate_dir: /data/state\n")
    assert result.returncode == 0, result.stderr
    said = " ".join((result.stdout + result.stderr).split())
    assert "state_dir /data/state is outside /var/lib, where StateDirectory= creates dirs" in said


def test_unquoted_octal_in_a_data_file_is_refused_through_the_cli_without_traceback(project: Path):
    before = snapshot(project)
    result = copier_with_data_file(project, "umask: 0777\n")
    assert result.returncode != 0
    assert "umask: " in result.stderr and "quotes" in result.stderr and "Traceback" not in result.stderr
    assert snapshot(project) == before
    assert not (project / OUTPUT_DIR).exists()


# config_strategies given as text: copier's multiselect stopped with a traceback ("Not a YAML list").
ENVIRONMENT_FILE = "-/etc/foo-bar/environment"
DB_PASSWORD = "db_password:/etc/foo-bar/db_password"
WITH_CREDENTIALS = ("credentials=[db_password]", "systemd_version=252")
STRATEGIES_GIVEN = [
    ("comma-list", ["config_strategies=environment_file, credentials", *WITH_CREDENTIALS], [ENVIRONMENT_FILE], [DB_PASSWORD]),
    ("one-word", ["config_strategies=credentials", *WITH_CREDENTIALS], [], [DB_PASSWORD]),
    ("docs-example", ["config_strategies=environment_file, ssm"], [ENVIRONMENT_FILE], []),  # docs/configuration.md
    ("yaml-list", ["config_strategies=[environment_file]"], [ENVIRONMENT_FILE], []),
    ("none", ["config_strategies=[]"], [], []),
]


@pytest.mark.parametrize(
    ("data", "env_files", "credentials"), [c[1:] for c in STRATEGIES_GIVEN], ids=[c[0] for c in STRATEGIES_GIVEN]
)
def test_config_strategies_given_with_data_as_text_render_through_the_cli(project: Path, data, env_files, credentials):
    result = copier_cli(project, *(arg for item in data for arg in ("--data", item)))
    assert result.returncode == 0, result.stderr
    unit = unit_file(project)
    assert [path for path in values_of(unit, "EnvironmentFile") if path == ENVIRONMENT_FILE] == env_files
    assert values_of(unit, "LoadCredential") == credentials


@pytest.mark.parametrize(
    "strategies", ["[environment_file, credentials]", "environment_file, credentials", "\n  - environment_file\n  - credentials"]
)
def test_config_strategies_in_a_data_file_as_a_yaml_list_or_text_render_through_the_cli(project: Path, strategies: str):
    result = copier_with_data_file(
        project, f"config_strategies: {strategies}\ncredentials: [db_password]\nsystemd_version: 252\n"
    )
    assert result.returncode == 0, result.stderr
    unit = unit_file(project)
    assert (ENVIRONMENT_FILE in values_of(unit, "EnvironmentFile"), values_of(unit, "LoadCredential")) == (True, [DB_PASSWORD])


STRATEGIES_ALLOWED = "(pick from environment_file, s3_sync, ssm, cloud_init, credentials)"


@pytest.mark.parametrize(
    ("how", "given"),
    [
        ("--data", "config_strategies=environment_file, vault"),
        ("--data", "config_strategies=[vault]"),
        ("--data-file", "config_strategies: environment_file, vault"),
    ],
)
def test_a_word_that_is_no_strategy_is_refused_naming_the_option_and_the_strategies(project: Path, how: str, given: str):
    before = snapshot(project)
    result = copier_cli(project, "--data", given) if how == "--data" else copier_with_data_file(project, given + "\n")
    assert result.returncode != 0
    expected = f"config_strategies: 'vault' is not a configuration strategy {STRATEGIES_ALLOWED}"
    assert expected in result.stderr and "Traceback" not in result.stderr, result.stderr
    assert snapshot(project) == before


# What a person types at each prompt, by the option name the prompt shows.
TYPED = {
    "dirs": "state, logs",
    "limit_nofile": "1024:524288",
    "exec_start_pre": '["/bin/echo a #b"]',
}
BACKSLASH_REFUSED = "ends with a backslash"
PROMPT_NAME = re.compile(r"(\[[a-z ]+\] )?(\w+): ")


def test_values_typed_at_the_prompt_are_kept_as_typed_and_a_trailing_backslash_is_refused_there(tmp_path: Path):
    dst = tmp_path / "project"
    write_mix_exs(dst, "foo_bar")
    child = spawn_copy(dst)
    refused, last_help = False, ""
    while True:
        index = child.expect([pexpect.EOF, PROMPT, BACKSLASH_REFUSED])
        if index == 0:
            break
        if index == 2:
            if not refused:
                refused = True
                child.send(CLEAR_LINE + TYPED["exec_start_pre"] + "\r")
            continue
        help_text = child.match.group(1).strip()
        if help_text == last_help:
            continue
        last_help = help_text
        named = PROMPT_NAME.match(help_text)
        name = named.group(2) if named else ""
        if name == "advanced":
            child.send("y")
        elif name == "exec_start_pre":
            child.send(CLEAR_LINE + "['/bin/echo stop\\']" + "\r")  # refused at the prompt
        elif name in TYPED:
            child.send(CLEAR_LINE + TYPED[name] + "\r")
        else:
            child.send("\r")
    child.close()
    child.logfile_read.close()
    log = (tmp_path / "terminal.log").read_text()
    assert refused and child.exitstatus == 0, log
    unit = unit_file(dst)
    assert values_of(unit, "ExecStartPre")[-1] == "/bin/echo a #b"
    assert values_of(unit, "LimitNOFILE") == ["1024:524288"]
    assert (values_of(unit, "StateDirectory"), values_of(unit, "LogsDirectory")) == (["foo-bar"], ["foo-bar"])
