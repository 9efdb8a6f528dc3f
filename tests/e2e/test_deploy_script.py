"""Issue 11, the deploy script (scripts_dir/deploy), run as a user runs it, against real releases.

Releases: 0.1.0 (installed by hand, as the README's install steps do), 0.2.0 and
0.3.0, which raises at every boot. As root with restart_method systemctl: 0.2.0
deploys and serves; 0.3.0 is rolled back by the script (exit 2, naming why),
0.2.0 serves again; `rollback` goes back one release, to 0.1.0. As root with
restart_method systemd_flag and a health URL (the path unit as the install left it): a deploy
serves the new version; DEPLOY_KEEP prunes old releases. As the deploy user, whose only right
is restart.flag, it refuses to run and changes nothing.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from .conftest import PORTS, scenario_answers
from .deploy import (
    RELEASE_STAMP,
    Service,
    checkout,
    installed_units,
    message_of,
    printed_script,
    render_scenario,
    run_install_script,
)
from .metrics import record
from .release import build_release
from .zero_downtime import copy_tarball, deploy_script

pytestmark = pytest.mark.e2e

DEPLOY_USER = "deployer"
FAST = {"DEPLOY_SETTLE": "3"}


@pytest.fixture(scope="module")
def tarballs(box, release, tmp_path_factory):
    """version -> the tarball's path in the box: 0.1.0, 0.2.0 and the broken 0.3.0."""
    jobs = {"0.2.0": False, "0.3.0": True}
    with ThreadPoolExecutor(max_workers=2) as pool:
        built = dict(
            zip(
                jobs,
                pool.map(
                    lambda item: build_release(tmp_path_factory.mktemp(f"release-{item[0]}"), item[0], item[1]),
                    jobs.items(),
                ),
                strict=True,
            )
        )
    paths = {"0.1.0": copy_tarball(box, release, "e2e_probe-0.1.0")}
    for version, built_release in built.items():
        paths[version] = copy_tarball(box, built_release, f"e2e_probe-{version}")
    return paths


@pytest.fixture(scope="module")
def services(deploy, box):
    """deploy-root: systemctl, the health URL answered at copy; deploy-flag: systemd_flag with a deploy user."""
    port = next(PORTS)
    services = {
        "deploy-root": deploy.scenario("deploy-root", {"deploy_health_url": f"http://127.0.0.1:{port}/info"}, port=port),
        "deploy-flag": deploy.scenario("deploy-flag", {"restart_method": "systemd_flag", "deploy_user": DEPLOY_USER}),
    }
    for service in services.values():
        deploy_script(service)
        service.start()
    return services


def run_deploy(box, service, *args, user=None, env=None):
    """The script as the docs show it: <scripts_dir>/deploy ARGS, as root or as `user`."""
    script = f"{service.values['scripts_dir']}/deploy"
    prefix = ["runuser", "-u", user, "--"] if user else []
    command = [*prefix, "env", *(f"{k}={v}" for k, v in {**FAST, **(env or {})}.items()), script, *args]
    started = time.monotonic()
    done = box.run(command, check=False, timeout=180)
    return done, time.monotonic() - started


@pytest.fixture(scope="module")
def good(services, tarballs, box):
    service = services["deploy-root"]
    done, took = run_deploy(box, service, tarballs["0.2.0"], "0.2.0")
    record("deploy script: good release", "0.1.0 -> 0.2.0, systemctl", took)
    return service, done


@pytest.fixture(scope="module")
def broken(good, tarballs, box):
    service, _ = good
    done, took = run_deploy(box, service, tarballs["0.3.0"], "0.3.0")
    record("deploy script: broken release", "0.3.0 rolled back to 0.2.0", took)
    return service, done


@pytest.fixture(scope="module")
def rolled_back(broken, box):
    service, _ = broken
    done, took = run_deploy(box, service, "rollback")
    record("deploy script: rollback", "0.2.0 -> 0.1.0", took)
    return service, done


def test_a_good_release_serves_its_new_version(good):
    service, done = good
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0.2.0 is ready" in done.stdout
    assert service.info()["version"] == "0.2.0"


def test_the_release_is_unpacked_readable_by_the_app_group_only(good, box):
    service, _ = good
    stat = box.run(["stat", "-c", "%U %G %a", f"{service.values['releases_dir']}/0.2.0"]).stdout.split()
    assert stat == ["root", service.values["app_group"], "750"]
    world = box.run(["find", f"{service.values['releases_dir']}/0.2.0", "-perm", "/o=rwx"]).stdout
    assert world == ""


