"""What copier prints after a copy and after an update, run literally on a fresh server.

The project is copied into the box (a checkout on the server), and the `sudo ...` steps of
the message (or the install script it names) run there, in order, as root. The release is
unpacked where the message says, after the units are installed. What the test adds is only
what a user brings: the secrets, the bucket, cloud-init's instance data.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from rendering import OUTPUT_DIR
from template_repo import ANSWERS_FILE, commit_all, new_project, snapshot_template
from unit_template.messages import RESTART_AFTER_SECRETS
from unit_template.resolve import resolve

from .conftest import PORTS, scenario_answers
from .deploy import (
    RELEASE_STAMP,
    InstalledUnits,
    checkout,
    indented_block,
    install,
    printed_script,
    printed_steps,
    render_many,
    run_in_project,
    run_install_script,
    unpack_release,
)
from .metrics import record
from .zero_downtime import copy_tarball

pytestmark = pytest.mark.e2e

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
COPIER = str(Path(sys.executable).parent / "copier")
BASE = {"systemd_version": 252}
SECRET = "printed steps secret"
DEPLOY_USER = "shipper"


def aws_stub(box, values: dict[str, Any], settings: dict[str, str]) -> None:
    """The user's side of s3_sync and ssm: the aws CLI (a stub) and the settings file in the deploy dir."""
    box.write_file("/usr/local/bin/aws", (FIXTURES / "aws-stub" / "aws").read_text(), "0755")
    box.write_file(f"{values['deploy_dir']}/etc/environment", "".join(f"{k}={v}\n" for k, v in settings.items()), "0640")


def environment_file_world(box, values: dict[str, Any]) -> None:
    directory = values["configuration_dir"]
    box.sh(f"install -d -m 0750 -o root -g {values['app_group']} {directory}")
    box.write_file(f"{directory}/environment", "E2E_CONFIG_VALUE=from-printed-steps\n", "0640")


def s3_world(box, values: dict[str, Any]) -> None:
    bucket = f"/var/lib/fake-s3/{values['service_name']}"
    box.write_file(f"{bucket}/environment", "E2E_S3_VALUE=synced\n")
    aws_stub(box, values, {"CONFIG_S3_BUCKET": "b", "AWS_STUB_S3_DIR": bucket, "AWS_STUB_LOG": "/var/log/aws-printed.log"})


def ssm_world(box, values: dict[str, Any]) -> None:
    params = "/var/lib/fake-ssm/printed.json"
    box.write_file(params, (FIXTURES / "ssm" / "parameters.json").read_text())
    aws_stub(box, values, {"AWS_STUB_SSM_JSON": params, "AWS_STUB_LOG": "/var/log/aws-printed.log"})


def cloud_init_world(box, values: dict[str, Any]) -> None:
    box.write_file("/run/cloud-init/instance-data.json", (FIXTURES / "cloud-init" / "aws.json").read_text())


def credentials_world(box, values: dict[str, Any]) -> None:
    """What `sudoedit <file>` leaves: the secret in the placeholder the steps made (0600, root)."""
    path = f"{values['configuration_dir']}/db_password"
    assert box.run(["stat", "-c", "%U %a %s", path]).stdout.split() == ["root", "600", "0"]
    box.run(["sh", "-c", 'printf %s "$1" >"$2"', "sh", SECRET, path])


def ssm_json_written(box, values: dict[str, Any], env: dict[str, str]) -> bool:
    return box.run(["test", "-s", f"{values['configuration_dir']}/ssm.json"], check=False).ok()


# name: (answers, the user's side, what shows the strategy worked)
STRATEGIES: dict[str, tuple[dict[str, Any], Callable[..., None], Callable[..., bool]]] = {
    "environment_file": (
        {"config_strategies": ["environment_file"]},
        environment_file_world,
        lambda box, values, env: env.get("E2E_CONFIG_VALUE") == "from-printed-steps",
    ),
    "s3_sync": (
        {"config_strategies": ["environment_file", "s3_sync"]},
        s3_world,
        lambda box, values, env: env.get("E2E_S3_VALUE") == "synced",
    ),
    "ssm": ({"config_strategies": ["ssm"]}, ssm_world, ssm_json_written),
    "cloud_init": (
        {"config_strategies": ["cloud_init"]},
        cloud_init_world,
        lambda box, values, env: bool(env.get("DEFAULT_IPV4")),
    ),
    "credentials": (
        {"config_strategies": ["credentials"], "credentials": ["db_password"]},
        credentials_world,
        lambda box, values, env: bool(env.get("CREDENTIALS_DIRECTORY")),
    ),
}
RESTART_METHODS = {"systemctl": {}, "systemd_flag": {"restart_method": "systemd_flag", "deploy_user": DEPLOY_USER}}
CASES = {
    **{f"steps-{name}": ("steps", name, "systemctl") for name in STRATEGIES},
    "steps-flag": ("steps", "environment_file", "systemd_flag"),
    "script-flag": ("script", "s3_sync", "systemd_flag"),
}


