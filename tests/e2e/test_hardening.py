"""Issue 4, end to end: every hardening profile boots and serves; what standard allows and forbids."""

from __future__ import annotations

import contextlib

import pytest

from unit_template.distribution import release_environment

from .deploy import message_of, printed_script, run_install_script, start_all
from .metrics import record

pytestmark = pytest.mark.e2e

PROFILES = ("none", "paranoia", "standard", "strict")
# 239: the template's default systemd_version; 252: the box's own, with every directive.
VERSIONS = (239, 252)


@pytest.fixture(scope="module")
def profile_services(deploy, box):
    """Every profile x version, rendered in parallel and started by one systemctl call."""
    specs = {
        f"{profile}-{version}": {"hardening": profile, "systemd_version": version, "dirs": ["state"]}
        for profile in PROFILES
        for version in VERSIONS
    }
    services = deploy.scenarios(specs)
    for name, seconds in start_all(box, list(services.values())).items():
        record("start -> first HTTP answer", f"{name} (8 at once)", seconds)
    return services


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("profile", PROFILES)
def test_profile_boots_and_serves(profile_services, profile, version):
    service = profile_services[f"{profile}-{version}"]
    info = service.info()
    assert (service.show("ActiveState")["ActiveState"], info["runtime_exs"], info["os_mon"]) == ("active", True, True)


# A read_write_paths entry that does not exist on the server (issue 18): systemd skips it.
MISSING_PATH = "/srv/not-mounted-yet"


@pytest.fixture(scope="module", params=["standard", "strict"])
def hardened(request, deploy):
    answers = {"hardening": request.param, "systemd_version": 252, "dirs": ["state"], "read_write_paths": [MISSING_PATH]}
    service = deploy.scenario(f"{request.param}-fs", answers)
    service.start()
    return service


def test_hardened_vm_serves_with_a_read_write_path_that_does_not_exist(hardened, box):
    """Without the `-` the start fails at every attempt (226/NAMESPACE) and never serves."""
    assert box.run(["test", "-e", MISSING_PATH], check=False).returncode == 1
    assert f"ReadWritePaths=-{MISSING_PATH}" in hardened.rendered_unit().splitlines()
    assert hardened.show("ActiveState")["ActiveState"] == "active"
    assert hardened.info()["boot_write"] == ":ok"


def test_install_script_warns_about_the_read_write_path_that_does_not_exist(hardened, box):
    """The app cannot write there: the install script says so (run again, as after a change)."""
    done = run_install_script(box, hardened.project, printed_script(message_of(hardened.rendered)))
    assert f"read_write_paths {MISSING_PATH} does not exist" in done.stderr


def test_hardened_vm_cannot_write_into_the_release(hardened):
    assert hardened.get("/write/RELEASE_ROOT")["result"] == "{:error, :erofs}"


def test_hardened_vm_writes_into_state_dir(hardened):
    assert hardened.get("/write/STATE_DIR")["result"] == ":ok"


def test_hardened_vm_recorded_its_boot_in_state_dir(hardened):
    assert hardened.info()["boot_write"] == ":ok"


def test_release_rpc_reaches_the_hardened_vm(hardened, box):
    """Distribution on localhost works under standard and strict: `bin/<rel> rpc` as root, with the node's settings."""
    info = hardened.info()
    rpc = box.run(
        [f"{hardened.values['current_dir']}/bin/{hardened.values['release_name']}", "rpc", "IO.puts(System.pid())"],
        env={**release_environment(hardened.values, remote=True), "RELEASE_TMP": "/tmp"},
        timeout=60,
    )
    assert rpc.stdout.strip() == info["os_pid"]


def test_only_strict_hides_system_memory_from_os_mon(hardened):
    """strict's ProcSubset=pid hides /proc/meminfo: memsup reports nothing; standard keeps it."""
    seen = hardened.info()["system_memory_entries"] > 0
    assert seen is (hardened.values["hardening"] == "standard")


PRIVILEGED_PORTS = iter(range(81, 1024))


def privileged_port() -> int:
    return next(PRIVILEGED_PORTS)


@pytest.mark.parametrize("profile", ["standard", "strict"])
def test_port_below_1024_serves_with_allow_privileged_ports(deploy, profile):
    port = privileged_port()
    service = deploy.scenario(
        f"port-{profile}", {"hardening": profile, "systemd_version": 252, "allow_privileged_ports": True}, port=port
    )
    service.start()
    assert service.info()["env"]["PORT"] == str(port)


def test_port_below_1024_is_refused_without_allow_privileged_ports(deploy):
    """The counter-proof: the same port without the option never serves, the unit fails."""
    service = deploy.scenario(
        "port-refused", {"hardening": "standard", "systemd_version": 252, "restart": "no"}, port=privileged_port()
    )
    service.box.systemctl("start", service.unit, check=False)
    service.wait_state("failed", timeout=30)
    assert "eacces" in service.box.journal_showing(service.unit, "eacces")


def test_paranoia_true_from_mix_systemd_boots_and_serves(deploy):
    """Scenario 10: `paranoia: true`, as a mix_systemd user answers it, still runs the release."""
    service = deploy.scenario("paranoia-true", {"paranoia": True})
    service.start()
    assert "ProtectSystem=full" in service.rendered_unit().splitlines()
    assert service.info()["runtime_exs"] is True


def dumps_after_a_crash(service, box, dir_name: str) -> int:
    """Crash the VM with a slogan, wait for systemd's restart, count the dumps in its <dir_name> dir."""
    service.start()
    old_pid = service.main_pid()
    with contextlib.suppress(OSError):
        service.get("/crash-dump")
    service.wait_http(timeout=30, not_pid=old_pid)
    dump = f"{service.values[f'{dir_name}_dir']}/erl_crash.dump"
    return int(box.run(["grep", "-c", "^Slogan: e2e crash dump", dump], check=False).stdout.strip() or 0)


def test_crash_dump_lands_in_the_logs_dir_under_standard(deploy, box):
    """ERL_CRASH_DUMP is pointed at a writable dir automatically: the VM's dump is written there."""
    service = deploy.scenario("dump", {"hardening": "standard", "systemd_version": 252, "dirs": ["logs"]})
    assert dumps_after_a_crash(service, box, "logs") == 1


def test_crash_dump_survives_the_restart_with_default_answers(deploy, box):
    """With no dirs answered the state dir (the node's cookie is there, distribution local) takes the
    dump, and without it standard adds the logs dir: PrivateTmp's /tmp would not outlive the restart."""
    assert dumps_after_a_crash(deploy.scenario("dump-default"), box, "state") == 1
    assert dumps_after_a_crash(deploy.scenario("dump-no-dist", {"distribution": "none"}), box, "logs") == 1
