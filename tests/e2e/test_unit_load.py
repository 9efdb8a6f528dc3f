"""systemd 252 loads every rendered unit without a warning (unknown keys, bad values...)."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.e2e

# Option-heavy answer sets: every unit kind and most directives, for the box's systemd 252.
SPECS = {
    "load-strict": {"hardening": "strict", "systemd_version": 252, "dirs": ["runtime", "state", "cache", "logs", "tmp"]},
    "load-notify": {"service_type": "notify", "systemd_version": 252, "watchdog_sec": "10s", "timeout_start_sec": "1min"},
    "load-forking": {"service_type": "forking", "restart_sec": "2s", "limit_core": "infinity", "umask": "0077"},
    "load-flag": {"restart_method": "systemd_flag", "hardening": "paranoia", "unit_after_targets": ["time-sync.target"]},
    "load-runenv": {
        "runtime_environment_service_script": "runtime-environment",
        "dirs": ["runtime", "configuration"],
        "env_files": [["-", ":configuration_dir", "/environment"]],
        "read_only_paths": ["/usr/share"],
        "allow_privileged_ports": True,
    },
}


@pytest.fixture(scope="module")
def loaded(deploy):
    return deploy.scenarios(SPECS)


@pytest.mark.parametrize("name", SPECS)
def test_rendered_units_load_without_warnings(loaded, box, name):
    service = loaded[name]
    states = {unit: box.show(unit, "LoadState")["LoadState"] for unit in service.units}
    log = box.run(["journalctl", "--no-pager", "-o", "cat", "_PID=1"]).stdout
    warnings = [line for line in log.splitlines() if any(f"/etc/systemd/system/{unit}:" in line for unit in service.units)]
    assert (states, warnings) == (dict.fromkeys(service.units, "loaded"), [])