def case_answers(case: str, port: int) -> dict[str, Any]:
    _, strategy, method = CASES[case]
    return scenario_answers(f"lit-{case}", {**BASE, **STRATEGIES[strategy][0], **RESTART_METHODS[method]}, port)


@pytest.fixture(scope="module")
def rendered(deploy, release) -> dict[str, tuple[Path, dict[str, Any], int, dict[str, Any]]]:
    """Every case rendered at once (copier is the slow part)."""
    ports = {case: next(PORTS) for case in CASES}
    jobs = [(deploy.workdir / f"lit-{case}", release.app, case_answers(case, ports[case])) for case in CASES]
    done = render_many(jobs)
    return {case: (*result, ports[case], job[2]) for case, result, job in zip(CASES, done, jobs, strict=True)}


def served_info(box, port: int, timeout: float = 30, not_pid: str | None = None) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    last = ""
    while time.monotonic() < deadline:
        done = box.run(["curl", "-sS", "--max-time", "2", f"http://127.0.0.1:{port}/info"], check=False)
        if done.ok():
            info = json.loads(done.stdout)
            if info["os_pid"] != not_pid:
                return info
        last = done.stderr
        time.sleep(0.1)
    raise AssertionError(f"nothing (new) answers on port {port} after {timeout}s: {last}")


@pytest.mark.parametrize("case", list(CASES))
def test_printed_install_then_a_release_give_a_serving_service(case, deploy, box, release, rendered):
    via, strategy, method = CASES[case]
    dst, values, port, answers = rendered[case]
    started = time.monotonic()
    service = install(box, release, dst, answers, port, rendered=(dst, values), via=via)
    deploy.installed.append(service)
    _, world, worked = STRATEGIES[strategy]
    world(box, values)
    message = (dst.parent / f"{dst.name}.copier-output").read_text()
    if via == "steps":
        run_in_project(box, service.project, printed_steps(message)[1])
    else:
        run_install_script(box, service.project, printed_script(message))
    info = served_info(box, port)
    record(f"install by the printed {via} -> serving", service.name, time.monotonic() - started)
    assert worked(box, values, info["env"]), info["env"]
    assert box.systemctl("is-enabled", service.unit).stdout.strip() == "enabled"
    if via == "script":
        # Idempotent: once more changes nothing and leaves the running VM alone.
        again = run_install_script(box, service.project, printed_script(message))
        assert "is running with these files already" in again.stdout, again.stdout
        assert served_info(box, port)["os_pid"] == info["os_pid"]
    if method == "systemd_flag":
        assert box.systemctl("is-active", f"{service.name}-restart.path").stdout.strip() == "active"
        box.run(["runuser", "-u", DEPLOY_USER, "--", "touch", f"{values['flags_dir']}/restart.flag"])
        assert served_info(box, port, not_pid=info["os_pid"])["os_pid"] != info["os_pid"]


# --- An update that renames the service (and moves the deploy dir) --------------------------------


def copier_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    done = subprocess.run([COPIER, *args], cwd=cwd, capture_output=True, text=True, env=dict(os.environ), check=False)
    assert done.returncode == 0, done.stderr
    return done


def data_args(answers: dict[str, Any]) -> list[str]:
    """--data NAME=VALUE as a user types it: text as is, anything else as YAML."""
    texts = {key: value if isinstance(value, str) else json.dumps(value) for key, value in answers.items()}
    return [arg for key, value in texts.items() for arg in ("--data", f"{key}={value}")]


def app_units(box, prefix: str) -> list[str]:
    listed = box.sh(f"ls /etc/systemd/system | grep '^{prefix}' || true").stdout.split()
    return sorted(listed)


def copied_and_serving(box, release, tmp_path: Path, answers: dict[str, Any], via: str) -> Path:
    """A project copied with these answers, installed by the printed steps or script, its release serving."""
    template = snapshot_template(tmp_path / "template", "v1")
    project = new_project(tmp_path / "project", app=release.app)
    copied = copier_cli("copy", "--trust", "--defaults", "--vcs-ref", "v1", *data_args(answers), str(template), ".", cwd=project)
    commit_all(project, "copy")
    first = checkout(box, project)
    if via == "steps":
        before, start = printed_steps(copied.stderr)
        run_in_project(box, first, before)
    else:
        run_install_script(box, first, printed_script(copied.stderr))
    unpack_release(box, release, resolve({"app_name": release.app, **answers}))
    if via == "steps":
        run_in_project(box, first, start)
    else:
        run_install_script(box, first, printed_script(copied.stderr))
    return project


