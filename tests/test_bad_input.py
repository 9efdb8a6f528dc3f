"""Bad input through the real `copier copy` command line: a clear error naming the option, nothing written.

Each case runs `copier copy --trust --defaults --data ...` in a fresh mix
project, as a user would, and checks: a non-zero exit, stderr that names
the option and what is allowed, no Python traceback, and the destination
exactly as it was.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from rendering import OUTPUT_DIR, ROOT, unit_file, values_of, write_mix_exs

COPIER = Path(sys.executable).parent / "copier"


def copier_copy(dst: Path, *data: str, settings: Path) -> subprocess.CompletedProcess[str]:
    args = [str(COPIER), "copy", "--trust", "--defaults", "--vcs-ref", "HEAD"]
    for item in data:
        args += ["--data", item]
    env = {**os.environ, "COPIER_SETTINGS_PATH": str(settings), "NO_COLOR": "1"}
    return subprocess.run([*args, str(ROOT), "."], cwd=dst, env=env, capture_output=True, text=True, timeout=120)


def snapshot(dst: Path) -> dict[str, bytes]:
    return {str(p.relative_to(dst)): p.read_bytes() if p.is_file() else b"<dir>" for p in sorted(dst.rglob("*"))}


@pytest.fixture
def settings(tmp_path: Path) -> Path:
    path = tmp_path / "copier-settings.yml"
    path.write_text("{}\n")
    return path


@pytest.fixture
def project(tmp_path: Path) -> Path:
    dst = tmp_path / "foo_bar"
    write_mix_exs(dst)
    return dst


# (id, --data items, the option named, what the message says is allowed)
BAD = [
    ("app_name-camel", ["app_name=FooBar"], "app_name", "Elixir app name"),
    ("app_name-dash", ["app_name=foo-bar"], "app_name", "Elixir app name"),
    ("service_name-space", ["service_name=foo bar"], "service_name", "systemd unit name"),
    ("service_name-at", ["service_name=foo@bar"], "service_name", "systemd unit name"),
    ("app_user-upper", ["app_user=Deploy"], "app_user", "useradd accepts"),
    ("app_user-too-long", ["app_user=" + "a" * 40], "app_user", "at most 31 characters"),
    ("app_group-digit", ["app_group=1group"], "app_group", "useradd accepts"),
    ("base_dir-relative", ["base_dir=srv"], "base_dir", "absolute path"),
    ("deploy_dir-dotdot", ["deploy_dir=/srv/../etc"], "deploy_dir", "normalised"),
    ("current_dir-trailing-slash", ["current_dir=/srv/foo/"], "current_dir", "normalised"),
    ("read_write_paths-relative", ["read_write_paths=[data]"], "read_write_paths", "absolute path"),
    ("env_files-relative-after-expansion", ['env_files=[["-", "etc/", ":service_name"]]'], "env_files", "absolute"),
    ("umask-not-octal", ["umask=0999"], "umask", "octal"),
    ("mode-not-octal", ["dirs=[state]", "state_directory_mode=rwx"], "state_directory_mode", "octal"),
    ("service_type", ["service_type=oneshot"], "service_type", "simple, exec, notify, forking"),
    ("release_system", ["release_system=rebar3"], "release_system", "mix, distillery"),
    ("restart_method", ["restart_method=reload"], "restart_method", "systemctl, systemd_flag"),
    ("restart_method-touch", ["restart_method=touch"], "restart_method", "use systemd_flag"),
    ("runtime_directory_preserve", ["runtime_directory_preserve=maybe"], "runtime_directory_preserve", "no, yes"),
    ("dirs-member", ["dirs=[runtime, data]"], "dirs", "runtime, configuration, state, cache, logs, tmp"),
    ("limit-not-integer", ["limit_nofile=lots"], "limit_nofile", "whole number"),
    ("limit-fraction", ["limit_core=1.5"], "limit_core", "whole number"),
    ("version-not-integer", ["systemd_version=latest"], "systemd_version", "whole number"),
    ("env_var-without-name", ["env_vars=[PORT]"], "env_vars", "NAME=value"),
    ("env_var-bad-name", ['env_vars=["1PORT=4000"]'], "env_vars", "valid variable name"),
    ("env_var-bad-name-after-expansion", ['env_vars=[[":service_name", "=1"]]'], "env_vars", "valid variable name"),
    ("newline-text", ["env_lang=C\nExecStartPre=/bin/evil"], "env_lang", "control character"),
    ("newline-command", ["exec_start=/bin/true\nExecStartPre=/bin/evil"], "exec_start", "control character"),
    ("newline-list-part", ['env_vars=[["A=", "b\\nUser=root"]]'], "env_vars", "control character"),
    ("escape-char", ["mix_env=prod\x1b[31m"], "mix_env", "control character"),
    ("unknown-reference", ['env_files=[["-", ":no_such_dir", "/env"]]'], "env_files", "`:no_such_dir`"),
    ("reference-cycle", ["exec_start=:exec_stop", "exec_stop=:exec_start"], "exec_start", "cycle"),
    ("exec-on-old-systemd", ["service_type=exec", "systemd_version=239"], "service_type", "240"),
    ("env_vars-typed-reference-typo", ['env_vars=PORT=4000, ["RELEASE_TMP=", ":runtim_dir"]'], "env_vars", "`:runtim_dir`"),
    (
        "env_vars-reference-to-a-dir-not-in-dirs",
        ['env_vars=[["RELEASE_TMP=", ":runtime_dir"]]', "dirs=state"],
        "env_vars",
        "add runtime to `dirs`",
    ),
    ("app_user-nobody", ["app_user=nobody"], "app_user", "shared by unrelated services"),
    ("app_user-root", ["app_user=root"], "app_user", "root has every right on the server"),
    (
        "cluster-named-after-every-interface",
        [
            "distribution=cluster",
            "distribution_interface=0.0.0.0",
            "config_strategies=[credentials]",
            "credentials=[erlang_cookie]",
        ],
        "distribution_interface",
        "0.0.0.0 is no address other hosts reach",
    ),
    ("app_group-root", ["app_group=root"], "app_group", "root has every right on the server"),
    ("deploy_user-root", ["restart_method=systemd_flag", "deploy_user=root"], "deploy_user", "leave deploy_user empty"),
    (
        "deploy_user-without-a-flag",
        ["deploy_user=deployer"],
        "deploy_user",
        "deployer would have no role with restart_method systemctl: a deploy user may only touch `restart.flag`",
    ),
    # systemd would hand these to the app's user, and remove /run/systemd when the service stops.
    ("runtime_directory-of-systemd", ["dirs=[runtime]", "runtime_directory=systemd"], "runtime_dir", "/run/systemd is"),
    ("state_directory-of-apt", ["dirs=[state]", "state_directory=apt"], "state_dir", "name the dir after the app instead"),
    ("logs_directory-in-the-journal", ["dirs=[logs]", "logs_directory=journal/app"], "logs_dir", "is in /var/log/journal"),
    ("env_vars-setting-mix_env", ["env_vars=[MIX_ENV=staging]"], "env_vars", "sets MIX_ENV, which mix_env sets (prod)"),
    ("limit_nofile-zero", ["limit_nofile=0"], "limit_nofile", "0 lets the VM open no file at all"),
    ("watchdog_sec-infinity", ["service_type=notify", "watchdog_sec=infinity"], "watchdog_sec", "infinity sets no watchdog"),
    ("service_name-with-a-leading-dash", ["service_name=-svc"], "service_name", "must not start with -"),
    ("deploy_user-is-app_user", ["restart_method=systemd_flag", "deploy_user=foo-bar"], "deploy_user", "foo-bar is app_user"),
    ("service_name-with-its-suffix", ["service_name=shop.service"], "service_name", "(shop.service, not shop.service.service)"),
    (
        "pid_file-read-only-under-standard",
        ["service_type=forking", "pid_file=/srv/foo-bar/foo-bar.pid"],
        "pid_file",
        "keep it in the runtime dir (/run/foo-bar/foo_bar.pid, the default), or list its directory in read_write_paths",
    ),
    ("pid_file-private-tmp", ["service_type=forking", "pid_file=/tmp/foo-bar.pid"], "pid_file", "PrivateTmp="),
    ("chroot-at-the-release-itself", ["chroot=true"], "chroot", "set root_directory to a self-contained root"),
    ("exec_start-quoted-whole", ['exec_start="!/opt/app/bin/app start"'], "exec_start", "'exec_start=!/opt/app/bin/app start'"),
    # A name no question asks: copier itself would leave it out without a word.
    ("data-typo", ["servce_type=notify"], "servce_type", "not an option of this template (a typo of service_type?)"),
    ("data-unknown", ["frobnicate=1"], "frobnicate", "not an option of this template; every option: https://"),
    ("data-computed", ['files={"main_unit": "x"}'], "files", "not an option of this template"),
    # Typed as the other lists are: the second command was an argument of the first, without a word.
    ("commands-with-commas", ["exec_start_pre=/bin/true, +/bin/sync"], "exec_start_pre", 'e.g. ["/bin/true", "+/bin/sync"]'),
    ("paths-with-commas", ["read_write_paths=/srv/a, /srv/b"], "read_write_paths", "reads as one item, not 2"),
    ("data-earlier-answers", ['earlier_answers={"service_name": "x"}'], "earlier_answers", "not an option of this"),
]


@pytest.mark.parametrize(("data", "option", "allowed"), [c[1:] for c in BAD], ids=[c[0] for c in BAD])
def test_bad_input_is_refused_cleanly_and_writes_nothing(project: Path, settings: Path, data, option, allowed):
    before = snapshot(project)
    result = copier_copy(project, *data, settings=settings)
    assert result.returncode != 0
    assert f"{option}:" in result.stderr
    assert allowed in result.stderr
    assert "Traceback" not in result.stderr
    assert snapshot(project) == before


def test_no_mix_exs_and_no_app_name_is_refused_naming_app_name(tmp_path: Path, settings: Path):
    empty = tmp_path / "not_a_mix_project"
    empty.mkdir()
    result = copier_copy(empty, settings=settings)
    assert result.returncode != 0
    assert "app_name:" in result.stderr and "Traceback" not in result.stderr
    assert list(empty.iterdir()) == []


def test_no_mix_exs_with_app_name_given_renders(tmp_path: Path, settings: Path):
    empty = tmp_path / "not_a_mix_project"
    empty.mkdir()
    result = copier_copy(empty, "app_name=shop", settings=settings)
    assert result.returncode == 0, result.stderr
    assert values_of(unit_file(empty, "shop.service"), "User") == ["shop"]


def test_percent_in_a_value_is_written_as_double_percent(project: Path, settings: Path):
    result = copier_copy(
        project,
        "exec_start_pre=[/bin/date +%s]",
        'env_vars=["FMT=%d"]',
        "exec_start_wrap=/usr/bin/nice -n 5 %",
        settings=settings,
    )
    assert result.returncode == 0, result.stderr
    text = unit_file(project)
    assert values_of(text, "ExecStartPre")[-1] == "/bin/date +%%s"  # after the node's cookie (distribution local)
    assert "FMT=%%d" in values_of(text, "Environment")
    assert values_of(text, "ExecStart")[0].startswith("/usr/bin/nice -n 5 %% ")


def test_environment_values_with_spaces_quotes_and_backslashes_are_quoted(project: Path, settings: Path):
    result = copier_copy(project, """env_vars=['GREETING=hello world', 'MSG=say "hi"', 'RE=a\\d']""", settings=settings)
    assert result.returncode == 0, result.stderr
    environment = values_of(unit_file(project), "Environment")
    assert environment[-3:] == ['"GREETING=hello world"', '"MSG=say \\"hi\\""', '"RE=a\\\\d"']


def test_env_vars_typed_with_commas_are_one_entry_each(project: Path, settings: Path):
    """`a, b` as the other lists take it; a comma not followed by NAME= stays in its value (docs/values.md)."""
    result = copier_copy(project, "env_vars=PORT=4000, HOSTS=a,b, POOL=10", settings=settings)
    assert result.returncode == 0, result.stderr
    assert values_of(unit_file(project), "Environment")[-3:] == ["PORT=4000", "HOSTS=a,b", "POOL=10"]


def test_a_refused_derived_default_names_the_answer_it_comes_from(project: Path, settings: Path):
    result = copier_copy(project, "ext_name=my.app", settings=settings)
    assert result.returncode != 0
    assert "app_user: its default 'my.app', computed from ext_name 'my.app'," in result.stderr


def test_a_good_copy_writes_the_unit(project: Path, settings: Path):
    """The harness itself: the same command with good input succeeds."""
    result = copier_copy(project, settings=settings)
    assert result.returncode == 0, result.stderr
    assert (project / OUTPUT_DIR / "foo-bar.service").is_file()


@pytest.mark.parametrize(
    ("excluded", "path", "instead"),
    [
        ("rel/templates", "rel/templates/systemd/systemd.service.eex", "leave it out with eex_templates: false instead"),
        ("**/bin/deploy", "rel/systemd/srv/foo-bar/bin/deploy", "leave it out with deploy_script: false instead"),
        ("*.service", "rel/systemd/lib/systemd/system/foo-bar.service", "every copy writes it: drop that --exclude"),
    ],
)
def test_a_copy_that_excludes_a_file_it_writes_is_refused_naming_the_answer_that_leaves_it_out(
    project: Path, settings: Path, excluded: str, path: str, instead: str
):
    """copier --exclude would leave out a file the closing message lists and the install script installs."""
    before = snapshot(project)
    args = [str(COPIER), "copy", "--trust", "--defaults", "--vcs-ref", "HEAD", "--exclude", excluded, str(ROOT), "."]
    env = {**os.environ, "COPIER_SETTINGS_PATH": str(settings), "NO_COLOR": "1"}
    result = subprocess.run(args, cwd=project, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode != 0
    assert f"  exclude: {path} is left out by --exclude" in result.stderr
    assert instead in result.stderr
    assert snapshot(project) == before


def test_a_copy_again_with_the_kept_answers_still_refuses_a_typo_and_an_exclude(project: Path, settings: Path):
    """The kept --data-file holds every answer, like the data copier update gives a worker of its own: the
    project (not empty) tells them apart, so the user's own --data and --exclude are still checked."""
    env = {**os.environ, "COPIER_SETTINGS_PATH": str(settings), "NO_COLOR": "1"}
    copy = [str(COPIER), "copy", "--trust", "--defaults", "--vcs-ref", "HEAD"]
    run = {"cwd": project, "env": env, "capture_output": True, "text": True, "check": False}
    first = subprocess.run([*copy, "--data", "servce_type=notify", str(ROOT), "."], **run)
    assert first.returncode != 0
    kept = project.parent / f"{project.name}.systemd-answers.yml"
    assert kept.is_file()
    before = snapshot(project)
    second = subprocess.run([*copy, "--data-file", str(kept), "--data", "servce_type=notify", str(ROOT), "."], **run)
    assert second.returncode != 0
    assert "servce_type: not an option of this template" in second.stderr
    kept.write_text(kept.read_text().replace("servce_type", "service_type"))  # fixed there, as the refusal says
    third = subprocess.run([*copy, "--data-file", str(kept), "--exclude", "rel/templates", str(ROOT), "."], **run)
    assert third.returncode != 0
    assert "is left out by --exclude" in third.stderr
    assert snapshot(project) == before


def test_a_mistyped_name_is_kept_in_the_answers_file_beside_the_project(project: Path, settings: Path):
    """The refusal says to fix the answer named in the kept file: before, a name no question asks
    was left out of it, and the copy again with that file took the default without a word."""
    done = copier_copy(project, "servce_type=notify", "base_dir=/opt", settings=settings)
    assert done.returncode != 0
    kept = yaml.safe_load((project.parent / f"{project.name}.systemd-answers.yml").read_text())
    assert kept["servce_type"] == "notify" and kept["base_dir"] == "/opt"
