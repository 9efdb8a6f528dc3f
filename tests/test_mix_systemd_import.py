"""An existing mix_systemd setup becomes the default answers; a mix_systemd project migrated end to end."""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pexpect
import pytest
import yaml

from rendering import OUTPUT_DIR, mix_project, render_template, sections, write_mix_exs
from system_tools import require_tool
from template_repo import (
    ANSWERS_FILE,
    V2_DIRECTIVE,
    commit_all,
    copy_template,
    git,
    init_repo,
    make_v2,
    snapshot_template,
    update_project,
)
from terminal import CLEAR_LINE, PROMPT, screen_lines, spawn_copy
from unit_template.elixir_terms import read_config
from unit_template.mix_systemd_import import MISSING, Imported, blocking, convert, import_project, imported_answer, report

ROOT = Path(__file__).resolve().parent.parent
COPIER = str(Path(sys.executable).parent / "copier")


def imported(source: str) -> dict:
    return convert(read_config(source)).answers


def problems(source: str) -> dict:
    return convert(read_config(source)).problems


def test_atoms_become_plain_strings() -> None:
    assert imported("config :mix_systemd, service_type: :notify, dirs: [:runtime, :state]") == {
        "service_type": "notify",
        "dirs": ["runtime", "state"],
    }


def test_atoms_inside_expandable_options_stay_references() -> None:
    source = 'config :mix_systemd, env_files: [["-", :configuration_dir, "/environment"]]'
    assert imported(source) == {"env_files": [["-", ":configuration_dir", "/environment"]]}


def test_tuples_of_parts_in_expandable_options_become_lists() -> None:
    source = 'config :mix_systemd, env_vars: [{"RELEASE_TMP=", :runtime_dir}]'
    assert imported(source) == {"env_vars": [["RELEASE_TMP=", ":runtime_dir"]]}


def test_charlists_become_strings() -> None:
    assert imported("config :mix_systemd, base_dir: '/opt'") == {"base_dir": "/opt"}


def test_paranoia_sets_the_paranoia_hardening_profile() -> None:
    assert imported("config :mix_systemd, paranoia: true")["hardening"] == "paranoia"


def test_nil_means_the_default() -> None:
    assert imported("config :mix_systemd, exec_stop: nil") == {"exec_stop": None}


def test_an_unreadable_value_is_reported_by_name_and_not_imported() -> None:
    source = 'config :mix_systemd, env_lang: System.get_env("LANG"), base_dir: "/opt"'
    assert imported(source) == {"base_dir": "/opt"}
    assert "System.get_env" in problems(source)["env_lang"]


def test_an_unknown_key_is_left_out_with_a_notice_naming_it() -> None:
    """mix_systemd hands unknown keys to its EEx templates only: these units have no use for one."""
    result = convert(read_config("config :mix_systemd, no_such_option: 1"))
    assert (result.answers, result.problems) == ({}, {})
    assert result.notes == ["no_such_option: not an option of this template, left out (these units do not read it)"]


def test_an_unknown_key_whose_value_cannot_be_read_is_left_out_the_same_way() -> None:
    result = convert(read_config('config :mix_systemd, my_key: System.get_env("X"), dirs: [:state]'))
    assert (result.answers, result.problems) == ({"dirs": ["state"]}, {})
    assert result.notes == ["my_key: not an option of this template, left out (these units do not read it)"]


def test_a_typo_of_an_option_is_that_options_problem_so_its_question_shows_it() -> None:
    assert problems("config :mix_systemd, servce_type: :notify") == {
        "service_type": "given as `servce_type`, which is not an option of this template (a typo of service_type?)"
    }


def test_a_key_close_to_an_option_the_config_also_sets_is_no_typo_of_it() -> None:
    result = convert(read_config("config :mix_systemd, servce_type: :notify, service_type: :exec"))
    assert (result.answers, result.problems) == ({"service_type": "exec"}, {})
    assert result.notes == ["servce_type: not an option of this template, left out (these units do not read it)"]