def updated_on_the_server(box, project: Path, changes: dict[str, Any], via: str) -> None:
    """`copier update --data ...`, committed, then what its message says to run on the server."""
    updated = copier_cli("update", "--trust", "--defaults", *data_args(changes), "-a", ANSWERS_FILE, cwd=project)
    commit_all(project, "update")
    second = checkout(box, project)
    if via == "steps":
        run_in_project(box, second, printed_steps_of_update(updated.stderr))
    else:
        run_install_script(box, second, printed_script(updated.stderr))


@pytest.mark.parametrize("via", ["steps", "script"])
def test_update_renaming_the_service_leaves_exactly_one_unit_running(via, deploy, box, release, tmp_path):
    port = next(PORTS)
    name = f"ren-{via}"
    answers = scenario_answers(name, {**BASE, "restart_method": "systemd_flag"}, port)
    project = copied_and_serving(box, release, tmp_path, answers, via)
    served_info(box, port)
    old = f"probe-{name}"
    assert app_units(box, old) == [f"{old}-restart.path", f"{old}-restart.service", f"{old}.service"]

    # The rename (and, by the script, a new deploy dir): the update's message says what to do on the server.
    changes = {"service_name": f"probe-{name}-new"}
    if via == "script":
        changes["deploy_dir"] = f"/srv/probe-{name}-moved"
    updated_on_the_server(box, project, changes, via)

    info = served_info(box, port)
    new = f"probe-{name}-new"
    assert app_units(box, f"probe-{name}") == [f"{new}-restart.path", f"{new}-restart.service", f"{new}.service"]
    assert box.systemctl("is-active", f"{new}.service").stdout.strip() == "active"
    assert box.systemctl("is-active", f"probe-{name}.service", check=False).stdout.strip() == "inactive"
    listed = box.run(["systemctl", "list-units", "--all", "--plain", "--no-legend", f"probe-{name}*"]).stdout
    running = "\n".join(line.split()[0] for line in listed.splitlines() if line.split()[2:3] == ["active"])
    assert sorted(running.split()) == [f"{new}-restart.path", f"{new}.service"]
    deploy.installed.append(InstalledUnits(box, [f"{new}.service", f"{new}-restart.path"]))
    if via == "script":
        moved = changes["deploy_dir"]
        assert info["cwd"].startswith(f"{moved}/releases/")
        assert box.sh(f"ls -A {answers['deploy_dir']}/releases").stdout == ""


def test_update_moving_the_deploy_dir_keeps_the_history_deploy_rollback_reads(deploy, box, release, tmp_path):
    # Before, the move step (`mv <old>/releases/* ...`) left releases/.history behind: `deploy rollback`
    # found no earlier release, and the next deploy pruned the moved ones.
    port = next(PORTS)
    name = "moved-history"
    answers = scenario_answers(name, BASE, port)
    project = copied_and_serving(box, release, tmp_path, answers, "script")
    deploy.installed.append(InstalledUnits(box, [f"probe-{name}.service"]))
    tarball = copy_tarball(box, release, f"{name}-again")
    script = f"{answers['deploy_dir']}/bin/deploy"
    deployed = box.run(["env", "DEPLOY_SETTLE=3", script, tarball, "again"], check=False, timeout=180)
    assert deployed.ok(), deployed.stdout + deployed.stderr

    moved = f"/srv/probe-{name}-moved"
    updated_on_the_server(box, project, {"deploy_dir": moved}, "script")

    rolled = box.run(["env", "DEPLOY_SETTLE=3", f"{moved}/bin/deploy", "rollback"], check=False, timeout=180)
    assert rolled.ok(), rolled.stdout + rolled.stderr
    assert box.sh(f"readlink {moved}/current").stdout.strip() == f"{moved}/releases/{RELEASE_STAMP}"
    assert served_info(box, port)["cwd"].startswith(f"{moved}/releases/{RELEASE_STAMP}")


