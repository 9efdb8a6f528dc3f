"""Issue 10, end to end: the node secured. Erlang distribution, epmd and the cookie, in a real
systemd with the real release, each mode driven the way docs/distribution.md tells a user.

The node script is installed as the docs say (root-owned, 0755, in scripts_dir), and every
remote/rpc call runs the documented `sudo -u <app user> <scripts_dir>/<service>-node ...` line.
"""

from __future__ import annotations

import os
import re
import time

import pytest

from unit_template.distribution import COOKIE_CREDENTIAL, COOKIE_VARIABLE, remote_command

from .deploy import Service, start_all, unpack_release
from .metrics import record
from .test_config_strategies import share_run_mounts

pytestmark = pytest.mark.e2e

BASE = {"systemd_version": 252}
EPMD_PORT = 4369
CLUSTER_PORT = 4990
CLUSTER_COOKIE = "a-cluster-cookie-shared-by-every-node-0123456789"
WRONG_COOKIE = "another-cookie-this-node-does-not-share-9876543210"
USERS_PID = re.compile(r"pid=(\d+)")


# --- helpers: what the docs tell a user to run, and what the box shows ---------------------------


def documented(box, service: Service, *args: str, check: bool = True) -> str:
    """Run the docs' line for `bin/<release> <args>` against this service's node, literally."""
    command = remote_command(service.values, *args)
    assert command, f"{service.name} has no node script (distribution {service.values['distribution']})"
    started = time.monotonic()
    done = box.run(["/bin/sh", "-c", command], check=check, timeout=60)
    record("documented node command", f"{service.name}: {args[0]}", time.monotonic() - started)
    return done.stdout.strip()


def cgroup_pids(box, service: Service) -> list[int]:
    """Every process in the unit's cgroup, found through /proc (the box's cgroup tree is namespaced)."""
    script = 'for f in /proc/[0-9]*/cgroup; do grep -qx "0::/system.slice/$1" "$f" 2>/dev/null && echo "${f%/cgroup}"; done; true'
    done = box.run(["/bin/sh", "-c", script, "sh", service.unit])
    return sorted(int(path.removeprefix("/proc/")) for path in done.stdout.split())


def process_names(box, pids: list[int]) -> list[str]:
    names = []
    for pid in pids:
        done = box.run(["cat", f"/proc/{pid}/comm"], check=False)
        if done.ok():
            names.append(done.stdout.strip())
    return names


def listening_sockets(box, pids: list[int]) -> list[tuple[str, int]]:
    """(address, port) of every TCP/UDP socket listening in the box that one of pids holds."""
    wanted = set(pids)
    sockets = []
    for line in box.run(["ss", "-ltnupH"]).stdout.splitlines():
        fields = line.split()
        if len(fields) < 6 or not wanted & {int(p) for p in USERS_PID.findall(line)}:
            continue
        address, _, port = fields[4].rpartition(":")
        sockets.append((address.split("%")[0], int(port)))
    return sockets


def is_loopback(address: str) -> bool:
    return address.startswith("127.") or address == "[::1]"


def cookie_path(service: Service) -> str:
    return f"{service.values['state_dir']}/.erlang.cookie"


def start(box, services: list[Service]) -> None:
    """The node script came with the install (the install plan ships every rendered script)."""
    for name, seconds in start_all(box, services).items():
        record("start -> first HTTP answer", f"{name} (distribution)", seconds)


def test_the_box_has_a_network_of_its_own(box):
    """The socket checks below see only the box's sockets: not the host's, nor another box's."""
    assert os.readlink(f"/proc/{box.pid}/ns/net") != os.readlink("/proc/self/ns/net")


# --- local: the default -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def local_pair(deploy, box) -> dict[str, Service]:
    """Two services of the same release on one host, both with the default distribution (local)."""
    services = deploy.scenarios({"dist-a": dict(BASE), "dist-b": dict(BASE)})
    start(box, list(services.values()))
    return services