def test_a_release_that_cannot_start_is_rolled_back_naming_why(broken):
    service, done = broken
    assert done.returncode == 2, done.stdout + done.stderr
    assert "0.3.0 did not become ready: the release exited after it started" in done.stderr
    assert "Rolled back: 0.2.0 serves again" in done.stderr
    assert service.info()["version"] == "0.2.0"


def test_rollback_goes_back_one_release(rolled_back, box):
    service, done = rolled_back
    assert done.returncode == 0, done.stdout + done.stderr
    assert service.info()["version"] == "0.1.0"
    listed = run_deploy(box, service, "list")[0].stdout
    assert listed.splitlines()[-1].endswith("(current)"), listed


def test_the_deploy_user_may_not_deploy_and_changes_nothing(services, tarballs, box):
    service = services["deploy-flag"]
    before = box.run(["readlink", service.values["current_dir"]]).stdout
    done, _ = run_deploy(box, service, tarballs["0.2.0"], "0.2.0-user", user=DEPLOY_USER)
    # bin/ is root:<app_group> 0750 and the deploy user is not in the group: it cannot even start the script.
    assert done.returncode == 126, done.stdout + done.stderr
    assert "Permission denied" in done.stderr
    assert box.run(["readlink", service.values["current_dir"]]).stdout == before
    assert box.run(["test", "-e", f"{service.values['releases_dir']}/0.2.0-user"], check=False).returncode != 0


def test_root_deploys_with_systemd_flag_and_leaves_restart_flag_to_the_deploy_user(services, tarballs, box):
    service = services["deploy-flag"]
    old_pid = service.main_pid()
    done, took = run_deploy(box, service, tarballs["0.2.0"], "0.2.0", env={"DEPLOY_HEALTH_URL": service.url("/info")})
    record("deploy script: good release", "systemd_flag, as root, health URL", took)
    assert done.returncode == 0, done.stdout + done.stderr
    assert service.info()["version"] == "0.2.0"
    assert service.main_pid() != old_pid
    flag = f"{service.values['flags_dir']}/restart.flag"
    assert box.run(["stat", "-c", "%U %a", flag]).stdout.split() == [DEPLOY_USER, "600"]


def test_old_releases_beyond_deploy_keep_are_removed(services, tarballs, box):
    """After 0.2.0 (the test above), two more with DEPLOY_KEEP=2: 0.2.0 and the release unpacked by hand go."""
    service = services["deploy-flag"]
    outputs = ""
    for name in ("0.2.0-a", "0.2.0-b"):
        done, _ = run_deploy(box, service, tarballs["0.2.0"], name, env={"DEPLOY_KEEP": "2"})
        assert done.returncode == 0, done.stdout + done.stderr
        outputs += done.stdout
    names = box.run(["ls", service.values["releases_dir"]]).stdout.split()
    assert names == ["0.2.0-a", "0.2.0-b"]
    assert "removed old release 0.2.0\n" in outputs
    assert f"removed old release {RELEASE_STAMP}\n" in outputs


def test_bad_usage_exits_1_and_changes_nothing(services, box):
    service = services["deploy-root"]
    before = box.run(["readlink", service.values["current_dir"]]).stdout
    missing, _ = run_deploy(box, service, "/nowhere.tar.gz")
    nothing, _ = run_deploy(box, service)
    assert (missing.returncode, nothing.returncode) == (1, 1)
    assert "no such release tarball: /nowhere.tar.gz" in missing.stderr
    assert "usage: deploy RELEASE.tar.gz [NAME]" in nothing.stderr
    assert box.run(["readlink", service.values["current_dir"]]).stdout == before


def test_the_first_release_of_a_fresh_install_is_deployed_by_the_script(deploy, box, tarballs):
    """The README's path on a new server: `sudo rel/install-systemd`, then `sudo <scripts_dir>/deploy <tarball>`."""
    port = next(PORTS)
    answers = scenario_answers("deploy-first", {}, port)
    dst, values = render_scenario(deploy.workdir / "project-deploy-first", deploy.release.app, answers)
    project = checkout(box, dst)
    run_install_script(box, project, printed_script(message_of(dst)))
    units = installed_units({"app_name": deploy.release.app, **answers})
    service = Service(box=box, values=values, rendered=dst, port=port, units=units, project=project)
    deploy.installed.append(service)
    assert box.run(["test", "-e", values["current_dir"]], check=False).returncode != 0  # no release yet

    done, took = run_deploy(box, service, tarballs["0.2.0"], "0.2.0")
    record("deploy script: first release of a fresh install", "none -> 0.2.0, systemctl", took)
    assert done.returncode == 0, done.stdout + done.stderr
    assert service.info()["version"] == "0.2.0"
