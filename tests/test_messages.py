"""What copier prints after a copy or an update (on stderr): files, next commands, exposure score."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from rendering import OUTPUT_DIR
from system_tools import exposure, require_tool
from template_repo import ANSWERS_FILE, commit_all, git, new_project, snapshot_template
from unit_template.messages import after_copy, parse_exposure
from unit_template.messages import exposure as exposure_of
from unit_template.units import unit_view

ROOT = Path(__file__).resolve().parent.parent
COPIER = str(Path(sys.executable).parent / "copier")


def copier_cli(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [COPIER, *args], cwd=cwd, capture_output=True, text=True, env={**os.environ, **(env or {})}, check=False
    )


def copy_cli(dst: Path, *data: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    options = [arg for item in ("app_name=foo_bar", *data) for arg in ("--data", item)]
    return copier_cli("copy", "--trust", "--defaults", "--vcs-ref", "HEAD", *options, str(ROOT), str(dst), cwd=ROOT, env=env)


def path_without_systemd_analyze(tmp_path: Path) -> str:
    """A PATH with every command of the current one except systemd-analyze."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for directory in os.environ["PATH"].split(os.pathsep):
        for tool in Path(directory).glob("*") if Path(directory).is_dir() else []:
            link = bin_dir / tool.name
            if tool.name != "systemd-analyze" and not link.exists() and os.access(tool, os.X_OK):
                link.symlink_to(tool)
    return str(bin_dir)


def test_copy_message_lists_the_written_unit_files(tmp_path: Path) -> None:
    result = copy_cli(tmp_path / "project", "restart_method=systemd_flag")
    assert result.returncode == 0, result.stderr
    for name in ("foo-bar.service", "foo-bar-restart.service", "foo-bar-restart.path"):
        assert f"  {OUTPUT_DIR}/{name}" in result.stderr.splitlines()


def test_copy_message_gives_the_commands_that_install_the_units(tmp_path: Path) -> None:
    result = copy_cli(tmp_path / "project")
    assert "  sudo systemctl daemon-reload" in result.stderr.splitlines()
    assert "  sudo systemctl enable foo-bar.service" in result.stderr.splitlines()


def test_copy_message_starts_the_service_only_after_a_release_is_unpacked(tmp_path: Path) -> None:
    lines = copy_cli(tmp_path / "project").stderr.splitlines()
    release = next(i for i, line in enumerate(lines) if line.startswith("Then unpack a release into /srv/foo-bar/releases"))
    assert lines.index("  sudo systemctl start foo-bar.service") > release
    assert not any("enable --now" in line for line in lines)


def test_copy_message_gives_the_exposure_that_systemd_analyze_scores(tmp_path: Path) -> None:
    require_tool("systemd-analyze")
    result = copy_cli(tmp_path / "project")
    score, _ = exposure(tmp_path / "project" / OUTPUT_DIR / "foo-bar.service")
    assert f"(systemd-analyze security --offline=yes): {score}" in result.stderr


def test_copy_without_systemd_analyze_succeeds_and_says_how_to_score(tmp_path: Path) -> None:
    result = copy_cli(tmp_path / "project", env={"PATH": path_without_systemd_analyze(tmp_path)})
    assert result.returncode == 0, result.stderr
    assert "Exposure: install systemd-analyze to score it" in result.stderr


def test_update_message_tells_how_to_find_conflict_markers(tmp_path: Path) -> None:
    template = snapshot_template(tmp_path / "template", "v1")
    project = new_project(tmp_path / "project")
    copied = copier_cli("copy", "--trust", "--defaults", "--vcs-ref", "v1", str(template), ".", cwd=project)
    assert copied.returncode == 0, copied.stderr
    commit_all(project, "copy")
    git(template, "commit", "-q", "--allow-empty", "-m", "v2")
    git(template, "tag", "v2")

    result = copier_cli("update", "--trust", "--defaults", "-a", ANSWERS_FILE, cwd=project)

    assert result.returncode == 0, result.stderr
    assert "  git grep -l --untracked -e '^<<<<<<< '" in result.stderr.splitlines()


def test_parse_exposure_reads_the_overall_line() -> None:
    report = "✗ UMask= ...\n\n→ Overall exposure level for foo-bar.service: 1.8 OK 🙂\n"
    assert parse_exposure(report) == "1.8 OK"


def test_exposure_without_the_tool_is_empty(tmp_path: Path) -> None:
    unit = tmp_path / "foo.service"
    unit.write_text("[Service]\nExecStart=/bin/true\n")
    assert exposure_of(unit, tool="no-such-systemd-analyze") == ""


def test_exposure_of_a_missing_unit_is_empty(tmp_path: Path) -> None:
    assert exposure_of(tmp_path / "missing.service") == ""


def test_exposure_of_a_unit_systemd_analyze_rejects_is_empty(tmp_path: Path) -> None:
    require_tool("systemd-analyze")
    unit = tmp_path / "foo.service"
    unit.write_text("[Service]\nExecStart=relative/path\n")
    assert exposure_of(unit) == ""


def test_copy_message_with_systemd_flag_says_who_touches_the_flag(tmp_path: Path) -> None:
    result = copy_cli(tmp_path / "project", "restart_method=systemd_flag", "deploy_user=deployer")
    assert result.returncode == 0, result.stderr
    assert "restart it by touching /srv/foo-bar/flags/restart.flag as deployer (or any member of foo-bar)." in result.stderr


def test_copy_message_installs_the_configuration_scripts(tmp_path: Path) -> None:
    result = copy_cli(tmp_path / "project", "systemd_version=252", 'config_strategies=["s3_sync"]')
    assert result.returncode == 0, result.stderr
    script = (
        "  sudo install -D -m 0755 -o root -g root rel/systemd/srv/foo-bar/bin/sync-config-s3 /srv/foo-bar/bin/sync-config-s3"
    )
    assert script in result.stderr.splitlines()


def test_the_copy_message_gives_the_deploy_script_for_releases(tmp_path: Path) -> None:
    message = after_copy(unit_view({"app_name": "foo_bar"}), tmp_path)
    assert "  sudo /srv/foo-bar/bin/deploy <app>-<vsn>.tar.gz" in message.splitlines()
    assert "bin/deploy" not in after_copy(unit_view({"app_name": "foo_bar", "deploy_script": False}), tmp_path)
