"""What copier prints after a copy or an update (on stderr): files, next commands, exposure score."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from rendering import OUTPUT_DIR, write_mix_exs
from system_tools import exposure, require_tool
from template_repo import ANSWERS_FILE, commit_all, git, new_project, snapshot_template
from unit_template.install import install_plan
from unit_template.messages import APP_SIDE_DOCS, DOCS_URL, after_copy, after_update, parse_exposure
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


def copied_with_a_newer_version(tmp_path: Path) -> Path:
    """A project with the template's v1 copied and committed; the template has a v2 to update to."""
    template = snapshot_template(tmp_path / "template", "v1")
    project = new_project(tmp_path / "project")
    copied = copier_cli("copy", "--trust", "--defaults", "--vcs-ref", "v1", str(template), ".", cwd=project)
    assert copied.returncode == 0, copied.stderr
    commit_all(project, "copy")
    git(template, "commit", "-q", "--allow-empty", "-m", "v2")
    git(template, "tag", "v2")
    return project


def test_update_message_tells_how_to_find_conflict_markers(tmp_path: Path) -> None:
    project = copied_with_a_newer_version(tmp_path)

    # An update that changes a file (one that changes none says so, and gives no steps).
    result = copier_cli("update", "--trust", "--defaults", "-a", ANSWERS_FILE, "-d", "limit_nofile=4096", cwd=project)

    assert result.returncode == 0, result.stderr
    assert "  git grep -l --untracked -e '^<<<<<<< '" in result.stderr.splitlines()


RELEASE_WARNING = "WARNING: the unit runs bin/shop, but `mix release` builds bin/foo_bar here (mix.exs:"


def test_a_copy_whose_unit_runs_a_release_mix_exs_does_not_build_warns(tmp_path: Path) -> None:
    project = new_project(tmp_path / "project")  # mix.exs: app: :foo_bar, no releases
    data = ("--data", "release_name=shop")
    result = copier_cli("copy", "--trust", "--defaults", "--vcs-ref", "HEAD", *data, str(ROOT), ".", cwd=project)
    assert result.returncode == 0, result.stderr
    assert RELEASE_WARNING in result.stderr
    fix = "  copier update --trust --defaults -a .copier-answers.systemd.yml --data release_name=foo_bar"
    assert result.stderr.splitlines()[result.stderr.splitlines().index(fix) + 1] == "(or add a shop release to mix.exs)."


def test_a_copy_that_runs_the_release_mix_builds_gives_no_release_warning(tmp_path: Path) -> None:
    project = new_project(tmp_path / "project")
    result = copier_cli("copy", "--trust", "--defaults", "--vcs-ref", "HEAD", str(ROOT), ".", cwd=project)
    assert result.returncode == 0, result.stderr
    assert "WARNING: the unit runs" not in result.stderr


def app_renamed_in_mix_exs(tmp_path: Path) -> Path:
    """A copy committed, then the app renamed to shop in mix.exs (not in the answers) and committed."""
    project = copied_with_a_newer_version(tmp_path)
    write_mix_exs(project, "shop")
    commit_all(project, "rename the app")
    return project


def test_an_update_after_the_app_was_renamed_in_mix_exs_warns_though_no_file_changes(tmp_path: Path) -> None:
    project = app_renamed_in_mix_exs(tmp_path)

    result = copier_cli("update", "--trust", "--defaults", "-a", ANSWERS_FILE, cwd=project)

    assert result.returncode == 0, result.stderr
    assert "This update changed none of the files of foo_bar" in result.stderr
    assert "WARNING: the unit runs bin/foo_bar, but `mix release` builds bin/shop here (mix.exs:" in result.stderr


def test_the_update_the_warning_and_docs_updating_give_after_an_app_rename_runs_the_new_release(tmp_path: Path) -> None:
    project = app_renamed_in_mix_exs(tmp_path)
    warned = copier_cli("update", "--trust", "--defaults", "-a", ANSWERS_FILE, cwd=project).stderr.splitlines()
    at = next(index for index, line in enumerate(warned) if line.startswith("WARNING: the unit runs"))
    assert warned[at + 1].endswith("To run the release mix builds, commit, then:")
    command = warned[at + 2].strip()
    alternatives = "(--data app_name=shop, which renames the service and its paths too, or add a foo_bar release to mix.exs)."
    assert warned[at + 3] == alternatives
    assert command == "copier update --trust --defaults -a .copier-answers.systemd.yml --data release_name=shop"
    assert f"`{command}`" in (ROOT / "docs/updating.md").read_text()
    commit_all(project, "update")

    result = subprocess.run(
        command,
        shell=True,
        cwd=project,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "PATH": f"{Path(COPIER).parent}{os.pathsep}{os.environ['PATH']}"},
    )

    assert result.returncode == 0, result.stderr
    assert "WARNING: the unit runs" not in result.stderr
    assert "ExecStart=/srv/foo-bar/current/bin/shop start" in (project / OUTPUT_DIR / "foo-bar.service").read_text().splitlines()


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
    said = "touch /srv/foo-bar/flags/restart.flag as deployer (no sudo; it may do nothing else)."
    assert said in result.stderr