def test_an_invalid_value_is_reported_with_the_validator_message() -> None:
    assert "absolute path" in problems('config :mix_systemd, base_dir: "srv"')["base_dir"]


def test_restart_method_touch_is_left_to_the_prompt() -> None:
    assert "systemd_flag" in problems("config :mix_systemd, restart_method: :touch")["restart_method"]


def test_prod_exs_overrides_config_exs(tmp_path: Path) -> None:
    (tmp_path / "config").mkdir()
    (tmp_path / "config/config.exs").write_text('config :mix_systemd, base_dir: "/srv", app_user: "app"\n')
    (tmp_path / "config/prod.exs").write_text('config :mix_systemd, base_dir: "/opt"\n')
    expected = {"base_dir": "/opt", "app_user": "app", "distribution": "release"}  # issue 10: the release's distribution kept
    assert import_project(tmp_path).answers == expected


def test_existing_eex_templates_turn_eex_templates_off(tmp_path: Path) -> None:
    (tmp_path / "rel/templates/systemd").mkdir(parents=True)
    (tmp_path / "rel/templates/systemd/systemd.service.eex").write_text("custom\n")
    assert import_project(tmp_path).answers == {"eex_templates": False}


# A mix_systemd 0.8.2 project: what `mix systemd.generate` reads.
CONFIG_EXS = """import Config

# systemd units, by mix_systemd
config :mix_systemd,
  app_user: "app",
  app_group: "app",
  base_dir: "/opt",
  dirs: [
    :configuration, # /etc/foo-bar
    :runtime,       # /run/foo-bar
  ],
  env_files: [["-", :configuration_dir, "/environment"]],
  env_vars: ["PORT=8080", {"RELEASE_TMP=", :runtime_dir}],
  exec_start_pre: [["!", :deploy_dir, "/bin/sync-config"]],
  unit_after_targets: ["cloud-init.target"],
  runtime_directory_preserve: "restart",
  restart_sec: "1s",
  paranoia: true

import_config "#{config_env()}.exs"
"""
PROD_EXS = """import Config
config :mix_systemd, systemd_version: 239
"""
CUSTOM_EEX = "# our own systemd.service.eex, edited by hand\n"

# What mix_systemd 0.8.2 generates for that config (from the option reference):
# [Unit] After= plus unit_after_targets on a broken continuation line, and
# ExecStop=bin/<release> stop. Description= text is left out of the comparison.
MIX_SYSTEMD_UNIT = {
    "Unit": [("After", "local-fs.target network.target"), (" cloud-init.target", "")],
    "Service": [
        ("Type", "simple"),
        ("User", "app"),
        ("Group", "app"),
        ("WorkingDirectory", "/opt/foo-bar/current"),
        ("ExecStartPre", "!/opt/foo-bar/bin/sync-config"),
        ("ExecStart", "/opt/foo-bar/current/bin/foo_bar start"),
        ("ExecStop", "/opt/foo-bar/current/bin/foo_bar stop"),
        ("Environment", "LANG=en_US.utf8"),
        ("Environment", "MIX_ENV=prod"),
        ("Environment", "RUNTIME_DIR=/run/foo-bar"),
        ("Environment", "CONFIGURATION_DIR=/etc/foo-bar"),
        ("Environment", "PORT=8080"),
        ("Environment", "RELEASE_TMP=/run/foo-bar"),
        ("EnvironmentFile", "-/etc/foo-bar/environment"),
        ("LimitNOFILE", "65535"),
        ("UMask", "0027"),
        ("SyslogIdentifier", "foo-bar"),
        ("Restart", "always"),
        ("RestartSec", "1s"),
        ("RuntimeDirectory", "foo-bar"),
        ("RuntimeDirectoryMode", "750"),
        ("RuntimeDirectoryPreserve", "restart"),
        ("ConfigurationDirectory", "foo-bar"),
        ("ConfigurationDirectoryMode", "750"),
        ("NoNewPrivileges", "yes"),
        ("PrivateDevices", "yes"),
        ("PrivateTmp", "yes"),
        ("ProtectSystem", "full"),
        ("ProtectHome", "yes"),
        ("PrivateUsers", "yes"),
        ("ProtectKernelModules", "yes"),
        ("ProtectKernelTunables", "yes"),
        ("ProtectControlGroups", "yes"),
        ("MountAPIVFS", "yes"),
    ],
    "Install": [("WantedBy", "multi-user.target")],
}