def test_local_is_the_default_and_renders_the_node_script(local_pair):
    for service in local_pair.values():
        assert service.values["distribution"] == "local"
        assert "ELIXIR_ERL_OPTIONS=-start_epmd false" in service.rendered_unit()


def test_local_nothing_listens_beyond_loopback_but_the_app_port(local_pair, box):
    for service in local_pair.values():
        sockets = listening_sockets(box, cgroup_pids(box, service))
        exposed = [(a, p) for a, p in sockets if not is_loopback(a) and p != service.port]
        assert exposed == [], sockets
        assert ("127.0.0.1", int(service.values["distribution_port"])) in sockets, sockets
        assert EPMD_PORT not in {port for _, port in sockets}, sockets


def test_local_runs_no_epmd_in_the_unit(local_pair, box):
    for service in local_pair.values():
        assert "epmd" not in process_names(box, cgroup_pids(box, service))


def test_local_documented_rpc_works(local_pair, box):
    assert documented(box, local_pair["dist-a"], "rpc", "IO.puts(:ok)") == "ok"


def test_local_documented_remote_shell_works(local_pair, box):
    service = local_pair["dist-a"]
    command = remote_command(service.values, "remote")
    done = box.run(["/bin/sh", "-c", command], input="IO.puts(:remote_ok)\n", timeout=60, check=False)
    assert "remote_ok" in done.stdout, (done.stdout, done.stderr)


def test_two_services_of_one_release_each_reach_their_own_node(local_pair, box):
    for service in local_pair.values():
        assert documented(box, service, "rpc", "IO.puts(node())") == f"{service.values['node_name']}@127.0.0.1"


def test_local_cookie_file_is_the_app_users_alone(local_pair, box):
    for service in local_pair.values():
        owner_mode = box.run(["stat", "-c", "%U %a", cookie_path(service)]).stdout.strip()
        assert owner_mode == f"{service.values['app_user']} 400"


def test_local_cookie_is_the_nodes_and_not_the_build_cookie(local_pair, box):
    service = local_pair["dist-a"]
    cookie = box.read_file(cookie_path(service)).strip()
    build_cookie = box.read_file(f"{service.values['current_dir']}/releases/COOKIE").strip()
    assert len(cookie) == 64
    assert documented(box, service, "rpc", "IO.puts(Node.get_cookie())") == cookie
    assert cookie != build_cookie


def test_local_cookie_is_not_on_any_command_line(local_pair, box):
    for service in local_pair.values():
        cookie = box.read_file(cookie_path(service)).strip()
        pids = cgroup_pids(box, service)
        assert pids
        for pid in pids:
            cmdline = box.run(["cat", f"/proc/{pid}/cmdline"], check=False).stdout
            assert cookie not in cmdline, pid


def test_local_cookies_differ_between_installs(local_pair, box):
    cookies = {box.read_file(cookie_path(service)).strip() for service in local_pair.values()}
    assert len(cookies) == 2


def test_local_cookie_survives_a_restart_and_a_deploy(local_pair, box, release):
    service = local_pair["dist-b"]
    before = box.read_file(cookie_path(service)).strip()
    old_pid = service.main_pid()
    box.systemctl("restart", service.unit, timeout=90)
    service.wait_http(not_pid=old_pid)
    after_restart = box.read_file(cookie_path(service)).strip()
    # A deploy: the release unpacked again (a new release dir with its own releases/COOKIE), then a restart.
    unpack_release(box, release, service.values)
    old_pid = service.main_pid()
    box.systemctl("restart", service.unit, timeout=90)
    service.wait_http(not_pid=old_pid)
    after_deploy = box.read_file(cookie_path(service)).strip()
    assert before == after_restart == after_deploy
    assert documented(box, service, "rpc", "IO.puts(Node.get_cookie())") == before


