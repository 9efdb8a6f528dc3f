"""The install plan (install.py) and what it drives: the closing message, the install script, the docs."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pexpect
import pytest
import yaml
from jinja2 import Environment

from rendering import render_template, write_mix_exs
from system_tools import require_tool
from template_repo import ANSWERS_FILE, commit_all, new_project, snapshot_template
from terminal import CLEAR_LINE, PROMPT, spawn_copy
from unit_template.install import (
    PLACEMENTS,
    Rendered,
    install_items,
    install_plan,
    read_write_checks,
    rendered_files,
    shell_line,
    units_to_enable,
)
from unit_template.options import OPTIONS
from unit_template.packaging import links, package_files
from unit_template.questions import ask_condition
from unit_template.units import unit_view

ROOT = Path(__file__).resolve().parent.parent
COPIER = str(Path(sys.executable).parent / "copier")
SHELLCHECK = Path(sys.executable).parent / "shellcheck"
STEPS_HEADER = "or these steps (the same commands):"
V252 = {"systemd_version": 252}


def view(**answers):
    return unit_view({"app_name": "foo_bar", **answers})


def copy_cli(dst: Path, *data: str) -> subprocess.CompletedProcess[str]:
    (dst).mkdir(parents=True, exist_ok=True)
    (dst / "mix.exs").write_text('defmodule FooBar.MixProject do\n  def project, do: [app: :foo_bar, version: "0.1.0"]\nend\n')
    options = [arg for item in data for arg in ("--data", item)]
    return subprocess.run(
        [COPIER, "copy", "--trust", "--defaults", "--vcs-ref", "HEAD", *options, str(ROOT), str(dst)],
        capture_output=True,
        text=True,
        check=False,
    )


def block_after(lines: list[str], header: str) -> list[str]:
    start = lines.index(header) + 1
    block = []
    for line in lines[start:]:
        if not line.startswith("  "):
            break
        block.append(line.strip())
    return block


def steps_of(message: str) -> list[str]:
    """The printed steps up to the release, then the start ones, without sudo."""
    lines = message.splitlines()
    before = block_after(lines, STEPS_HEADER)
    release = next(line for line in lines if line.startswith("Then unpack a release"))
    return [c.removeprefix("sudo ") for c in before + block_after(lines, release) if c.startswith("sudo ")]


def project_files(dst: Path) -> set[str]:
    return {str(p.relative_to(dst)) for p in dst.rglob("*") if p.is_file() and p.name != "mix.exs"}


# --- the files -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "answers",
    [
        {},
        {**V252, "config_strategies": ["s3_sync", "ssm", "cloud_init", "credentials"], "credentials": ["a", "b"]},
        {"restart_method": "systemd_flag", "system_files": False, "eex_templates": False},
        {"output_dir": "deploy/units", "runtime_environment_service_script": "env.sh"},
    ],
)
def test_rendered_files_are_exactly_the_files_copier_writes(tmp_path: Path, answers) -> None:
    dst = render_template(tmp_path / "p", answers)
    assert {file.path for file in rendered_files(view(**answers))} == project_files(dst)


def test_every_configuration_script_is_installed_root_owned_and_executable_in_scripts_dir() -> None:
    strategies = {**V252, "config_strategies": ["s3_sync", "ssm", "cloud_init"]}
    items = [item for item in install_plan(view(**strategies)).items if item.kind == "script"]
    assert [(item.target, item.mode, item.owner) for item in items] == [
        (f"/srv/foo-bar/bin/{name}", "0755", "root")
        for name in ("cloud-init-environment", "deploy", "sync-config-s3", "sync-config-ssm")
    ]


def test_a_file_under_the_staging_root_that_no_row_claims_goes_where_the_staging_root_puts_it() -> None:
    v = view()
    files = [Rendered("rel/systemd/etc/foo/foo-bar.conf", False), Rendered(f"{v['output_dir']}/foo-bar.socket", False)]
    items = install_items(v, files)
    assert [(i.kind, i.target, i.mode) for i in items] == [
        ("file", "/etc/foo/foo-bar.conf", "0644"),
        ("unit", "/etc/systemd/system/foo-bar.socket", "0644"),
    ]
    assert units_to_enable(v, items) == ["foo-bar.service", "foo-bar.socket"]


def test_placements_name_view_entries() -> None:
    v = view()
    assert all(row.staged in v for row in PLACEMENTS.values())


# --- the steps -----------------------------------------------------------------------------------


def test_credentials_get_a_root_only_placeholder_before_the_units_and_never_overwritten() -> None:
    plan = install_plan(view(**V252, config_strategies=["credentials"], credentials=["db_password"]))
    commands = [shell_line(c) for c in plan.commands()]
    placeholder = "test -e /etc/foo-bar/db_password || install -m 0600 -o root -g root /dev/null /etc/foo-bar/db_password"
    assert any(placeholder in c for c in commands)
    assert commands.index(next(c for c in commands if placeholder in c)) < commands.index("systemctl daemon-reload")


def test_without_system_files_the_steps_create_users_and_dirs_with_shadow_tools() -> None:
    flag = view(system_files=False, restart_method="systemd_flag", deploy_user="deployer")
    commands = [shell_line(c) for c in install_plan(flag).users_and_dirs]
    assert any("useradd --system --gid foo-bar" in c for c in commands)
    assert not any("usermod" in c for c in commands)
    assert "install -d -m 0751 -o root -g foo-bar /srv/foo-bar/flags" in commands
    assert commands[-1] == (
        "sh -c 'test -e /srv/foo-bar/flags/restart.flag || "
        "install -m 0600 -o deployer -g root /dev/null /srv/foo-bar/flags/restart.flag'"
    )


def test_systemd_flag_gives_the_deploy_user_restart_flag_and_nothing_else() -> None:
    lines = view(restart_method="systemd_flag", deploy_user="deployer")["tmpfiles_lines"]
    assert [line for line in lines if "deployer" in line] == ["f /srv/foo-bar/flags/restart.flag 0600 deployer root -"]
    assert {line.split()[3] for line in lines if line.startswith("d ")} == {"root"}


def test_systemd_flag_restart_flag_without_a_deploy_user_is_the_app_groups() -> None:
    lines = view(restart_method="systemd_flag")["tmpfiles_lines"]
    assert "f /srv/foo-bar/flags/restart.flag 0660 root foo-bar -" in lines
    assert "d /srv/foo-bar/flags 0750 root foo-bar -" in lines


def test_the_restart_path_unit_is_started_at_install_before_any_release() -> None:
    plan = install_plan(view(restart_method="systemd_flag", deploy_user="deployer"))
    assert [shell_line(c) for c in plan.units[-2:]] == [
        "systemctl enable foo-bar.service foo-bar-restart.path",
        "systemctl start foo-bar-restart.path",
    ]
    assert install_plan(view()).units[-1] == ("systemctl", "enable", "foo-bar.service")


def test_the_package_starts_the_restart_path_unit_before_it_checks_the_secrets(tmp_path: Path) -> None:
    answers = {**V252, "packaging": True, "restart_method": "systemd_flag"}
    dst = render_template(tmp_path / "p", {**answers, "config_strategies": ["credentials"], "credentials": ["k"]})
    script = (dst / "rel/package/postinstall").read_text()
    assert script.index("systemctl start foo-bar-restart.path\n") < script.index("empty=")


def test_deploy_user_is_asked_in_a_plain_copy_when_restart_method_is_systemd_flag() -> None:
    assert yaml.safe_load((ROOT / "copier.yml").read_text())["deploy_user"]["ask"] == "{{ asked('deploy_user') }}"
    render = Environment().from_string(ask_condition("deploy_user", OPTIONS["deploy_user"])).render
    no_problem = {"asked_for_problem": lambda name: False}
    assert render(advanced=False, restart_method="systemd_flag", **no_problem) == "True"
    assert render(advanced=False, restart_method="systemctl", **no_problem) == "False"


def test_a_rename_stops_the_old_units_only_once_the_new_ones_are_installed() -> None:
    old, new = view(restart_method="systemd_flag"), view(restart_method="systemd_flag", service_name="baz")
    plan = install_plan(new, previous=old)
    steps = [shell_line(c) for c in plan.commands(update=True)]
    stop = steps.index("systemctl disable --now foo-bar.service foo-bar-restart.path")
    assert stop > steps.index("systemctl enable baz.service baz-restart.path")
    assert steps[stop + 1 :] == [
        *(shell_line(c) for c in plan.stop_old[1:]),
        "systemctl start baz.service baz-restart.path",
        "rm -f /srv/foo-bar/bin/foo-bar-node /etc/systemd/system/foo-bar-restart.path "
        "/etc/systemd/system/foo-bar-restart.service /etc/systemd/system/foo-bar.service",
        "systemctl daemon-reload",
    ]
    assert plan.remove_old == ()
    assert [shell_line(c) for c in plan.bring_back][::2] == [
        "systemctl disable --now baz.service baz-restart.path",
        "systemctl enable --now foo-bar.service foo-bar-restart.path",
    ]
    assert install_plan(new, previous=new).stop_old == ()


def test_a_rename_copies_the_configuration_first_and_moves_the_state_dir_after_the_stop() -> None:
    old = view(**V252, config_strategies=["credentials"], credentials=["k"], dirs=["state", "logs"])
    plan = install_plan(
        view(**V252, config_strategies=["credentials"], credentials=["k"], dirs=["state", "logs"], service_name="baz"), old
    )
    (carry,) = plan.carry
    assert "cp -a /etc/foo-bar /etc/baz" in carry[2]
    assert plan.commands(update=True)[0] == carry
    moves = [command[2] for command in plan.stop_old[1:]]
    assert ["mv /var/lib/foo-bar /var/lib/baz" in moves[0], "mv /var/log/foo-bar /var/log/baz" in moves[1]] == [True, True]


def test_a_deploy_dir_change_moves_the_releases_their_history_and_current(tmp_path: Path) -> None:
    # The deploy script's releases/.history moves too: left behind, `deploy rollback` found no
    # earlier release and the next deploy pruned the moved ones.
    old, new = view(base_dir=str(tmp_path / "srv")), view(base_dir=str(tmp_path / "opt"))
    releases = Path(old["releases_dir"])
    for name in ("0.1.0", "0.2.0"):
        (releases / name / "bin").mkdir(parents=True)
    (releases / ".history").write_text("0.1.0\n0.2.0\n")
    Path(old["current_dir"]).symlink_to(releases / "0.2.0")
    Path(new["releases_dir"]).mkdir(parents=True)  # made by systemd-tmpfiles, a step before
    (move,) = install_plan(new, previous=old).move_release
    subprocess.run(move, check=True)
    moved = Path(new["releases_dir"])
    assert sorted(path.name for path in moved.iterdir()) == [".history", "0.1.0", "0.2.0"]
    assert (moved / ".history").read_text() == "0.1.0\n0.2.0\n"
    assert list(releases.iterdir()) == []
    assert os.readlink(new["current_dir"]) == str(moved / "0.2.0")


def test_a_deploy_dir_change_says_the_scripts_moved_not_that_they_are_gone() -> None:
    from unit_template.messages import after_update

    message = after_update(view(base_dir="/opt"), Path("."), view())
    assert "The scripts moved with the deploy dir: the steps remove the old copies first (/srv/foo-bar/bin/" in message
    assert "Scripts are gone" not in message


# --- the message, the script and the docs: one plan ------------------------------------------------


def test_copy_message_names_every_file_written(tmp_path: Path) -> None:
    dst = tmp_path / "project"
    result = copy_cli(dst, "systemd_version=252", 'config_strategies=["s3_sync", "credentials"]', 'credentials=["k"]')
    assert result.returncode == 0, result.stderr
    lines = result.stderr.splitlines()
    listed = set(block_after(lines, next(line for line in lines if line.startswith("Wrote the systemd units"))))
    assert listed == project_files(dst)
    assert {
        "rel/install-systemd",
        "rel/templates/systemd/systemd.service.eex",
        "rel/systemd/srv/foo-bar/bin/sync-config-s3",
    } <= listed


def test_install_script_dry_run_prints_exactly_the_printed_steps(tmp_path: Path) -> None:
    dst = tmp_path / "project"
    result = copy_cli(dst, "systemd_version=252", 'config_strategies=["ssm", "credentials"]', 'credentials=["k"]')
    assert result.returncode == 0, result.stderr
    dry = subprocess.run(["sh", str(dst / "rel/install-systemd"), "--dry-run"], capture_output=True, text=True, check=False)
    assert dry.returncode == 0, dry.stderr
    ran = [line.removeprefix("+ ") for line in dry.stdout.splitlines() if line.startswith("+ ")]
    printed = steps_of(result.stderr)
    # The script stops before the start: there is no release here, and it says so.
    assert ran == printed[: len(ran)] and printed[len(ran) :] == ["systemctl start foo-bar.service"]
    assert "no release yet" in dry.stdout


def test_an_update_adding_a_secret_prints_the_restart_only_after_the_secret_is_written() -> None:
    """The install script stops before the restart while a secret file is empty (exit 3); the steps
    printed restarted the service first and said to write the secret after."""
    from unit_template.messages import RESTART_AFTER_SECRETS, after_update

    now = view(config_strategies=["environment_file", "credentials"], credentials=["db_password"])
    lines = after_update(now, Path("/nonexistent"), view()).splitlines()
    installing = block_after(lines, STEPS_HEADER)
    secret = lines.index("Write each secret into its file before the first start (the steps leave an empty, root-only file):")
    restart = lines.index(RESTART_AFTER_SECRETS)
    assert lines.index(STEPS_HEADER) < secret < restart
    assert "sudo systemctl try-restart foo-bar.service" not in installing
    assert any("/etc/foo-bar/db_password" in step for step in installing)
    assert block_after(lines, RESTART_AFTER_SECRETS) == ["sudo systemctl try-restart foo-bar.service"]


def with_a_conflict(path: Path, before: str) -> None:
    """The markers copier update leaves where a local edit meets a change of the template, before line `before`."""
    text = path.read_text()
    assert before in text, f"{before!r} not in {path}"
    block = "<<<<<<< before updating\n# a local line\n=======\n# the template's new line\n>>>>>>> after updating\n"
    path.write_text(text.replace(before, block + before, 1))


def test_an_install_script_left_with_conflict_markers_runs_nothing(tmp_path: Path) -> None:
    """sh runs a script line by line: before, every command above the markers ran, then a syntax error stopped it."""
    dst = render_template(tmp_path / "p", V252)
    with_a_conflict(dst / "rel/install-systemd", "# The units.\n")
    dry = subprocess.run(["sh", "rel/install-systemd", "--dry-run"], cwd=dst, capture_output=True, text=True, check=False)
    assert (dry.returncode, dry.stdout) == (65, "")
    assert dry.stderr == (
        "install-systemd: rel/install-systemd has conflict markers from copier update:"
        " resolve them in the project (docs/updating.md), then run this again\n"
    )


def test_install_script_dry_run_says_it_installed_nothing(tmp_path: Path) -> None:
    dst = render_template(tmp_path / "p", {**V252, "config_strategies": ["credentials"], "credentials": ["k"]})
    dry = subprocess.run(["sh", str(dst / "rel/install-systemd"), "--dry-run"], capture_output=True, text=True, check=False)
    said = [line for line in (dry.stdout + dry.stderr).splitlines() if line.startswith("install-systemd: ")]
    assert len(said) == 2 and all("dry run, nothing changed" in line for line in said), said
    assert not any("installed;" in line or "installed," in line for line in said), said


def test_install_script_warns_about_a_read_write_path_that_does_not_exist(tmp_path: Path) -> None:
    """systemd skips it (ReadWritePaths=-...): the service starts, but the app cannot write there."""
    missing = tmp_path / "missing"
    dst = render_template(tmp_path / "p", {"read_write_paths": [str(missing), str(tmp_path)]})
    dry = subprocess.run(["sh", str(dst / "rel/install-systemd"), "--dry-run"], capture_output=True, text=True, check=False)
    assert dry.returncode == 0, dry.stderr
    warned = [line for line in dry.stderr.splitlines() if "read_write_paths" in line]
    assert warned == [
        f"install-systemd: read_write_paths {missing} does not exist: the app cannot write there until you create (or mount) it"
    ]


def test_read_write_checks_put_a_plus_path_under_the_chroot() -> None:
    paths = ["-/data", "+/up", "-+/srv/x"]
    assert read_write_checks(view(read_write_paths=paths)) == ["/data", "/up", "/srv/x"]
    chrooted = view(read_write_paths=paths, chroot=True, root_directory="/srv/jail")
    assert read_write_checks(chrooted) == ["/data", "/srv/jail/up", "/srv/jail/srv/x"]


def test_install_script_refuses_unknown_arguments_and_non_root(tmp_path: Path) -> None:
    dst = render_template(tmp_path / "p", {})
    script = str(dst / "rel/install-systemd")
    assert subprocess.run(["sh", script, "--now"], capture_output=True, check=False).returncode == 64
    if os.geteuid() == 0:
        # As nobody, from a copy nobody can read (pytest's tmp dirs are root-only).
        readable = Path(tempfile.mkdtemp(prefix="install-script-"))
        try:
            (readable / "rel").mkdir()
            shutil.copy(script, readable / "rel")
            for path in (readable, readable / "rel", readable / "rel" / "install-systemd"):
                path.chmod(0o755)
            nobody = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
            done = subprocess.run(
                [*nobody, "sh", str(readable / "rel/install-systemd")], capture_output=True, text=True, check=False
            )
        finally:
            shutil.rmtree(readable)
    else:
        done = subprocess.run(["sh", script], capture_output=True, text=True, check=False)
    assert done.returncode == 77 and "sudo" in done.stderr


@pytest.mark.parametrize(
    "answers",
    [
        {},
        {**V252, "config_strategies": ["s3_sync", "ssm", "cloud_init", "credentials"], "credentials": ["a"]},
        {"restart_method": "systemd_flag", "system_files": False, "deploy_user": "d", "read_write_paths": ["/data", "-+/up"]},
    ],
)
def test_install_script_is_shellcheck_clean(tmp_path: Path, answers) -> None:
    require_tool(str(SHELLCHECK))
    dst = render_template(tmp_path / "p", answers)
    done = subprocess.run(
        [str(SHELLCHECK), "-s", "sh", str(dst / "rel/install-systemd")], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stdout


def copied_then(tmp_path: Path, *again: str, first: tuple[str, ...] = ()) -> tuple[Path, subprocess.CompletedProcess[str]]:
    """A copy (default, or with the options `first`), committed, then the copier command `again` in the
    project (the template is tmp_path/template): the project and what it printed."""
    template = snapshot_template(tmp_path / "template", "v1")
    project = new_project(tmp_path / "project")
    run = dict(capture_output=True, text=True, check=False, cwd=project)
    copied = subprocess.run([COPIER, "copy", "--trust", "--defaults", *first, "--vcs-ref", "v1", str(template), "."], **run)
    assert copied.returncode == 0, copied.stderr
    commit_all(project, "copy")
    done = subprocess.run([COPIER, *again], **run)
    assert done.returncode == 0, done.stderr
    return project, done


def test_a_second_copy_starts_from_the_recorded_answers_and_imports_nothing(tmp_path: Path) -> None:
    """copier copy reads no recorded answers (recopy does). Before, a second `copier copy --defaults` went back
    to the template's defaults (base_dir /srv: its steps moved the deploy dir on the server), and took the
    EEx templates the first copy wrote for the user's own ("kept your EEx templates", eex_templates false)."""
    again = ("copy", "--trust", "--defaults", "--overwrite", "--vcs-ref", "v1", str(tmp_path / "template"), ".")
    project, done = copied_then(tmp_path, *again, first=("--data", "base_dir=/opt"))
    recorded = yaml.safe_load((project / ANSWERS_FILE).read_text())
    assert (recorded["base_dir"], recorded["eex_templates"]) == ("/opt", True)
    assert "mix_systemd" not in done.stderr
    assert "moved" not in done.stderr and "git rm" not in done.stderr
    assert subprocess.run(["git", "status", "--porcelain"], cwd=project, capture_output=True, text=True).stdout == ""