def test_copy_message_installs_the_configuration_scripts(tmp_path: Path) -> None:
    result = copy_cli(tmp_path / "project", "systemd_version=252", 'config_strategies=["s3_sync"]')
    assert result.returncode == 0, result.stderr
    script = (
        "  sudo install -D -m 0755 -o root -g root rel/systemd/srv/foo-bar/bin/sync-config-s3 /srv/foo-bar/bin/sync-config-s3"
    )
    assert script in result.stderr.splitlines()


def test_the_copy_message_gives_the_deploy_script_for_releases(tmp_path: Path) -> None:
    message = after_copy(unit_view({"app_name": "foo_bar"}), tmp_path)
    assert '  sudo /srv/foo-bar/bin/deploy "$(ls -t foo_bar-*.tar.gz | head -n 1)"' in message.splitlines()
    assert "bin/deploy" not in after_copy(unit_view({"app_name": "foo_bar", "deploy_script": False}), tmp_path)


APP_SIDE_ANSWERS = {
    "app_name": "foo_bar",
    "systemd_version": 252,
    "service_type": "notify",
    "watchdog_sec": "30s",
    "config_strategies": ["environment_file", "credentials"],
    "credentials": ["db_password"],
    "listen_sockets": ["127.0.0.1:4000"],
    "restart_method": "systemd_flag",
}
MESSAGE_CASES = {"defaults": {"app_name": "foo_bar"}, "app side": APP_SIDE_ANSWERS}


def command_lines(message: str, answers: dict) -> list[str]:
    """The lines a closing message presents as commands: indented, other than the files it lists."""
    written = set(install_plan(unit_view(answers), None).written)
    return [line[2:] for line in message.splitlines() if line.startswith("  ") and line[2:] not in written]


@pytest.mark.parametrize("case", sorted(MESSAGE_CASES))
@pytest.mark.parametrize("message_of", [after_copy, after_update], ids=["copy", "update"])
def test_every_command_line_of_the_closing_message_can_be_pasted_into_sh(case, message_of, tmp_path: Path) -> None:
    """No remark in a command line, no <placeholder> (sh would read it as a redirection)."""
    answers = MESSAGE_CASES[case]
    commands = command_lines(message_of(unit_view(answers), tmp_path), answers)
    assert len(commands) >= 3
    for command in commands:
        parsed = subprocess.run(["sh", "-n", "-c", command], capture_output=True, text=True, check=False)
        assert parsed.returncode == 0, f"{command}: {parsed.stderr}"
        assert not re.search(r"<[\w-]+>", command), command


def test_the_deploy_command_as_printed_takes_the_newest_tarball_where_it_is_run(tmp_path: Path) -> None:
    message = after_copy(unit_view({"app_name": "foo_bar"}), tmp_path)
    line = next(c for c in command_lines(message, {"app_name": "foo_bar"}) if c.startswith("sudo /srv/foo-bar/bin/deploy "))
    for age, name in enumerate(["foo_bar-0.2.0.tar.gz", "foo_bar-0.1.0.tar.gz"]):
        (tmp_path / name).write_text("")
        os.utime(tmp_path / name, (1_000_000 - age, 1_000_000 - age))
    # sudo and the deploy script stand in as echo: what the script would get as its argument.
    run = subprocess.run(["sh", "-c", f"sudo() {{ shift; echo \"$@\"; }}; {line}"], cwd=tmp_path, capture_output=True, text=True)
    assert run.stdout.strip() == "foo_bar-0.2.0.tar.gz", run.stderr


