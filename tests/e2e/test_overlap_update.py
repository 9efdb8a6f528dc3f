"""Issue 20: `copier update` from units rendered before overlap existed moves a running service over without a stop.

The user's path, literally: a project copied with listen_sockets from the template as it was before
overlap (the first parent of the overlap merge), installed by the script its message names, the
release deployed by the deploy command it prints, serving. Then, under a client loop (a request
every 20 ms), `copier update --trust --defaults -a .copier-answers.systemd.yml` to this template
(the overlap unit, NonBlocking=yes, the new deploy script) and, from a new checkout on the server,
the install script the update's message names: a running service restarts by the just-installed
deploy script's overlapped restart, so no client waits for a VM to boot. Then the first overlapped
deploy of another release with that deploy script. The figures go to the end-to-end summary,
beside test_overlap.py's.
"""

from __future__ import annotations

import shlex
import time
from pathlib import Path

import pytest

from template_repo import ANSWERS_FILE, add_working_tree_version, commit_all, new_project, template_at_commit
from unit_template.resolve import resolve

from .conftest import PORTS, scenario_answers
from .deploy import InstalledUnits, Service, checkout, printed_script, run_install_script
from .metrics import record
from .test_overlap import Step, no_wait, nothing_left, overlap_unit, record_step, step
from .test_printed_commands import copier_cli, data_args, served_info
from .test_restart_flag import printed_deploy
from .zero_downtime import Traffic

pytestmark = pytest.mark.e2e

BEFORE_OVERLAP = "23e84df^1"  # the template before the merge of the overlap branch
UPLOADS = "/var/tmp/e2e-ovu"  # where the user uploads release tarballs: this module's alone


@pytest.fixture(scope="module")
def before_overlap(deploy, box, release, tmp_path_factory) -> tuple[Path, Path, Service]:
    """The template repo (v1: before overlap), the committed project, and its service serving the first release."""
    tmp_path = tmp_path_factory.mktemp("overlap-update")
    template = template_at_commit(tmp_path / "template", BEFORE_OVERLAP, "v1")
    project = new_project(tmp_path / "project", app=release.app)
    port = next(PORTS)
    answers = scenario_answers("ovu", {"listen_sockets": [f"127.0.0.1:{port}"]}, port)
    copied = copier_cli("copy", "--trust", "--defaults", "--vcs-ref", "v1", *data_args(answers), str(template), ".", cwd=project)
    commit_all(project, "copy")
    first = checkout(box, project)
    run_install_script(box, first, printed_script(copied.stderr))
    tarball = f"{UPLOADS}/{release.app}-{release.version}.tar.gz"
    box.write_file(tarball, release.tarball.read_bytes())
    deployed = box.run(["sh", "-euc", printed_deploy(copied.stderr, tarball)], check=False, timeout=180)
    assert deployed.returncode == 0, deployed.stdout + deployed.stderr
    values = resolve({"app_name": release.app, **answers})
    service = Service(box=box, values=values, rendered=project, port=port, project=first)
    service.units = [service.unit, overlap_unit(service), f"{service.name}.socket"]
    deploy.installed.append(InstalledUnits(box, service.units))
    served_info(box, port)
    return template, project, service


@pytest.fixture(scope="module")
def updated(before_overlap, box) -> tuple[Step, str, str]:
    """The update and its install script, run under the client loop; (the step, the update's message, the old VM)."""
    template, project, service = before_overlap
    add_working_tree_version(template, "v2")
    old_pid = service.main_pid()
    outputs = []
    with Traffic(box, service.port, limit=240) as traffic:
        started = time.monotonic()
        update = copier_cli("update", "--trust", "--defaults", "-a", ANSWERS_FILE, cwd=project)
        commit_all(project, "copier update")
        second = checkout(box, project)
        script = printed_script(update.stderr)
        installing = time.monotonic()
        outputs.append(box.run(["sh", "-euc", f"cd {shlex.quote(second)} && {script}"], check=False, timeout=240))
        took, install_took = time.monotonic() - started, time.monotonic() - installing
    result = Step(outputs, traffic.figures, took, None)
    record_step("update from pre-overlap units", result)
    record("overlap update: install script", "overlap", install_took)
    return result, update.stderr, old_pid


def test_the_update_message_restarts_a_running_service_by_the_overlapped_deploy_restart(updated, before_overlap):
    _, message, _ = updated
    service = before_overlap[2]
    assert f"  sudo {service.values['scripts_dir']}/deploy try-restart" in message.splitlines(), message


def test_after_the_update_the_install_script_moves_the_running_service_over_and_no_client_waits(updated, before_overlap, box):
    result, _, old_pid = updated
    service = before_overlap[2]
    assert [done.returncode for done in result.outputs] == [0], result.text()
    no_wait(result)
    assert f"deploy: restarted {service.unit}" in result.text(), result.text()
    assert service.main_pid() not in (old_pid, "0")
    assert box.show(service.unit, "NonBlocking")["NonBlocking"] == "yes"  # the new unit
    nothing_left(box, service)


def test_the_first_deploy_after_the_update_overlaps_and_no_client_waits(updated, before_overlap, box, release):
    service = before_overlap[2]
    tarball = f"{UPLOADS}/{release.app}-{release.version}.tar.gz"
    result = step(box, service, [(tarball, "after-update")], None, "deploy after the update")
    assert [done.returncode for done in result.outputs] == [0], result.text()
    no_wait(result)
    assert service.info()["release_root"].endswith("/after-update")
    nothing_left(box, service)