def test_install_script_after_a_moved_deploy_dir_is_shellcheck_clean(tmp_path: Path) -> None:
    require_tool(str(SHELLCHECK))
    project, _ = copied_then(tmp_path, "update", "--trust", "--defaults", "--data", "base_dir=/opt", "-a", ANSWERS_FILE)
    script = project / "rel/install-systemd"
    assert "The deploy dir moved" in script.read_text()
    done = subprocess.run([str(SHELLCHECK), "-s", "sh", str(script)], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout


@pytest.fixture(scope="module")
def renamed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, subprocess.CompletedProcess[str]]:
    """A default copy, then an update to service_name baz."""
    update = ("update", "--trust", "--defaults", "--data", "service_name=baz", "-a", ANSWERS_FILE)
    return copied_then(tmp_path_factory.mktemp("renamed"), *update)


def test_install_script_after_a_rename_is_shellcheck_clean(renamed) -> None:
    require_tool(str(SHELLCHECK))
    script = renamed[0] / "rel/install-systemd"
    assert "bringing %s back" in script.read_text()
    done = subprocess.run([str(SHELLCHECK), "-s", "sh", str(script)], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout


def test_update_message_after_a_rename_says_what_moves_where_and_stops_the_old_service_late(renamed) -> None:
    updated = renamed[1]
    steps = [c.removeprefix("sudo ") for c in block_after(updated.stderr.splitlines(), STEPS_HEADER)]
    assert steps.index("systemctl disable --now foo-bar.service") > steps.index("systemctl enable baz.service")
    assert steps[-3:] == [
        "systemctl start baz.service",
        "rm -f /srv/foo-bar/bin/foo-bar-node /etc/systemd/system/foo-bar.service",
        "systemctl daemon-reload",
    ]
    assert "The service is renamed from foo-bar to baz." in updated.stderr
    assert "from /etc/foo-bar to /etc/baz where a file is missing or empty" in updated.stderr
    assert "moves /var/lib/foo-bar to /var/lib/baz (with the node's cookie)" in updated.stderr
    assert "sudo systemctl enable --now foo-bar.service" in block_after(
        updated.stderr.splitlines(),
        next(line for line in updated.stderr.splitlines() if line.startswith("If baz does not stay up")),
    )


@pytest.fixture(scope="module")
def recopied(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, subprocess.CompletedProcess[str]]:
    """A default copy, then `copier recopy` over it with service_name baz."""
    recopy = ("recopy", "--trust", "--defaults", "--overwrite", "--data", "service_name=baz", "-a", ANSWERS_FILE)
    return copied_then(tmp_path_factory.mktemp("recopied"), *recopy)


def test_a_recopy_that_renames_prints_the_steps_of_the_update_that_renames(renamed, recopied) -> None:
    """The install script, the same for both, switches from the running foo-bar to baz: the steps printed must too."""
    assert (recopied[0] / "rel/install-systemd").read_text() == (renamed[0] / "rel/install-systemd").read_text()
    updated, recopy = renamed[1].stderr.splitlines(), recopied[1].stderr.splitlines()
    assert block_after(recopy, STEPS_HEADER) == block_after(updated, STEPS_HEADER)
    assert any(line.startswith("The service is renamed from foo-bar to baz.") for line in recopy)
    back = next(line for line in updated if line.startswith("If baz does not stay up"))
    assert block_after(recopy, back) == block_after(updated, back)


def test_a_recopy_that_renames_names_the_earlier_files_it_leaves_in_the_project(recopied) -> None:
    project, recopy = recopied
    left = ["rel/systemd/lib/systemd/system/foo-bar.service", "rel/systemd/srv/foo-bar/bin/foo-bar-node"]
    assert all((project / path).is_file() for path in left)  # copier copy and recopy remove nothing
    lines = recopy.stderr.splitlines()
    header = next(line for line in lines if "no longer writes" in line)
    assert block_after(lines, header) == [f"git rm -- {' '.join(left)}"]
    done = subprocess.run(["git", "rm", "-q", "--", *left], cwd=project, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr


DOCS = ROOT / "docs" / "install.md"


def docs_block(title: str) -> list[str]:
    """The commands of the ```sh block after a docs/install.md line that starts with `title`."""
    text = DOCS.read_text()
    match = re.search(re.escape(title) + r".*?\n```sh\n(.*?)```", text, re.S)
    assert match, f"no ```sh block after {title!r} in {DOCS}"
    return [line for line in match.group(1).splitlines() if line and not line.startswith("#")]


def test_docs_install_steps_are_the_plan_of_a_default_copy() -> None:
    plan = install_plan(view())
    assert docs_block("<!-- plan: default copy -->") == [f"sudo {shell_line(c)}" for c in plan.commands()]


def test_docs_install_steps_with_every_strategy_are_the_plan() -> None:
    answers = {**V252, "config_strategies": ["environment_file", "s3_sync", "credentials"], "credentials": ["db_password"]}
    plan = install_plan(view(**answers))
    assert docs_block("<!-- plan: s3_sync and credentials -->") == [f"sudo {shell_line(c)}" for c in plan.commands()]


# --- packaging -------------------------------------------------------------------------------------

PACKAGE_SCRIPTS = ("postinstall", "preremove", "postremove", "build")


@pytest.mark.parametrize(
    "answers",
    [
        {"packaging": True},
        {**V252, "packaging": True, "config_strategies": ["ssm", "credentials"], "credentials": ["k"], "system_files": False},
        {**V252, "packaging": True, "listen_sockets": ["127.0.0.1:4000"]},
    ],
)
def test_package_scripts_are_shellcheck_clean(tmp_path: Path, answers) -> None:
    require_tool(str(SHELLCHECK))
    dst = render_template(tmp_path / "p", answers)
    scripts = [str(dst / "rel/package" / name) for name in PACKAGE_SCRIPTS]
    done = subprocess.run([str(SHELLCHECK), "-s", "sh", *scripts], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout


def test_the_package_build_packs_no_file_left_with_conflict_markers(tmp_path: Path) -> None:
    """A maintainer script or a unit with them would reach every server the package is installed on."""
    dst = render_template(tmp_path / "p", {**V252, "packaging": True})
    with_a_conflict(dst / "rel/package/postinstall", "systemctl daemon-reload\n")
    with_a_conflict(dst / "rel/systemd/lib/systemd/system/foo-bar.service", "[Service]\n")
    done = subprocess.run(["sh", "rel/package/build"], cwd=dst, capture_output=True, text=True, check=False)
    assert (done.returncode, done.stdout) == (1, "")
    assert done.stderr == (
        "build: conflict markers from copier update in rel/package/postinstall rel/systemd/lib/systemd/system/foo-bar.service:"
        " resolve them in the project (docs/updating.md), then run this again\n"
    )


def test_package_ships_nothing_in_srv_and_links_the_scripts_and_release_there() -> None:
    v = view(**V252, packaging=True, config_strategies=["cloud_init"])
    plan = install_plan(v)
    assert not [f["dst"] for f in package_files(v, plan) if f["dst"].startswith("/srv/")]
    assert links(v, plan) == [
        ("/usr/lib/foo-bar/release", "/srv/foo-bar/current"),
        ("/usr/lib/foo-bar/bin/cloud-init-environment", "/srv/foo-bar/bin/cloud-init-environment"),
        ("/usr/lib/foo-bar/bin/deploy", "/srv/foo-bar/bin/deploy"),
    ]


def upgrade_branch(dst: Path) -> list[str]:
    """The postinstall's lines from the first install/upgrade branch on (after daemon-reload)."""
    lines = (dst / "rel/package/postinstall").read_text().splitlines()
    return lines[lines.index('if [ "$action" = install ]; then', lines.index("systemctl daemon-reload")) :]


def test_a_package_upgrade_restarts_a_running_service_overlapped_and_a_stopped_one_by_systemctl(tmp_path: Path) -> None:
    dst = render_template(tmp_path / "p", {**V252, "packaging": True, "listen_sockets": ["127.0.0.1:4000"]})
    branch = upgrade_branch(dst)
    overlapped = "elif systemctl is-enabled --quiet foo-bar.service && systemctl is-active --quiet foo-bar.service; then"
    plain = "elif systemctl is-enabled --quiet foo-bar.service; then"
    assert branch.index(overlapped) < branch.index(plain)
    deploy = branch[branch.index(overlapped) + 1 :]
    assert deploy[deploy.index("    /usr/lib/foo-bar/bin/deploy restart ||") + 1].lstrip().startswith("printf ")
    assert branch[branch.index(plain) + 1].startswith("    systemctl restart foo-bar.service || printf ")


@pytest.mark.parametrize("answers", [{"listen_sockets": ["127.0.0.1:4000"], "overlap": False}, {}])
def test_a_package_upgrade_without_overlap_stops_then_starts_the_service(tmp_path: Path, answers) -> None:
    dst = render_template(tmp_path / "p", {**V252, "packaging": True, **answers})
    branch = upgrade_branch(dst)
    assert not [line for line in branch if "deploy" in line]
    assert branch[branch.index("elif systemctl is-enabled --quiet foo-bar.service; then") + 1].startswith(
        "    systemctl restart foo-bar.service || printf "
    )


def test_packaging_is_not_asked() -> None:
    # Unless the import could not take it: then it is asked, as every such question.
    assert ask_condition("packaging", OPTIONS["packaging"]) == "{{ (false) or asked_for_problem('packaging') }}"
    maintainer = ask_condition("package_maintainer", OPTIONS["package_maintainer"])
    assert maintainer == "{{ (advanced and packaging) or asked_for_problem('package_maintainer') }}"


# --- an interactive copy that picks systemd_flag is asked for the deploy user ----------------------

DOWN = "\x1b[B"


def test_an_interactive_copy_with_systemd_flag_asks_for_deploy_user_and_gives_it_the_flags_dir(tmp_path: Path) -> None:
    dst = tmp_path / "foo_bar"
    write_mix_exs(dst)
    child = spawn_copy(dst)
    asked: list[str] = []
    while child.expect([PROMPT, pexpect.EOF]) == 0:
        prompt = child.match.group(1).strip()
        if asked and asked[-1] == prompt:
            continue  # the same question, drawn again
        asked.append(prompt)
        if prompt.startswith("restart_method: "):
            child.send(DOWN + "\r")
        elif "deploy_user: " in prompt:
            child.send(CLEAR_LINE + "deployer\r")
        else:
            child.send("\r")
    child.close()
    log = (tmp_path / "terminal.log").read_text()
    assert child.exitstatus == 0, log
    assert any("deploy_user: " in p for p in asked), asked
    tmpfiles = (dst / "rel/systemd/lib/tmpfiles.d/foo-bar.conf").read_text()
    assert "f /srv/foo-bar/flags/restart.flag 0600 deployer root -" in tmpfiles.splitlines()
    sysusers = (dst / "rel/systemd/lib/sysusers.d/foo-bar.conf").read_text().splitlines()
    assert 'u deployer - "foo-bar deploy user"' in sysusers


def test_units_gone_without_a_rename_restart_the_running_service_with_its_new_unit() -> None:
    # restart_method systemd_flag -> systemctl: the path unit goes, the service's own unit changes too.
    plan = install_plan(view(), previous=view(restart_method="systemd_flag"))
    steps = [shell_line(c) for c in plan.commands(update=True)]
    assert steps[0] == "systemctl disable --now foo-bar-restart.path"
    assert steps[-2:] == ["systemctl try-restart foo-bar.service", "systemctl start foo-bar.service"]


def test_a_socket_on_new_addresses_stops_the_service_with_it_then_starts_both() -> None:
    old = view(listen_sockets=["127.0.0.1:4000"])
    plan = install_plan(view(listen_sockets=["127.0.0.1:4001"]), previous=old)
    steps = [shell_line(c) for c in plan.commands(update=True)]
    assert steps[-3:] == [
        "systemctl enable foo-bar.service foo-bar.socket",
        "systemctl stop foo-bar.service foo-bar-overlap.service foo-bar.socket",
        "systemctl start foo-bar.service foo-bar.socket",
    ]
    unchanged = install_plan(old, previous=old)
    assert not unchanged.socket_changed
    assert "systemctl stop" not in " ".join(shell_line(c) for c in unchanged.commands(update=True))


def test_the_update_message_says_why_a_new_socket_address_stops_the_service() -> None:
    from unit_template.messages import after_update

    message = after_update(view(listen_sockets=["127.0.0.1:4001"]), Path("."), view(listen_sockets=["127.0.0.1:4000"]))
    assert "foo-bar.socket listens on 127.0.0.1:4001 now" in message
    assert "connections are refused for that moment" in message


def test_the_install_script_stops_the_service_with_a_socket_whose_installed_file_differs(tmp_path: Path) -> None:
    done = copy_cli(tmp_path / "p", 'listen_sockets=["127.0.0.1:4000"]')
    assert done.returncode == 0, done.stderr
    script = (tmp_path / "p" / "rel" / "install-systemd").read_text()
    detect = script.index('if [ -e "$2" ] && ! cmp -s "$1" "$2"; then\n    socket_changed=true')
    stop = script.index("run 'systemctl stop foo-bar.service foo-bar-overlap.service foo-bar.socket'")
    assert detect < script.index("# The units.") < stop < script.index("if systemctl is-active --quiet foo-bar.service; then")


def test_a_package_removal_stops_the_overlap_vm_too(tmp_path: Path) -> None:
    dst = render_template(tmp_path / "p", {**V252, "packaging": True, "listen_sockets": ["127.0.0.1:4000"]})
    preremove = (dst / "rel/package/preremove").read_text()
    assert "    systemctl stop foo-bar.service foo-bar.socket foo-bar-overlap.service || true\n" in preremove
    assert "systemctl disable foo-bar.service foo-bar.socket || true\n" in preremove


def test_system_files_turned_off_removes_their_sysusers_and_tmpfiles_files_on_the_server() -> None:
    # Before, only the repo's copies went: systemd kept applying /etc/tmpfiles.d/foo-bar.conf at every boot.
    from unit_template.messages import after_update

    plan = install_plan(view(system_files=False), previous=view())
    assert plan.remove_old == (("rm", "-f", "/etc/sysusers.d/foo-bar.conf", "/etc/tmpfiles.d/foo-bar.conf"),)
    message = after_update(view(system_files=False), Path("."), view())
    files = "/etc/sysusers.d/foo-bar.conf, /etc/tmpfiles.d/foo-bar.conf"
    assert f"Files are gone: the steps remove the old ones first ({files})." in message
    assert "  sudo rm -f /etc/sysusers.d/foo-bar.conf /etc/tmpfiles.d/foo-bar.conf" in message.splitlines()


def test_a_script_the_answers_no_longer_render_is_removed_on_the_server() -> None:
    plan = install_plan(view(distribution="none"), previous=view())
    assert plan.remove_old == (("rm", "-f", "/srv/foo-bar/bin/foo-bar-node"),)
    assert plan.restart == (("systemctl", "try-restart", "foo-bar.service"),)
    from unit_template.messages import after_update

    message = after_update(view(distribution="none"), Path("."), view())
    assert "Scripts are gone: the steps remove the old ones first (/srv/foo-bar/bin/foo-bar-node)." in message
    assert "  sudo rm -f /srv/foo-bar/bin/foo-bar-node" in message.splitlines()