def github_anchors(page: Path) -> set[str]:
    """The anchors GitHub gives the headings of a Markdown page."""
    headings = re.findall(r"^#+ (.+)$", page.read_text(), re.M)
    return {re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-") for heading in headings}


def test_the_closing_message_says_what_the_app_must_do_for_the_answers_given(tmp_path: Path) -> None:
    message = after_copy(unit_view(APP_SIDE_ANSWERS), tmp_path)
    for needle in ("READY=1 to $NOTIFY_SOCKET", "WATCHDOG=1 at least every 30s", "fd 3", "$CREDENTIALS_DIRECTORY"):
        assert needle in message
    for link in APP_SIDE_DOCS.values():
        assert f"{DOCS_URL}/{link}" in message
    assert "Your app must do its part" not in after_copy(unit_view({"app_name": "foo_bar"}), tmp_path)


def test_the_closing_message_says_what_the_app_must_do_after_an_update_too(tmp_path: Path) -> None:
    message = after_update(unit_view({**APP_SIDE_ANSWERS, "service_type": "simple"}), tmp_path)
    assert "fd 3" in message and "$CREDENTIALS_DIRECTORY" in message
    assert "READY=1" not in message


@pytest.mark.parametrize("link", sorted(APP_SIDE_DOCS.values()))
def test_the_app_side_links_point_at_sections_that_exist(link: str) -> None:
    page, anchor = link.split("#")
    assert anchor in github_anchors(ROOT / "docs" / page)


def test_a_port_given_as_a_yaml_number_is_named_in_the_closing_message(tmp_path: Path) -> None:
    """`--data 'listen_sockets=[4000]'` is a list of one number: the message printed it with a TypeError."""
    result = copy_cli(tmp_path / "project", "listen_sockets=[4000]")
    assert result.returncode == 0, result.stderr
    assert "instead of binding 4000 itself" in result.stderr
    assert "ListenStream=4000" in (tmp_path / "project" / OUTPUT_DIR / "foo-bar.socket").read_text().splitlines()


def test_a_copy_over_an_earlier_copy_restarts_the_running_service_as_its_install_script_does(tmp_path: Path) -> None:
    """With answers committed before (copier copy again, copier recopy), the server runs that copy's service:
    the install script restarts it with the new files, and the steps printed must too (not start it, a no-op)."""
    earlier, now = unit_view({"app_name": "foo_bar"}), unit_view({"app_name": "foo_bar", "hardening": "strict"})
    lines = after_copy(now, tmp_path, earlier).splitlines()
    steps = [line.strip() for line in lines[lines.index("or these steps (the same commands):") + 1 :] if line.startswith("  ")]
    assert steps[-1] == "sudo systemctl try-restart foo-bar.service"
    assert not any(line.startswith("Then unpack a release") for line in lines)
    assert lines[0] == "Wrote the systemd units of foo_bar (strict hardening) over the earlier copy's:"


def test_a_first_copy_message_starts_the_service_once_a_release_is_there(tmp_path: Path) -> None:
    lines = after_copy(unit_view({"app_name": "foo_bar"}), tmp_path, None).splitlines()
    assert any(line.startswith("Then unpack a release") for line in lines)
    assert "  sudo systemctl start foo-bar.service" in lines


def test_copy_with_pretend_says_nothing_was_written_and_scores_nothing(tmp_path: Path) -> None:
    dst = tmp_path / "project"
    flags = ("--trust", "--defaults", "--pretend", "--data", "app_name=foo_bar", "--vcs-ref", "HEAD")
    result = copier_cli("copy", *flags, str(ROOT), str(dst), cwd=ROOT)
    assert result.returncode == 0, result.stderr
    assert not (dst / ANSWERS_FILE).exists()
    assert "--pretend: nothing was written. Without it, copier would write these files:" in result.stderr.splitlines()
    assert "Exposure: not scored (--pretend wrote no unit to score)." in result.stderr.splitlines()
    assert not any(line.startswith("Wrote the systemd units") for line in result.stderr.splitlines())


def test_a_refused_copy_with_pretend_writes_no_answers_file_and_prints_the_answers(tmp_path: Path) -> None:
    dst = tmp_path / "project"
    result = copier_cli("copy", "--trust", "--defaults", "--pretend", "--vcs-ref", "HEAD", str(ROOT), str(dst), cwd=ROOT)
    assert result.returncode != 0
    assert "app_name: must be an Elixir app name" in result.stderr
    assert list(tmp_path.iterdir()) == []
    assert "Your answers, ready for --data-file:" in result.stderr


def test_a_copy_with_its_own_answers_file_names_it_and_its_update_command_works(tmp_path: Path) -> None:
    """copier copy -a <file>: the message lists that file and gives the update that reads it; run as printed."""
    template = snapshot_template(tmp_path / "template", "v1")
    project = new_project(tmp_path / "project")
    flags = ("--trust", "--defaults", "-a", ".copier/systemd.yml", "--vcs-ref", "v1")
    copied = copier_cli("copy", *flags, str(template), ".", cwd=project)
    assert copied.returncode == 0, copied.stderr
    lines = copied.stderr.splitlines()
    assert "  .copier/systemd.yml" in lines and "  .copier-answers.systemd.yml" not in lines
    update = lines[lines.index("Later template versions, in this project:") + 1].strip()
    assert update == "copier update --trust -a .copier/systemd.yml"
    commit_all(project, "copy")
    git(template, "commit", "-q", "--allow-empty", "-m", "v2")
    git(template, "tag", "v2")
    as_printed = [*update.replace("copier", COPIER, 1).split(), "--defaults", "-d", "limit_nofile=4096"]
    updated = subprocess.run(as_printed, cwd=project, capture_output=True, text=True, check=False)
    assert updated.returncode == 0, updated.stderr
    assert "  .copier/systemd.yml" in updated.stderr.splitlines()


def test_the_message_names_the_hardening_lines_an_old_systemd_version_leaves_out(tmp_path: Path) -> None:
    """Before, systemd_version 230 with strict hardening dropped 21 of its lines, ProtectSystem=strict
    among them, and the message still said "strict hardening" with no word of it."""
    done = copy_cli(tmp_path / "old", "systemd_version=230", "hardening=strict")
    assert done.returncode == 0, done.stderr
    note = next(line for line in done.stderr.splitlines() if line.startswith("At systemd_version 230"))
    assert "strict hardening leaves out 21 newer lines:" in note and "ProtectSystem=strict (232)" in note
    done = copy_cli(tmp_path / "new", "systemd_version=255", "hardening=strict")
    assert done.returncode == 0, done.stderr
    assert "leaves out" not in done.stderr