@pytest.mark.parametrize("via", ["steps", "script"])
def test_update_moving_the_socket_to_another_port_serves_there_from_a_new_socket(via, deploy, box, release, tmp_path):
    # systemd opens a socket unit's new ListenStream= only in a new socket: before, the running socket
    # was left "not functional until restarted" and the restarted VM got no socket at all.
    port, new_port = next(PORTS), next(PORTS)
    name = f"sock-{via}"
    answers = scenario_answers(name, {**BASE, "listen_sockets": [f"127.0.0.1:{port}"]}, port)
    project = copied_and_serving(box, release, tmp_path, answers, via)
    deploy.installed.append(InstalledUnits(box, [f"probe-{name}.service", f"probe-{name}.socket"]))
    served_info(box, port)

    updated_on_the_server(box, project, {"listen_sockets": [f"127.0.0.1:{new_port}"]}, via)

    info = served_info(box, new_port)
    assert info["env"].get("LISTEN_FDS") == "1", info["env"]
    assert box.show(f"probe-{name}.socket", "Listen")["Listen"] == f"127.0.0.1:{new_port} (Stream)"
    old = box.run(["curl", "-sS", "--max-time", "2", f"http://127.0.0.1:{port}/info"], check=False)
    assert not old.ok(), old.stdout


def test_update_dropping_a_unit_and_a_script_restarts_the_running_service_and_removes_them(deploy, box, release, tmp_path):
    # restart_method systemd_flag -> systemctl, distribution none (no node script) and a new variable:
    # before, the steps ended with `systemctl start`, which leaves a running service on its old unit,
    # and left the node script installed.
    port = next(PORTS)
    name = "gone-script"
    answers = scenario_answers(name, {**BASE, "restart_method": "systemd_flag"}, port)
    project = copied_and_serving(box, release, tmp_path, answers, "script")
    service = f"probe-{name}.service"
    deploy.installed.append(InstalledUnits(box, [service, f"probe-{name}-restart.path"]))
    old_pid = str(served_info(box, port)["os_pid"])

    node_script = f"{answers['deploy_dir']}/bin/probe-{name}-node"
    assert box.run(["test", "-x", node_script], check=False).ok()
    changes = {
        "restart_method": "systemctl",
        "distribution": "none",
        "env_vars": [f"PORT={port}", "GREETING=after-update"],
    }
    updated_on_the_server(box, project, changes, "script")

    info = served_info(box, port, not_pid=old_pid)
    assert info["env"].get("GREETING") == "after-update"
    assert app_units(box, f"probe-{name}") == [service]
    assert not box.run(["test", "-e", node_script], check=False).ok()  # distribution none: no node script


def test_an_update_left_with_conflict_markers_is_not_installed_and_the_service_runs_on(deploy, box, release, tmp_path):
    # A local edit of a line the update changes too: copier leaves conflict markers. Before, the install
    # script installed that unit and restarted onto it (systemd skips the marker lines, reads both sides).
    port = next(PORTS)
    name = "conflicted"
    answers = scenario_answers(name, BASE, port)
    project = copied_and_serving(box, release, tmp_path, answers, "script")
    service = f"probe-{name}.service"
    deploy.installed.append(InstalledUnits(box, [service]))
    old_pid = str(served_info(box, port)["os_pid"])
    installed = box.read_file(f"/etc/systemd/system/{service}")

    unit = project / OUTPUT_DIR / service
    unit.write_text(unit.read_text().replace("LimitNOFILE=65535", "LimitNOFILE=100000"))
    commit_all(project, "a local edit")
    updated = copier_cli("update", "--trust", "--defaults", "--data", "limit_nofile=4096", "-a", ANSWERS_FILE, cwd=project)
    assert "<<<<<<< before updating" in unit.read_text()
    commit_all(project, "update, conflict left in")  # the conflict check the message prints, skipped
    script = printed_script(updated.stderr)
    done = box.run(["sh", "-euc", f"cd {checkout(box, project)} && {script}"], check=False, timeout=120)

    assert done.returncode == 65, done.stdout + done.stderr
    assert f"{OUTPUT_DIR}/{service} has conflict markers from copier update" in done.stderr
    assert done.stdout == ""  # no command ran
    assert box.read_file(f"/etc/systemd/system/{service}") == installed
    assert str(served_info(box, port)["os_pid"]) == old_pid


def printed_steps_of_update(message: str) -> list[str]:
    """An update's steps: one block, the restart included; or, with secrets to write first, the
    install block, then (the secrets written) the restart's."""
    before, _ = printed_steps(message)
    lines = message.splitlines()
    then = lines.index(RESTART_AFTER_SECRETS) if RESTART_AFTER_SECRETS in lines else None
    restart = [] if then is None else [step.removeprefix("sudo ") for step in indented_block(lines, then)]
    return [*before, *restart]
