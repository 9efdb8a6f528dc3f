"""Issue 11, socket activation: a client loop sees no refused request across a restart and a deploy.

Two services from the same release, side by side: "sock" with listen_sockets
(probe-sock.socket holds 127.0.0.1:<port>, the VM accepts on fd 3) and "plain"
(the VM listens itself). Each gets `systemctl restart` and then a deploy with
the rendered deploy script while a client sends a request every 20 ms; the
figures go to the end-to-end summary.
"""

from __future__ import annotations

import pytest

from .conftest import PORTS
from .zero_downtime import Traffic, copy_tarball, deploy_script

pytestmark = pytest.mark.e2e

KINDS = ("sock", "plain")
DEPLOY_OUTPUT: dict[str, str] = {}


@pytest.fixture(scope="module")
def services(deploy, box):
    port = next(PORTS)
    # overlap off: stop-then-start, the figures test_overlap.py's stand beside.
    sock = deploy.scenario("sock", {"listen_sockets": [f"127.0.0.1:{port}"], "overlap": False}, port=port)
    plain = deploy.scenario("plain")
    for service in (sock, plain):
        deploy_script(service)
        service.start()
    return {"sock": sock, "plain": plain}


def during(box, service, action):
    """Figures of a client loop around `action`, once the new VM answers."""
    old_pid = service.main_pid()
    with Traffic(box, service.port) as traffic:
        action()
        service.wait_http(timeout=60, not_pid=old_pid)
    return traffic.figures


@pytest.fixture(scope="module")
def restarted(services, box):
    """kind -> the figures of one `systemctl restart`."""
    result = {}
    for kind in KINDS:
        service = services[kind]
        result[kind] = during(box, service, lambda s=service: box.systemctl("restart", s.unit, timeout=90))
        result[kind].record("systemctl restart", "socket activation" if kind == "sock" else "no socket activation")
    return result


@pytest.fixture(scope="module")
def deployed(services, box, release, restarted):
    """kind -> the figures of one deploy with the script (the same release, as a new NAME)."""
    tarball = copy_tarball(box, release, "sockets-test")
    result = {}
    for kind in KINDS:
        service = services[kind]
        script = f"{service.values['scripts_dir']}/deploy"
        outputs = []
        result[kind] = during(box, service, lambda s=script, o=outputs: o.append(box.run([s, tarball, "second"], timeout=120)))
        DEPLOY_OUTPUT[kind] = outputs[0].stdout + outputs[0].stderr
        result[kind].record("deploy script", "socket activation" if kind == "sock" else "no socket activation")
    return result


def test_the_socket_unit_is_active_and_hands_the_vm_its_socket(services, box):
    service = services["sock"]
    assert box.show(f"{service.name}.socket", "ActiveState")["ActiveState"] == "active"
    assert service.info()["env"]["LISTEN_FDNAMES"] == service.name


def test_restart_with_socket_activation_refuses_no_request(restarted):
    figures = restarted["sock"]
    assert figures.refused == 0, figures
    assert len(figures.pids) == 2, figures


def test_restart_without_socket_activation_is_measured(restarted):
    figures = restarted["plain"]
    assert figures.requests > 0 and len(figures.pids) == 2, figures


def test_deploy_with_socket_activation_refuses_no_request(deployed):
    figures = deployed["sock"]
    assert figures.refused == 0, figures
    assert len(figures.pids) == 2, figures


def test_deploy_without_socket_activation_is_measured(deployed, services):
    figures = deployed["plain"]
    assert figures.requests > 0 and len(figures.pids) == 2, figures
    info = services["plain"].info()
    assert info["release_root"].endswith("/releases/second"), (info["release_root"], DEPLOY_OUTPUT)


def test_the_socket_stays_open_across_restart_and_deploy(deployed, services, box):
    service = services["sock"]
    props = box.show(f"{service.name}.socket", "ActiveState", "NAccepted", "NConnections")
    assert props["ActiveState"] == "active", props