def with_fixed_defects(unit: dict[str, list[tuple[str, str]]]) -> dict[str, list[tuple[str, str]]]:
    """The defects the README lists under "What changes: the fixed defects", fixed."""
    fixed = {name: list(lines) for name, lines in unit.items()}
    # 1: unit_after_targets belong on After=, not on a line systemd ignores.
    continuation = [key.strip() for key, _ in fixed["Unit"] if key.startswith(" ")]
    fixed["Unit"] = [
        (key, f"{value} {' '.join(continuation)}" if key == "After" else value)
        for key, value in fixed["Unit"]
        if not key.startswith(" ")
    ]
    # 6: no ExecStop= through Erlang distribution; SIGTERM stops the VM.
    fixed["Service"] = [(key, value) for key, value in fixed["Service"] if key != "ExecStop"]
    # Restarts never give up, stops are graceful (docs/restarts-and-deploys.md).
    fixed["Unit"].append(("StartLimitIntervalSec", "0"))
    fixed["Service"] += [("TimeoutStopSec", "30s"), ("KillMode", "mixed")]
    return fixed


def as_multisets(unit: dict[str, list[tuple[str, str]]]) -> dict[str, Counter]:
    return {name: Counter(line for line in lines if line[0] != "Description") for name, lines in unit.items()}


@pytest.fixture
def mix_systemd_project(tmp_path: Path) -> Path:
    project = tmp_path / "project"
    write_mix_exs(project, "foo_bar")
    (project / "config").mkdir()
    (project / "config/config.exs").write_text(CONFIG_EXS)
    (project / "config/prod.exs").write_text(PROD_EXS)
    (project / "rel/templates/systemd").mkdir(parents=True)
    (project / "rel/templates/systemd/systemd.service.eex").write_text(CUSTOM_EEX)
    init_repo(project)
    commit_all(project, "a mix_systemd project")
    return project


def test_mix_systemd_project_migrates_end_to_end(mix_systemd_project: Path, tmp_path: Path) -> None:
    project = mix_systemd_project
    template = snapshot_template(tmp_path / "template", "v1")

    copy_template(template, project, vcs_ref="v1")

    unit = project / OUTPUT_DIR / "foo-bar.service"
    assert as_multisets(sections(unit.read_text())) == as_multisets(with_fixed_defects(MIX_SYSTEMD_UNIT))
    assert (project / "rel/templates/systemd/systemd.service.eex").read_text() == CUSTOM_EEX
    assert yaml.safe_load((project / ANSWERS_FILE).read_text())["app_user"] == "app"

    unit.write_text(unit.read_text().replace("LimitNOFILE=65535", "LimitNOFILE=200000"))
    commit_all(project, "local edit")
    make_v2(template, "v2")

    update_project(project, vcs_ref="v2")

    updated = unit.read_text()
    assert "LimitNOFILE=200000" in updated.splitlines()
    assert V2_DIRECTIVE in updated.splitlines()
    assert (project / "rel/templates/systemd/systemd.service.eex").read_text() == CUSTOM_EEX
    assert git(project, "status", "--porcelain", "--", "config", "rel/templates") == ""