def test_stopping_one_service_leaves_the_others_remote_shell_working(local_pair, box):
    """epmd: stop one node; the other's rpc still connects; nothing of the stopped unit is left."""
    stopped, other = local_pair["dist-a"], local_pair["dist-b"]
    box.systemctl("stop", stopped.unit, timeout=90)
    try:
        assert cgroup_pids(box, stopped) == []
        assert documented(box, other, "rpc", "IO.puts(:still_ok)") == "still_ok"
        epmds = box.run(["pgrep", "-x", "epmd"], check=False).stdout.split()
        for pid in epmds:
            group = box.run(["cat", f"/proc/{pid}/cgroup"], check=False).stdout
            assert stopped.unit not in group and other.unit not in group, group
    finally:
        stopped.start()


# --- none ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def no_distribution(deploy, box) -> Service:
    service = deploy.scenario("dist-none", {**BASE, "distribution": "none"})
    service.start()
    return service


def test_none_serves_without_epmd_or_a_distribution_listener(no_distribution, box):
    service = no_distribution
    info = service.info()
    pids = cgroup_pids(box, service)
    assert info["env"]["RELEASE_DISTRIBUTION"] == "none"
    assert listening_sockets(box, pids) == [("127.0.0.1", service.port)]
    assert "epmd" not in process_names(box, pids)
    assert not (service.rendered / service.values["scripts_output_dir"] / f"{service.name}-node").exists()


# --- cluster ------------------------------------------------------------------------------------


def cluster_answers(address: str, source: str = "credentials") -> dict[str, object]:
    """source: the credential erlang_cookie, or ERLANG_COOKIE in the environment file."""
    secrets = {"config_strategies": ["environment_file"]}
    if source == "credentials":
        secrets = {"config_strategies": ["environment_file", "credentials"], "credentials": [COOKIE_CREDENTIAL]}
    return {
        **BASE,
        "distribution": "cluster",
        "distribution_interface": address,
        "distribution_port": CLUSTER_PORT,
        **secrets,
    }


@pytest.fixture(scope="module")
def cluster(deploy, box) -> dict[str, Service]:
    """Three "hosts" in one box (127.0.0.2-4, the same port): two share the cookie (cl-a as a
    credential, cl-b in its environment file), one has another."""
    share_run_mounts(box)
    services = deploy.scenarios(
        {
            "cl-a": cluster_answers("127.0.0.2"),
            "cl-b": cluster_answers("127.0.0.3", source="environment_file"),
            "cl-x": cluster_answers("127.0.0.4"),
        }
    )
    for name, service in services.items():
        directory = service.values["configuration_dir"]
        box.sh(f"install -d -m 0750 -o root -g root {directory}")
        if name == "cl-b":
            box.write_file(f"{directory}/environment", f"{COOKIE_VARIABLE}={CLUSTER_COOKIE}\n", "0600")
        else:
            box.write_file(f"{directory}/{COOKIE_CREDENTIAL}", WRONG_COOKIE if name == "cl-x" else CLUSTER_COOKIE, "0600")
    start(box, list(services.values()))
    return services


def test_cluster_nodes_listen_on_their_interface_and_port_only(cluster, box):
    for service in cluster.values():
        sockets = listening_sockets(box, cgroup_pids(box, service))
        assert sorted(sockets) == sorted([("127.0.0.1", service.port), (service.values["distribution_interface"], CLUSTER_PORT)])


def test_cluster_nodes_with_the_shared_cookie_see_each_other(cluster, box):
    a, b = cluster["cl-a"], cluster["cl-b"]
    target = f"{b.values['node_name']}@{b.values['distribution_interface']}"
    expression = f'IO.inspect(Node.connect(:"{target}")); IO.inspect(Node.list())'
    printed = documented(box, a, "rpc", expression)
    assert printed.splitlines() == ["true", f'[:"{target}"]']
    assert documented(box, a, "rpc", "IO.puts(Node.get_cookie())") == CLUSTER_COOKIE
    assert documented(box, b, "rpc", "IO.puts(Node.get_cookie())") == CLUSTER_COOKIE


