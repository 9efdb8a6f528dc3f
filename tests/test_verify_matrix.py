"""Every rendered unit, across a matrix of answer combinations, passes `systemd-analyze verify` silently.

`verify` exits 0 even when it warns, so any output at all fails. Each
combination is rendered by copier; `systemd-analyze security --offline=yes`
must also run on every service (exit 0, an exposure line).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from rendering import OUTPUT_DIR, render_template
from systemd_analyze import (
    UNIT_SUFFIXES,
    install_units,
    introduced_in,
    make_scratch_root,
    require_systemd_analyze,
    security,
    verify,
)
from unit_template.options import DIR_BASES, OPTIONS, RELEASE_SYSTEMS, RESTART_METHODS, SERVICE_TYPES
from unit_template.resolve import resolve

Answers = dict[str, Any]


def dir_overrides(name: str) -> Answers:
    # systemd creates a managed dir under its own base only (issue 14): only tmp may move.
    base = "/data" if name == "tmp" else DIR_BASES[name]
    return {
        "dirs": [name],
        f"{name}_directory": "shop/data",
        f"{name}_directory_base": base,
        f"{name}_directory_mode": "0700",
        f"{name}_dir": f"{base}/shop/data",
    }


# Each option away from its default at least once (test_matrix_covers_every_option checks it).
EXTRAS: list[tuple[str, Answers]] = [
    ("identity", {"app_name": "shop_web", "module_name": "Shop", "release_name": "shop", "mix_env": "staging"}),
    ("names", {"ext_name": "shop", "service_name": "shop-api", "syslog_identifier": "shopid"}),
    ("users", {"app_user": "deploy", "app_group": "www-data"}),
    ("deploy-user", {"restart_method": "systemd_flag", "deploy_user": "deployer"}),
    ("lang-empty", {"env_lang": ""}),
    ("lang", {"env_lang": "C.UTF-8"}),
    ("layout", {"base_dir": "/opt", "releases_dir": "/opt/foo-bar/rel", "flags_dir": "/var/flags"}),
    ("deploy-dir", {"deploy_dir": "/opt/shop", "current_dir": "/opt/shop/live", "working_dir": "/var/lib/foo"}),
    ("scripts", {"scripts_dir": "/opt/scripts", "runtime_environment_service_script": "env.sh"}),
    ("chroot", {"chroot": True, "root_directory": "/srv/jail", "read_write_paths": ["/data"]}),
    ("pid-file", {"pid_file": "/run/foo-bar/app.pid", "dirs": ["runtime"]}),
    ("all-dirs", {"dirs": ["runtime", "configuration", "state", "cache", "logs", "tmp"]}),
    *[(f"{name}-dir", dir_overrides(name)) for name in ("runtime", "configuration", "state", "cache", "logs", "tmp")],
    ("preserve", {"dirs": ["runtime"], "runtime_directory_preserve": "yes"}),
    ("start-command", {"start_command": "foreground"}),
    ("exec-start", {"exec_start": ["/usr/bin/env ", ":current_dir", "/bin/", ":release_name", " start"]}),
    ("wrap-stop", {"exec_start_wrap": "/usr/bin/nice -n 5", "exec_stop": [":current_dir", "/bin/foo_bar stop"]}),
    ("pre", {"exec_start_pre": [["-", ":scripts_dir", "/migrate"], "/bin/echo 100%"]}),
    ("restart", {"restart": "on-failure", "restart_sec": "5s", "timeout_start_sec": "2min 30s"}),
    ("limits", {"limit_nofile": "infinity", "limit_core": 0, "umask": "0077"}),
    ("env", {"env_files": [["-", ":configuration_dir", "/environment"]], "env_vars": ['A=b c"d\\e%f', "PORT=4000"]}),
    ("after", {"unit_after_targets": ["cloud-init.target", "postgresql.service"]}),
    (
        "runtime-env",
        {
            "runtime_environment_service_script": "/usr/local/bin/runtime-env",
            "runtime_environment_unit_after_targets": ["network-online.target"],
            "dirs": ["runtime"],
        },
    ),
    ("s3-sync", {"config_strategies": ["s3_sync"]}),
    ("ssm", {"config_strategies": ["environment_file", "ssm"]}),
    ("cloud-init", {"config_strategies": ["cloud_init"]}),
    ("credentials", {"config_strategies": ["credentials"], "credentials": ["db_password"], "systemd_version": 252}),
    ("scripts-out", {"config_strategies": ["s3_sync"], "scripts_output_dir": "deploy/scripts"}),
    ("distribution-none", {"distribution": "none"}),
    ("distribution-local", {"node_name": "api", "distribution_port": 4400}),
    (
        "cluster",
        {
            "distribution": "cluster",
            "distribution_interface": "10.0.0.5",
            "config_strategies": ["credentials"],
            "credentials": ["erlang_cookie"],
            "systemd_version": 252,
        },
    ),
    ("paths", {"read_write_paths": ["/data"], "read_only_paths": ["-/etc/ssl"], "inaccessible_paths": ["/home"]}),
    ("paranoia", {"paranoia": True}),
    ("ports", {"allow_privileged_ports": True}),
    ("disable", {"hardening_disable": ["MemoryDenyWriteExecute", "SystemCallFilter=~@privileged"]}),
    ("expand", {"expand_keys": ["env_vars"], "expand_keys_extra": ["env_lang"], "env_lang": ":mix_env"}),
    ("output", {"output_dir": "deploy/systemd", "template_dir": "deploy/eex", "eex_templates": False}),
    ("no-system-files", {"system_files": False}),
    ("packaging", {"packaging": True, "package_maintainer": "Ops <ops@example.org>"}),
    ("watchdog", {"service_type": "notify", "watchdog_sec": "30s"}),
    ("old-systemd", {"systemd_version": 234, "dirs": ["runtime", "state", "tmp"]}),
    (
        "deploy-script",
        {
            "deploy_script": False,
            "deploy_health_url": "http://127.0.0.1:4000/health",
            "deploy_keep_releases": 3,
            "deploy_timeout_sec": 30,
        },
    ),
    ("sockets", {"listen_sockets": ["127.0.0.1:4000", "[::1]:4001", "443", "/run/foo-bar.sock"]}),
    ("sockets without overlap", {"listen_sockets": ["127.0.0.1:4000"], "overlap": False}),
    (
        "lifecycle",
        {"kill_mode": "process", "timeout_stop_sec": "1min", "start_limit_interval_sec": "10s", "restart_max_delay_sec": ""},
    ),
]

BASE = list(itertools.product(SERVICE_TYPES, RELEASE_SYSTEMS, RESTART_METHODS))
PROFILES = [(hardening, version) for hardening in ("none", "paranoia", "standard", "strict") for version in (239, 247, 252)]


def consistent(answers: Answers) -> Answers:
    """Type=exec needs systemd 240: raise the version where a combination asks for exec."""
    if answers.get("service_type") == "exec" and int(answers.get("systemd_version") or 0) < 240:
        return {**answers, "systemd_version": 252}
    return answers


def combinations() -> list[tuple[str, Answers]]:
    combos = []
    # every service_type x release_system x restart_method, each with one extra
    for i, (service_type, release_system, restart_method) in enumerate(BASE):
        extra_id, extra = EXTRAS[i % len(EXTRAS)]
        base = {"service_type": service_type, "release_system": release_system, "restart_method": restart_method}
        combos.append((f"{service_type}-{release_system}-{restart_method}+{extra_id}", consistent({**extra, **base})))
    # every extra on its own
    combos += [(extra_id, consistent(extra)) for extra_id, extra in EXTRAS]
    # every hardening profile at each common systemd version, with dirs in use
    for hardening, version in PROFILES:
        answers = {"hardening": hardening, "systemd_version": version, "dirs": ["runtime", "state", "tmp"]}
        combos.append((f"{hardening}-v{version}", answers))
    return combos


COMBINATIONS = combinations()


def test_matrix_has_at_least_60_combinations():
    assert len(COMBINATIONS) >= 60


def test_matrix_covers_every_service_type_release_system_restart_method():
    seen = {(a.get("service_type"), a.get("release_system"), a.get("restart_method")) for _, a in COMBINATIONS}
    assert set(BASE) <= seen


def test_matrix_sets_every_option_away_from_its_default():
    changed = {name for _, answers in COMBINATIONS for name in answers}
    changed |= {"service_type", "release_system", "restart_method", "hardening", "systemd_version"}
    assert sorted(set(OPTIONS) - changed) == []


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], Path]:
    """The unit dir of a combination, rendered by copier once for all the tests below."""
    cache: dict[str, Path] = {}
    answers_of = dict(COMBINATIONS)

    def unit_dir(combination: str) -> Path:
        if combination not in cache:
            answers = answers_of[combination]
            dst = render_template(tmp_path_factory.mktemp("matrix") / "project", answers)
            cache[combination] = dst / answers.get("output_dir", OUTPUT_DIR)
        return cache[combination]

    return unit_dir


@pytest.fixture
def scratch_root(tmp_path: Path) -> Path:
    return make_scratch_root(tmp_path / "root")


IDS = [combination for combination, _ in COMBINATIONS]


@pytest.mark.parametrize("combination", IDS)
def test_every_rendered_unit_verifies_without_any_output(rendered, scratch_root: Path, combination: str):
    tool = require_systemd_analyze()
    names = install_units(scratch_root, rendered(combination))
    assert any(name.endswith(".service") for name in names)
    for name in names:
        result = verify(tool, scratch_root, name)
        assert (result.returncode, result.stdout + result.stderr) == (0, ""), name


@pytest.mark.parametrize("combination", IDS)
def test_security_scores_every_rendered_service_offline(rendered, scratch_root: Path, combination: str):
    tool = require_systemd_analyze()
    names = [n for n in install_units(scratch_root, rendered(combination)) if n.endswith(".service")]
    for name in names:
        result = security(tool, scratch_root, name)
        assert result.returncode == 0, result.stderr
        assert f"Overall exposure level for {name}:" in result.stdout


@pytest.mark.parametrize("combination", IDS)
def test_no_directive_is_newer_than_systemd_version(rendered, combination: str):
    """verify runs systemd 252 here; older versions ignore newer keys (with a warning), so check the table."""
    answers = dict(COMBINATIONS)[combination]
    version = resolve({"app_name": "foo_bar", **answers})["systemd_version"]
    too_new = [
        (unit.name, line, since)
        for unit in rendered(combination).iterdir()
        if unit.suffix in UNIT_SUFFIXES
        for line in unit.read_text().splitlines()
        for since in [introduced_in(line)]
        if since > version
    ]
    assert too_new == []


def test_a_unit_with_a_bad_directive_is_not_silent(tmp_path: Path):
    """The check itself: an unknown key makes verify print, so a silent run means something."""
    tool = require_systemd_analyze()
    units = tmp_path / "units"
    units.mkdir()
    (units / "bad.service").write_text("[Service]\nExecStart=/bin/true\nNoSuchKey=1\n")
    root = make_scratch_root(tmp_path / "root")
    install_units(root, units)
    assert "NoSuchKey" in verify(tool, root, "bad.service").stderr


def test_introduced_in_knows_type_exec_and_exec_prefixes():
    assert [introduced_in(line) for line in ("Type=exec", "ExecStartPre=!/bin/x", "ExecStart=+/bin/x", "User=a")] == [
        240,
        235,
        231,
        1,
    ]


def test_install_units_ignores_files_that_are_not_units(tmp_path: Path):
    units = tmp_path / "units"
    units.mkdir()
    (units / "foo.conf").write_text("u foo -\n")
    root = make_scratch_root(tmp_path / "root")
    assert install_units(root, units) == []