def copy_defaults(project: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """The real copier CLI, without prompts, as a user migrating runs it."""
    return subprocess.run(
        [COPIER, "copy", "--trust", "--defaults", "--vcs-ref", "HEAD", *args, str(ROOT), str(project)],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        check=False,
    )


WITHOUT_ELIXIR = {"SYSTEMD_UNIT_NO_ELIXIR": "1"}


@pytest.mark.parametrize("quiet", [[], ["--quiet"]], ids=["loud", "quiet"])
def test_an_unreadable_value_stops_a_copy_without_prompts_naming_option_value_and_data(
    mix_systemd_project: Path, quiet: list[str]
) -> None:
    config = mix_systemd_project / "config/config.exs"
    config.write_text(config.read_text().replace('base_dir: "/opt",', 'base_dir: System.get_env("BASE"),'))

    result = copy_defaults(mix_systemd_project, *quiet, env=WITHOUT_ELIXIR)

    assert result.returncode != 0
    line = '  base_dir: a call into the module System in `System.get_env("BASE")`; set it with --data base_dir=VALUE'
    assert line in result.stderr.splitlines()
    assert not (mix_systemd_project / OUTPUT_DIR).exists()


def test_the_data_the_message_names_lets_the_copy_through(mix_systemd_project: Path) -> None:
    config = mix_systemd_project / "config/config.exs"
    config.write_text(config.read_text().replace('base_dir: "/opt",', 'base_dir: System.get_env("BASE"),'))

    result = copy_defaults(mix_systemd_project, "--data", "base_dir=/opt", env=WITHOUT_ELIXIR)

    assert result.returncode == 0, result.stderr
    assert "WorkingDirectory=/opt/foo-bar/current" in (mix_systemd_project / OUTPUT_DIR / "foo-bar.service").read_text()


def test_with_elixir_the_config_is_evaluated_as_mix_does(mix_systemd_project: Path) -> None:
    require_tool("elixir", "elixir")
    config = mix_systemd_project / "config/config.exs"
    config.write_text(config.read_text().replace('base_dir: "/opt",', 'base_dir: System.get_env("NO_SUCH_VARIABLE_X", "/opt"),'))

    result = copy_defaults(mix_systemd_project)

    assert result.returncode == 0, result.stderr
    assert "WorkingDirectory=/opt/foo-bar/current" in (mix_systemd_project / OUTPUT_DIR / "foo-bar.service").read_text()


def main_unit(project: Path) -> str:
    return (project / OUTPUT_DIR / "foo-bar.service").read_text()


def test_integer_time_spans_are_imported_as_mix_systemd_takes_them() -> None:
    assert imported("config :mix_systemd, restart_sec: 5, timeout_start_sec: 60") == {
        "restart_sec": "5",
        "timeout_start_sec": "60",
    }


def test_integer_time_spans_reach_the_unit(tmp_path: Path) -> None:
    project = mix_project(tmp_path, "restart_sec: 5, timeout_start_sec: 60")
    render_template(project, {})
    lines = main_unit(project).splitlines()
    assert "RestartSec=5" in lines and "TimeoutStartSec=60" in lines


def test_the_tuple_form_of_mix_systemds_readme_copies(tmp_path: Path) -> None:
    project = mix_project(tmp_path, 'env_vars: [{"RELEASE_TMP=", :runtime_dir}], dirs: [:runtime]')
    render_template(project, {})
    assert "Environment=RELEASE_TMP=/run/foo-bar" in main_unit(project).splitlines()


def test_plain_strings_with_a_prefix_copy(tmp_path: Path) -> None:
    config = 'exec_start_pre: ["!/usr/bin/env true", "-/bin/false", "+/bin/true"], env_files: ["-/etc/default/foo-bar"]'
    project = mix_project(tmp_path, config)
    render_template(project, {})
    lines = main_unit(project).splitlines()
    for line in (
        "ExecStartPre=!/usr/bin/env true",
        "ExecStartPre=-/bin/false",
        "ExecStartPre=+/bin/true",
        "EnvironmentFile=-/etc/default/foo-bar",
    ):
        assert line in lines


def test_renamed_ext_name_keeps_the_paths_and_users_mix_systemd_derived_from_the_app(tmp_path: Path) -> None:
    project = mix_project(tmp_path, 'ext_name: "fb", base_dir: "/opt"')
    answers = import_project(project).answers
    assert answers["deploy_dir"] == "/opt/foo-bar"
    assert answers["service_name"] == answers["app_user"] == answers["runtime_directory"] == "foo-bar"


def test_app_name_in_the_config_does_not_replace_the_mix_exs_app(tmp_path: Path) -> None:
    result = import_project(mix_project(tmp_path, "app_name: :other"))
    assert "app_name" not in result.answers
    assert any("mix_systemd takes the app from mix.exs (foo_bar)" in note for note in result.notes)


ONLY_PROD = """defmodule FooBar.MixProject do
  use Mix.Project
  def project, do: [app: :foo_bar, version: "0.1.0", deps: deps(), releases: [prod: []]]
  defp deps, do: [{:phoenix, "~> 1.7"}, {:ecto_sql, "~> 3.10"}]
end
"""


@pytest.mark.parametrize("env", [{}, WITHOUT_ELIXIR], ids=["elixir", "text"])
def test_a_project_whose_only_release_is_prod_runs_bin_prod(tmp_path: Path, env: dict[str, str]) -> None:
    project = mix_project(tmp_path, "dirs: [:runtime]", ONLY_PROD)
    result = copy_defaults(project, "--quiet", env=env)
    assert result.returncode == 0, result.stderr
    assert "ExecStart=/srv/foo-bar/current/bin/prod start" in main_unit(project).splitlines()


def test_an_app_name_other_than_mix_exs_app_still_runs_the_release_mix_builds(tmp_path: Path) -> None:
    project = mix_project(tmp_path, "dirs: [:runtime]")  # mix.exs: app: :foo_bar, so `mix release` builds bin/foo_bar
    result = copy_defaults(project, "--quiet", "--data", "app_name=shop")
    assert result.returncode == 0, result.stderr
    assert "ExecStart=/srv/shop/current/bin/foo_bar start" in (project / OUTPUT_DIR / "shop.service").read_text().splitlines()
    assert yaml.safe_load((project / ANSWERS_FILE).read_text())["release_name"] == "foo_bar"


@pytest.mark.parametrize(
    ("imported", "app_name", "expected"),
    [
        (Imported(release="foo_bar"), "shop", "foo_bar"),  # another app_name: still the release mix builds
        (Imported(release="foo_bar"), "foo_bar", MISSING),  # the same: release_name stays derived from app_name
        (Imported(answers={"release_name": "jobs"}, release="foo_bar"), "shop", "jobs"),  # the config's release_name
        (Imported(), "shop", MISSING),  # no mix.exs read
    ],
    ids=["other-app-name", "same-app-name", "configured", "no-mix-exs"],
)
def test_the_release_name_default_is_the_release_mix_builds(imported: Imported, app_name: str, expected: object) -> None:
    default = imported_answer(imported, "release_name", {"app_name": app_name})
    assert default is MISSING if expected is MISSING else default == expected


def test_several_releases_and_no_default_release_stop_a_copy_without_prompts(tmp_path: Path) -> None:
    project = mix_project(
        tmp_path, "dirs: [:runtime]", ONLY_PROD.replace("releases: [prod: []]", "releases: [web: [], jobs: []]")
    )

    refused = copy_defaults(project, "--quiet")
    assert refused.returncode != 0
    assert "release_name: mix.exs defines the releases web, jobs and no default_release" in refused.stderr
    assert "--data release_name=VALUE" in refused.stderr
    assert not (project / OUTPUT_DIR).exists()

    given = copy_defaults(project, "--quiet", "--data", "release_name=jobs")
    assert given.returncode == 0, given.stderr
    assert "ExecStart=/srv/foo-bar/current/bin/jobs start" in main_unit(project).splitlines()


def test_release_name_mix_env_is_evaluated_with_elixir(tmp_path: Path) -> None:
    require_tool("elixir", "elixir")
    project = mix_project(tmp_path, "release_name: Mix.env()")
    assert import_project(project, "prod").answers["release_name"] == "prod"
    assert import_project(project, "staging").answers["release_name"] == "staging"


def test_interactively_what_the_import_could_not_take_is_shown_and_asked_at_its_question(tmp_path: Path) -> None:
    two_releases = ONLY_PROD.replace("releases: [prod: []]", "releases: [web: [], jobs: []]")
    project = mix_project(tmp_path, "dirs: [:runtime], exec_start: fn -> :no end", two_releases)
    child = spawn_copy(project)
    asked: list[str] = []
    last_help = ""
    while child.expect([pexpect.EOF, PROMPT]) == 1:
        help_text = child.match.group(1).strip()
        if help_text == last_help:
            continue
        last_help = help_text
        asked.append(help_text)
        if "release_name: " in help_text:
            child.send(CLEAR_LINE + "jobs\r")
        else:
            child.send("\r")
    child.close()
    child.logfile_read.close()
    log = (tmp_path / "terminal.log").read_text()
    shown = " ".join(" ".join(screen_lines(tmp_path / "terminal.log", 250)).split())  # the help is wrapped

    assert child.exitstatus == 0, log
    assert "NOT IMPORTED from your project: release_name: mix.exs defines the releases web, jobs" in shown
    assert "NOT IMPORTED from your project: exec_start" in shown
    assert any("exec_start: " in text for text in asked)
    assert "ExecStart=/srv/foo-bar/current/bin/jobs start" in main_unit(project).splitlines()


def test_an_update_without_prompts_keeps_the_recorded_answer_the_import_could_not_take(
    mix_systemd_project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(*next(iter(WITHOUT_ELIXIR.items())))
    config = mix_systemd_project / "config/config.exs"
    config.write_text(config.read_text().replace('base_dir: "/opt",', 'base_dir: System.get_env("BASE"),'))
    commit_all(mix_systemd_project, "base_dir from the environment")
    template = snapshot_template(tmp_path / "template", "v1")
    copy_template(template, mix_systemd_project, data={"base_dir": "/opt"}, vcs_ref="v1")
    make_v2(template, "v2")

    update_project(mix_systemd_project, vcs_ref="v2")

    assert yaml.safe_load((mix_systemd_project / ANSWERS_FILE).read_text())["base_dir"] == "/opt"
    assert "WorkingDirectory=/opt/foo-bar/current" in (mix_systemd_project / OUTPUT_DIR / "foo-bar.service").read_text()


# Keys of older mix_systemd versions that 0.8.2 ignores (its history before 0.7.0), as public projects carry them.
OLDER_CONFIG = (
    "distillery: true, runtime_environment_wrap: true, env_port: 4000, cookie_dir: :configuration_dir, "
    "dirs: [:runtime]"
)


def test_older_mix_systemd_keys_are_read_as_what_they_meant() -> None:
    result = convert(read_config(f"config :mix_systemd, {OLDER_CONFIG}, restart_flag: true"))
    assert result.problems == {}
    assert result.answers == {
        "release_system": "distillery",
        "exec_start_wrap": [":deploy_dir", "/bin/deploy-runtime-environment-wrap"],
        "unit_after_targets": ["cloud-init.target"],
        "env_vars": [["PORT=", 4000]],
        "restart_method": "systemd_flag",
        "dirs": ["runtime"],
    }
    assert any(note.startswith("cookie_dir (an older mix_systemd option): ignored") for note in result.notes)


def test_an_older_key_the_config_also_sets_the_new_way_gives_way_to_it() -> None:
    result = convert(read_config("config :mix_systemd, distillery: true, release_system: :mix"))
    assert result.answers == {"release_system": "mix"}
    assert "distillery (an older mix_systemd option): ignored, the config sets release_system itself" in result.notes


def test_an_older_environment_key_gives_way_to_the_env_vars_entry_of_its_variable() -> None:
    # Before, both were rendered (Environment=PORT=4000, then PORT=5000): systemd takes the last, the older key's.
    config = (
        'config :mix_systemd, env_vars: [{"RELEASE_TMP=", :runtime_dir}, "PORT=4000"], release_tmp: "/var/tmp/x", env_port: 5000'
    )
    result = convert(read_config(config))
    assert result.answers["env_vars"] == [["RELEASE_TMP=", ":runtime_dir"], "PORT=4000"]
    for key, variable in (("release_tmp", "RELEASE_TMP"), ("env_port", "PORT")):
        assert f"{key} (an older mix_systemd option): ignored, the config's env_vars sets {variable} itself" in result.notes


def test_a_project_with_older_mix_systemd_keys_copies_without_prompts_naming_each(tmp_path: Path) -> None:
    project = mix_project(tmp_path, OLDER_CONFIG)
    result = copy_defaults(project, env=WITHOUT_ELIXIR)
    assert result.returncode == 0, result.stderr
    for key in ("distillery", "runtime_environment_wrap", "env_port", "cookie_dir"):
        assert f"  {key} (an older mix_systemd option): " in result.stderr
    lines = main_unit(project).splitlines()
    assert "ExecStart=/srv/foo-bar/bin/deploy-runtime-environment-wrap /srv/foo-bar/current/bin/foo_bar foreground" in lines
    assert "Environment=PORT=4000" in lines
    assert any(line.startswith("After=") and "cloud-init.target" in line for line in lines)


def test_a_copy_without_prompts_takes_a_config_with_an_unknown_key_and_says_it_is_left_out(tmp_path: Path) -> None:
    project = mix_project(tmp_path, 'my_custom_eex_key: "x", dirs: [:state]')
    result = copy_defaults(project, env=WITHOUT_ELIXIR)
    assert result.returncode == 0, result.stderr
    assert "  my_custom_eex_key: not an option of this template, left out (these units do not read it)" in result.stderr
    assert "StateDirectory=foo-bar" in main_unit(project)


def test_a_copy_without_prompts_stops_at_a_typo_naming_the_option_it_is_close_to(tmp_path: Path) -> None:
    project = mix_project(tmp_path, "servce_type: :notify")
    result = copy_defaults(project, env=WITHOUT_ELIXIR)
    assert result.returncode != 0
    line = (
        "  service_type = :notify: given as `servce_type`, which is not an option of this template "
        "(a typo of service_type?); set it with --data service_type=VALUE"
    )
    assert line in result.stderr.splitlines()
    assert not (project / OUTPUT_DIR).exists()


def test_an_imported_value_the_whole_set_refuses_is_kept_and_reported_for_its_question(tmp_path: Path) -> None:
    project = mix_project(tmp_path, 'service_type: :forking, pid_file: "/srv/foo-bar/x.pid"')
    result = import_project(project)
    assert result.answers["pid_file"] == "/srv/foo-bar/x.pid"  # the default its question offers
    assert "outside every dir the service may write under hardening standard" in result.refused["pid_file"]
    assert result.problems == {}


def test_a_copy_without_prompts_of_a_value_the_whole_set_refuses_writes_nothing_and_names_it(tmp_path: Path) -> None:
    project = mix_project(tmp_path, "chroot: true")
    result = copy_defaults(project, env=WITHOUT_ELIXIR)
    assert result.returncode != 0
    assert "  chroot: RootDirectory=/srv/foo-bar/current would run the release inside its own directory" in result.stderr
    assert not (project / OUTPUT_DIR).exists()


BAD_IMPORT = 'base_dir: "opt/apps", env_vars: ["PORT=4000", {"RELEASE_TMP=", :runtim_dir}]'


def test_a_copy_without_prompts_names_every_setting_to_fix_at_once(tmp_path: Path) -> None:
    # Before, only base_dir was named: the user fixed it, ran again, and was refused for env_vars.
    message = blocking(import_project(mix_project(tmp_path, BAD_IMPORT)), set())
    assert '  base_dir = "opt/apps": must be an absolute path (starting with /), not \'opt/apps\'; set it with' in message
    lines = message.splitlines()
    refused = lines.index("Refused with the other answers too (give it with --data, or change what it clashes with):")
    assert lines[refused + 1].startswith("  env_vars")
    assert "refers to unknown option `:runtim_dir` (a typo of `:runtime_dir`?)" in message


def test_the_import_report_names_each_option_once_and_leaves_out_what_data_gives(tmp_path: Path) -> None:
    result = import_project(mix_project(tmp_path, BAD_IMPORT))
    assert "  base_dir: must be an absolute path (starting with /), not 'opt/apps'" in report(result).splitlines()
    given = report(result, {"base_dir", "env_vars"})
    assert "base_dir" not in given and "env_vars" not in given
