"""restart_method systemd_flag, walked as a user walks it on a fresh server.

The printed install script, then the first release by the printed deploy command (as root),
then the deploy user's documented `touch` of restart.flag: nothing is started by hand. Then
what the deploy user may not do: write anywhere root runs, reads or chowns from.
"""

from __future__ import annotations

import posixpath
import time

import pytest

from .conftest import PORTS, scenario_answers
from .deploy import Service, checkout, installed_units, message_of, printed_script, render_scenario, run_install_script
from .metrics import record
from .zero_downtime import copy_tarball

pytestmark = pytest.mark.e2e

DEPLOY_USER = "deployer"
OUTSIDER = "outsider"


def printed_deploy(message: str, tarball: str) -> str:
    """The deploy command of the closing message, as printed but for sudo (we are root), run where
    the tarball was uploaded: it picks the newest one there."""
    (line,) = [line.strip() for line in message.splitlines() if line.strip().startswith("sudo ") and '/deploy "$(' in line]
    return f"cd {posixpath.dirname(tarball)} && {line.removeprefix('sudo ')}"


@pytest.fixture(scope="module")
def flag_service(deploy, box, release) -> Service:
    """A fresh server: the printed install script, no release yet."""
    port = next(PORTS)
    answers = scenario_answers("flag", {"restart_method": "systemd_flag", "deploy_user": DEPLOY_USER}, port)
    dst, values = render_scenario(deploy.workdir / "project-flag", release.app, answers)
    project = checkout(box, dst)
    run_install_script(box, project, printed_script(message_of(dst)))
    units = installed_units({"app_name": release.app, **answers})
    service = Service(box=box, values=values, rendered=dst, port=port, units=units, project=project)
    deploy.installed.append(service)
    return service


@pytest.fixture(scope="module")
def first_deploy(flag_service, box, release):
    """The first release, by the deploy command the message prints, as root."""
    command = printed_deploy(message_of(flag_service.rendered), copy_tarball(box, release, "e2e_probe-0.1.0"))
    started = time.monotonic()
    done = box.run(["sh", "-euc", command], check=False, timeout=180)
    record("deploy script: first release, systemd_flag", flag_service.name, time.monotonic() - started)
    return done


def restart_flag(service) -> str:
    return f"{service.values['flags_dir']}/restart.flag"


def test_the_first_deploy_of_a_fresh_install_serves(first_deploy, flag_service):
    assert first_deploy.returncode == 0, first_deploy.stdout + first_deploy.stderr
    assert flag_service.info()["version"] == "0.1.0"


def test_after_root_deploys_the_deploy_users_touch_restarts_the_vm(first_deploy, flag_service, box):
    assert first_deploy.returncode == 0, first_deploy.stdout + first_deploy.stderr
    old_pid = flag_service.main_pid()
    touched = time.monotonic()
    done = box.run(["runuser", "-u", DEPLOY_USER, "--", "touch", restart_flag(flag_service)], check=False)
    assert done.ok(), done.stderr
    info, _ = flag_service.wait_http(timeout=30, not_pid=old_pid)
    record("restart.flag -> serving again", flag_service.name, time.monotonic() - touched)
    assert flag_service.main_pid() == info["os_pid"] != old_pid


def test_user_outside_the_app_group_cannot_touch_restart_flag(flag_service, box):
    box.run(["useradd", "--system", "--no-create-home", OUTSIDER], check=False)
    touched = box.run(["runuser", "-u", OUTSIDER, "--", "touch", restart_flag(flag_service)], check=False)
    assert not touched.ok() and "Permission denied" in touched.stderr


# --- nothing root runs, reads or chowns is writable by the deploy user or the app user ------------


def ancestors(path: str) -> list[str]:
    """/, then every directory down to path, then path itself."""
    parts = path.strip("/").split("/")
    return ["/", *("/" + "/".join(parts[: index + 1]) for index in range(len(parts)))]


def root_paths(box, values, units: list[str]) -> list[str]:
    """Each script in scripts_dir (root runs them), the release that runs, the files systemd reads
    as root (units, sysusers.d, tmpfiles.d), and every dir above them."""
    scripts = box.run(["find", values["scripts_dir"], "-mindepth", "1", "-maxdepth", "1"]).stdout.split()
    release = box.run(["readlink", "-f", values["current_dir"]]).stdout.strip()
    system = [f"/etc/systemd/system/{unit}" for unit in units]
    system += [f"/etc/{kind}/{values['ext_name']}.conf" for kind in ("sysusers.d", "tmpfiles.d")]
    targets = [*scripts, release, f"{release}/bin/{values['release_name']}", *system]
    return sorted({path for target in targets for path in ancestors(target)})


def owners(box, paths: list[str]) -> dict[str, tuple[str, str, int]]:
    listed = box.run(["stat", "-c", "%n %U %G %a", *paths]).stdout.splitlines()
    return {name: (user, group, int(mode, 8)) for name, user, group, mode in (line.rsplit(" ", 3) for line in listed)}


def writable_by(box, user: str, paths: list[str]) -> list[str]:
    return [path for path in paths if box.run(["runuser", "-u", user, "--", "test", "-w", path], check=False).ok()]


def test_root_run_scripts_the_release_and_their_dirs_belong_to_root_writable_by_no_one_else(first_deploy, flag_service, box):
    """After the printed install and the first deploy (`current` points at that release, ready or not)."""
    values = flag_service.values
    paths = root_paths(box, values, flag_service.units)
    assert f"{values['scripts_dir']}/deploy" in paths and values["releases_dir"] in paths
    assert f"/etc/systemd/system/{flag_service.name}-restart.path" in paths
    stats = owners(box, paths)
    # Owned by root; group-writable only by root's group; never writable by others.
    bad = {p: s for p, s in stats.items() if s[0] != "root" or (s[2] & 0o020 and s[1] != "root") or (s[2] & 0o002)}
    assert bad == {}
    for user in (DEPLOY_USER, values["app_user"]):
        assert writable_by(box, user, paths) == [], user
    release = box.run(["readlink", "-f", values["current_dir"]]).stdout.strip()
    loose = box.run(
        ["find", values["releases_dir"], "!", "-type", "l", "(", "!", "-user", "root", "-o", "-perm", "/022", ")", "-print"]
    ).stdout
    assert loose == "", f"in the releases, not root's or group/other-writable:\n{loose}"
    assert posixpath.dirname(release) == values["releases_dir"]


def test_the_deploy_user_cannot_write_into_the_deploy_tree(first_deploy, flag_service, box):
    values = flag_service.values
    dirs = [values[name] for name in ("deploy_dir", "releases_dir", "scripts_dir", "flags_dir")]
    for directory in dirs:
        done = box.run(["runuser", "-u", DEPLOY_USER, "--", "touch", f"{directory}/planted"], check=False)
        assert not done.ok() and "Permission denied" in done.stderr, directory
    replaced = box.run(["runuser", "-u", DEPLOY_USER, "--", "ln", "-sfn", "/tmp", values["current_dir"]], check=False)
    assert not replaced.ok()