def test_cluster_node_with_another_cookie_is_refused(cluster, box):
    a, x = cluster["cl-a"], cluster["cl-x"]
    target = f"{x.values['node_name']}@{x.values['distribution_interface']}"
    printed = documented(box, a, "rpc", f'IO.inspect(Node.connect(:"{target}"))')
    assert printed == "false"
    # The refused node logs the attempt by itself, after the rpc returned.
    assert "Connection attempt from node" in box.journal_showing(x.unit, "Connection attempt from node")


# --- epmd: the choice measured (docs/distribution.md, "Why no epmd") ------------------------------


def release_rpc(box, service: Service, expression: str) -> tuple[str, float]:
    """`bin/<release> rpc` the way a release's own distribution works: as root, the build cookie, via epmd."""
    started = time.monotonic()
    done = box.run(
        [f"{service.values['current_dir']}/bin/{service.values['release_name']}", "rpc", expression],
        env={"RELEASE_NODE": "probe_dist_rel", "RELEASE_TMP": "/tmp"},
        timeout=60,
    )
    return done.stdout.strip(), time.monotonic() - started


def epmd_units(box) -> list[str]:
    """The unit of every epmd process in the box."""
    units = []
    for pid in box.run(["pgrep", "-x", "epmd"], check=False).stdout.split():
        group = box.run(["cat", f"/proc/{pid}/cgroup"], check=False).stdout.strip()
        units.append(group.rpartition("/")[2])
    return units


def test_release_mode_with_and_without_debians_epmd_socket(deploy, box, local_pair):
    """What `distribution: release` does, beside local: Debian's epmd.socket, then the release's own epmd."""
    service = deploy.scenario("dist-rel", {**BASE, "distribution": "release", "env_vars": ["RELEASE_NODE=probe_dist_rel"]})
    socket_state = box.systemctl("is-active", "epmd.socket", check=False).stdout.strip()
    assert socket_state == "active", "the box should have Debian's epmd.socket (erlang-base enables it)"
    try:
        service.start()
        printed, seconds = release_rpc(box, service, "IO.puts(:ok)")
        record("rpc, release mode", "epmd.socket (Debian's)", seconds)
        sockets = listening_sockets(box, cgroup_pids(box, service))
        assert printed == "ok"
        assert "epmd.service" in epmd_units(box) and service.unit not in epmd_units(box)
        assert [a for a, p in sockets if p != service.port and not is_loopback(a)], sockets  # the VM's port: open
        all_4369 = [line for line in box.run(["ss", "-ltnH"]).stdout.splitlines() if f":{EPMD_PORT} " in line]
        assert any(("*:" in line or "0.0.0.0:" in line or "[::]:" in line) for line in all_4369), all_4369
        box.systemctl("stop", service.unit, timeout=90)
        assert "epmd.service" in epmd_units(box)  # the socket's epmd outlives the app

        # Without epmd.socket the release starts epmd itself, inside the unit, and the unit's stop kills it.
        box.systemctl("stop", "epmd.socket", "epmd.service", timeout=60)
        service.start()
        printed, seconds = release_rpc(box, service, "IO.puts(:ok)")
        record("rpc, release mode", "epmd started by the release", seconds)
        assert printed == "ok"
        assert service.unit in epmd_units(box)
        box.systemctl("stop", service.unit, timeout=90)
        assert epmd_units(box) == []
        # The local nodes never needed it.
        started = time.monotonic()
        assert documented(box, local_pair["dist-b"], "rpc", "IO.puts(:ok)") == "ok"
        record("rpc, local mode", "no epmd at all", time.monotonic() - started)
    finally:
        box.systemctl("stop", service.unit, check=False, timeout=90)
        box.systemctl("start", "epmd.socket", check=False)
