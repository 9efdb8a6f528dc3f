"""An update that renames the service, installed on a server that runs the old one (issue 18, item 3).

The user's path, literally: a project copied, installed by its script, configured (PORT only in
the environment file, a secret written), a release deployed; then, in a pseudo-terminal,
`copier update --trust -a .copier-answers.systemd.yml --data service_name=<new>` with every
question's recorded answer taken (Enter), and `sudo rel/install-systemd` from a new checkout.
"""

from __future__ import annotations

import json
import shlex
import time
from pathlib import Path
from typing import Any

import pexpect
import pytest

from template_repo import ANSWERS_FILE, commit_all, new_project, snapshot_template
from terminal import PROMPT, spawn_copier
from unit_template.resolve import resolve

from .conftest import DISTRIBUTION_PORT_OFFSET, PORTS
from .deploy import InstalledUnits, checkout, printed_script, run_install_script, unpack_release
from .test_printed_commands import app_units, copier_cli, data_args, served_info

pytestmark = pytest.mark.e2e

SECRET = "rename secret"
CASES = {
    "environment_file": {"config_strategies": ["environment_file"]},
    "credentials": {"config_strategies": ["environment_file", "credentials"], "credentials": ["db_password"]},
}
# The renamed service's own variables: its VM halts at boot (the test app's E2E_BOOT_GATE).
NEVER_STARTS = json.dumps(["E2E_BOOT_GATE=/run/never-there", "E2E_BOOT_FAIL=halt"])


def update_in_terminal(project: Path, *data: str) -> str:
    """`copier update --trust -a <answers> --data ...` as typed, Enter at every question; what it showed."""
    args = ["update", "--trust", "-a", ANSWERS_FILE, *(arg for item in data for arg in ("--data", item))]
    log = project.parent / "terminal.log"
    child = spawn_copier(args, log, cwd=project)
    try:
        while child.expect([pexpect.EOF, PROMPT], timeout=120) == 1:
            time.sleep(0.2)  # keys come after the prompt is drawn, as a person's do
            child.send("\r")
    except pexpect.TIMEOUT as error:
        raise AssertionError(log.read_text()) from error
    child.close()
    child.logfile_read.close()
    assert child.exitstatus == 0, log.read_text()
    return log.read_text()


def serving_old_service(box, release, tmp_path: Path, name: str, answers: dict[str, Any], port: int) -> tuple[Path, dict]:
    """Copy, install, configure (PORT in the environment file, the secrets), deploy, serve: the server before the rename."""
    template = snapshot_template(tmp_path / "template", "v1")
    project = new_project(tmp_path / "project", app=release.app)
    own = {"service_name": name, "deploy_dir": f"/srv/{name}", "distribution_port": port + DISTRIBUTION_PORT_OFFSET}
    answers = {**own, **answers}
    copied = copier_cli("copy", "--trust", "--defaults", "--vcs-ref", "v1", *data_args(answers), str(template), ".", cwd=project)
    commit_all(project, "copy")
    values = resolve({"app_name": release.app, **answers})
    first = checkout(box, project)
    run_install_script(box, first, printed_script(copied.stderr))
    config = values["configuration_dir"]
    box.sh(f"install -d -m 0750 -o root -g {values['app_group']} {config}")
    box.write_file(f"{config}/environment", f"PORT={port}\n", "0640")
    for secret in values["credentials"]:
        box.run(["sh", "-c", 'printf %s "$1" >"$2"', "sh", SECRET, f"{config}/{secret}"])
    unpack_release(box, release, values)
    run_install_script(box, first, printed_script(copied.stderr))
    served_info(box, port)
    return project, values


def install_update(box, project: Path, message: str, *args: str) -> Any:
    """The update committed, checked out on the server, and its install script run (any exit status)."""
    commit_all(project, "rename")
    second = checkout(box, project)
    script = " ".join([printed_script(message), *args])
    return box.run(["sh", "-euc", f"cd {shlex.quote(second)} && {script}"], check=False, timeout=180)


def stat(box, path: str) -> list[str]:
    return box.run(["stat", "-c", "%U %G %a", path]).stdout.split()


@pytest.mark.parametrize("case", list(CASES))
def test_renamed_service_serves_on_the_same_port_with_the_old_configuration_and_state(case, deploy, box, release, tmp_path):
    port = next(PORTS)
    old = f"probe-rn-{case.replace('_', '-')}"
    new = f"{old}-new"
    project, values = serving_old_service(box, release, tmp_path, old, CASES[case], port)
    cookie = box.run(["cat", f"{values['state_dir']}/.erlang.cookie"]).stdout
    old_node = f"{values['scripts_dir']}/{old}-node"

    message = update_in_terminal(project, f"service_name={new}")
    dry = install_update(box, project, message, "--dry-run")
    assert served_info(box, port)["env"]["STATE_DIR"] == values["state_dir"]
    for printed in (f"systemctl disable --now {old}.service", f"systemctl enable --now {old}.service", f"rm -f {old_node}"):
        assert printed in dry.stdout, dry.stdout
    done = install_update(box, project, message)
    deploy.installed.append(InstalledUnits(box, [f"{new}.service", f"{old}.service"]))

    assert done.returncode == 0, done.stdout + done.stderr
    info = served_info(box, port)
    assert info["env"]["STATE_DIR"] == f"/var/lib/{new}"
    assert info["boots"] == 2, info  # the old service's boot, recorded in the state dir, and the new one's
    assert box.run(["cat", f"/var/lib/{new}/.erlang.cookie"]).stdout == cookie
    assert stat(box, f"/etc/{new}/environment") == stat(box, f"/etc/{old}/environment")
    for secret in values["credentials"]:
        assert box.run(["cat", f"/etc/{new}/{secret}"]).stdout == SECRET
        assert stat(box, f"/etc/{new}/{secret}") == ["root", "root", "600"]
        assert info["env"]["CREDENTIALS_DIRECTORY"]
    assert app_units(box, old) == [f"{new}.service"]
    assert box.systemctl("is-enabled", f"{new}.service").stdout.strip() == "enabled"
    scripts = box.sh(f"ls {values['scripts_dir']}").stdout.split()
    assert sorted(scripts) == ["deploy", f"{new}-node"]


def test_renamed_service_that_does_not_stay_up_brings_the_old_one_back(deploy, box, release, tmp_path):
    port = next(PORTS)
    old, new = "probe-rn-fails", "probe-rn-fails-new"
    project, values = serving_old_service(box, release, tmp_path, old, CASES["environment_file"], port)

    message = update_in_terminal(project, f"service_name={new}", f"env_vars={NEVER_STARTS}")
    done = install_update(box, project, message)
    deploy.installed.append(InstalledUnits(box, [f"{old}.service", f"{new}.service"]))

    assert done.returncode == 1, done.stdout + done.stderr
    assert f"{new}.service did not stay up" in done.stderr
    assert f"{old}.service runs again" in done.stderr
    info = served_info(box, port)
    assert info["env"]["STATE_DIR"] == f"/var/lib/{old}"
    assert info["boots"] == 2, info  # the old one, and the old one again (the new one halts before it writes)
    assert box.systemctl("is-enabled", f"{old}.service").stdout.strip() == "enabled"
    assert box.systemctl("is-enabled", f"{new}.service", check=False).stdout.strip() == "disabled"
    assert box.run(["test", "-x", f"{values['scripts_dir']}/{old}-node"], check=False).ok()
