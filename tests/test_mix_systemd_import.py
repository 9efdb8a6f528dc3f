"""An existing mix_systemd setup becomes the default answers; a mix_systemd project migrated end to end."""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
import yaml

from rendering import OUTPUT_DIR, sections, write_mix_exs
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
from unit_template.elixir_terms import read_config
from unit_template.mix_systemd_import import convert, import_project

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


def test_an_unknown_key_is_reported() -> None:
    assert problems("config :mix_systemd, no_such_option: 1") == {"no_such_option": "not an option of this template"}


def test_an_invalid_value_is_reported_with_the_validator_message() -> None:
    assert "absolute path" in problems('config :mix_systemd, base_dir: "srv"')["base_dir"]


def test_restart_method_touch_is_left_to_the_prompt() -> None:
    assert "systemd_flag" in problems("config :mix_systemd, restart_method: :touch")["restart_method"]


def test_prod_exs_overrides_config_exs(tmp_path: Path) -> None:
    (tmp_path / "config").mkdir()
    (tmp_path / "config/config.exs").write_text('config :mix_systemd, base_dir: "/srv", app_user: "app"\n')
    (tmp_path / "config/prod.exs").write_text('config :mix_systemd, base_dir: "/opt"\n')
    assert import_project(tmp_path).answers == {"base_dir": "/opt", "app_user": "app"}


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


def test_copy_reports_unreadable_mix_systemd_values_by_name(mix_systemd_project: Path) -> None:
    config = mix_systemd_project / "config/config.exs"
    config.write_text(config.read_text().replace('base_dir: "/opt",', 'base_dir: System.get_env("BASE"),'))

    result = subprocess.run(
        [COPIER, "copy", "--trust", "--defaults", "--vcs-ref", "HEAD", str(ROOT), str(mix_systemd_project)],
        capture_output=True,
        text=True,
        env=os.environ.copy(),
        check=False,
    )

    assert result.returncode == 0, result.stderr
    assert '  base_dir: a call into the module System in `System.get_env("BASE")`' in result.stderr.splitlines()
    assert "WorkingDirectory=/srv/foo-bar/current" in (mix_systemd_project / OUTPUT_DIR / "foo-bar.service").read_text()
