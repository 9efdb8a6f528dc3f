"""Each option at a non-default value, rendered by copier: the exact directives it produces.

One row per option (or option value); `exact` gives every value a key must
have in that file, `lines` directive lines that must appear exactly once,
`absent` keys that must not appear. Then one test per upstream defect fix.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest
from copier.errors import UserMessageError

from rendering import OUTPUT_DIR, directives, sections, unit_file, values_of
from unit_template.distribution import cookie_command
from unit_template.options import OPTIONS

# distribution local (the default) makes the node's cookie before any other ExecStartPre command but tmp's.
COOKIE_PRE = cookie_command({"distribution": "local"})

MAIN = "foo-bar.service"
RESTART_SERVICE = "foo-bar-restart.service"
RESTART_PATH = "foo-bar-restart.path"
RUNTIME_ENV = "foo-bar-runtime-environment.service"
RELEASE = "/srv/foo-bar/current/bin/foo_bar"


@dataclass(frozen=True)
class Case:
    id: str
    answers: dict[str, Any]
    exact: dict[str, list[str]] = field(default_factory=dict)
    lines: tuple[tuple[str, str], ...] = ()
    absent: tuple[str, ...] = ()
    file: str = MAIN
    output_dir: str = OUTPUT_DIR

    @property
    def options(self) -> set[str]:
        return set(self.answers)


def dir_cases(name: str, directive: str | None) -> list[Case]:
    """The four options of one managed directory, each away from its default."""
    env = f"{name.upper()}_DIR"
    on = {"dirs": [name]}
    if directive is None:  # tmp: created by ExecStartPre
        return [
            Case(
                f"{name}_directory",
                {**on, f"{name}_directory": "scratch"},
                exact={"ExecStartPre": ["/usr/bin/install -d -m 750 /var/tmp/scratch", COOKIE_PRE]},
            ),
            Case(
                f"{name}_directory_base",
                {**on, f"{name}_directory_base": "/scratch"},
                exact={"ExecStartPre": ["/usr/bin/install -d -m 750 /scratch/foo-bar", COOKIE_PRE]},
            ),
            Case(
                f"{name}_directory_mode",
                {**on, f"{name}_directory_mode": "0700"},
                exact={"ExecStartPre": ["/usr/bin/install -d -m 0700 /var/tmp/foo-bar", COOKIE_PRE]},
            ),
            Case(f"{name}_dir", {**on, f"{name}_dir": "/var/tmp/mine"}, lines=((("Environment", f"{env}=/var/tmp/mine"),))),
        ]
    base = {"runtime": "/run", "configuration": "/etc", "state": "/var/lib", "cache": "/var/cache", "logs": "/var/log"}
    unmanaged = {"systemd_version": 210 if name == "runtime" else 234, "hardening": "none"}
    return [
        Case(
            f"{name}_directory",
            {**on, f"{name}_directory": "shop/app"},
            exact={directive: ["shop/app"]},
            lines=((("Environment", f"{env}={base[name]}/shop/app"),)),
        ),
        # systemd creates a managed dir under its own base only (test_regressions_14 checks the
        # refusal): another base or path is for a systemd too old to manage the dir.
        Case(
            f"{name}_directory_base",
            {**on, **unmanaged, f"{name}_directory_base": "/data"},
            lines=((("Environment", f"{env}=/data/foo-bar"),)),
        ),
        Case(f"{name}_directory_mode", {**on, f"{name}_directory_mode": "0700"}, exact={f"{directive}Mode": ["0700"]}),
        Case(
            f"{name}_dir", {**on, **unmanaged, f"{name}_dir": "/data/mine"}, lines=((("Environment", f"{env}=/data/mine"),))
        ),
        Case(
            f"dirs={name}",
            on,
            exact={directive: ["foo-bar"], f"{directive}Mode": ["750"]},
            lines=((("Environment", f"{env}={base[name]}/foo-bar"),)),
        ),
    ]


CASES: list[Case] = [
    # Identity
    Case(
        "app_name",
        {"app_name": "shop_web"},
        # The paths and names follow app_name; the release is still the one mix.exs (app: :foo_bar) builds.
        exact={"ExecStart": ["/srv/shop-web/current/bin/foo_bar start"], "User": ["shop-web"]},
        file="shop-web.service",
    ),
    Case("release_name", {"release_name": "shop"}, exact={"ExecStart": ["/srv/foo-bar/current/bin/shop start"]}),
    Case(
        "ext_name", {"ext_name": "shop"}, exact={"User": ["shop"], "WorkingDirectory": ["/srv/shop/current"]}, file="shop.service"
    ),
    Case(
        "service_name",
        {"service_name": "shop-api"},
        exact={"SyslogIdentifier": ["shop-api"], "User": ["foo-bar"]},
        file="shop-api.service",
    ),
    Case("app_user", {"app_user": "deploy"}, exact={"User": ["deploy"], "Group": ["foo-bar"]}),
    Case("app_group", {"app_group": "www-data"}, exact={"User": ["foo-bar"], "Group": ["www-data"]}),
    Case("syslog_identifier", {"syslog_identifier": "shop"}, exact={"SyslogIdentifier": ["shop"]}),
    Case("mix_env", {"mix_env": "staging"}, lines=(("Environment", "MIX_ENV=staging"),)),
    Case("env_lang", {"env_lang": "C.UTF-8"}, lines=(("Environment", "LANG=C.UTF-8"),)),
    Case("env_lang=empty", {"env_lang": ""}, lines=(("Environment", "MIX_ENV=prod"),)),
    Case("release_system", {"release_system": "distillery"}, exact={"ExecStart": [f"{RELEASE} foreground"]}),
    # Layout on the target
    Case("base_dir", {"base_dir": "/opt"}, exact={"WorkingDirectory": ["/opt/foo-bar/current"]}),
    Case("deploy_dir", {"deploy_dir": "/opt/shop"}, exact={"ExecStart": ["/opt/shop/current/bin/foo_bar start"]}),
    Case(
        "scripts_dir",
        {"scripts_dir": "/opt/scripts", "runtime_environment_service_script": "env.sh"},
        exact={"ExecStart": ["/opt/scripts/env.sh"]},
        file=RUNTIME_ENV,
    ),
    Case(
        "flags_dir",
        {"flags_dir": "/var/flags", "restart_method": "systemd_flag"},
        exact={"PathModified": ["/var/flags/restart.flag"]},
        file=RESTART_PATH,
    ),
    Case(
        "current_dir",
        {"current_dir": "/srv/foo-bar/live"},
        exact={"ExecStart": ["/srv/foo-bar/live/bin/foo_bar start"], "WorkingDirectory": ["/srv/foo-bar/live"]},
    ),
    Case(
        "working_dir",
        {"working_dir": "/var/lib/foo"},
        exact={"WorkingDirectory": ["/var/lib/foo"], "ExecStart": [f"{RELEASE} start"]},
    ),
    Case("root_directory", {"root_directory": "/srv/jail", "chroot": True}, exact={"RootDirectory": ["/srv/jail"]}),
    Case(
        "pid_file",
        {"pid_file": "/run/foo/app.pid", "service_type": "forking", "runtime_directory": "foo"},
        exact={"PIDFile": ["/run/foo/app.pid"]},
        lines=(("Environment", "PIDFILE=/run/foo/app.pid"),),
    ),
    # systemd-managed directories
    *dir_cases("runtime", "RuntimeDirectory"),
    *dir_cases("configuration", "ConfigurationDirectory"),
    *dir_cases("state", "StateDirectory"),
    *dir_cases("cache", "CacheDirectory"),
    *dir_cases("logs", "LogsDirectory"),
    *dir_cases("tmp", None),
    Case(
        "dirs=tmp",
        {"dirs": ["tmp"]},
        exact={"ExecStartPre": ["/usr/bin/install -d -m 750 /var/tmp/foo-bar", COOKIE_PRE]},
        lines=(("Environment", "TMP_DIR=/var/tmp/foo-bar"),),
    ),
    Case(
        "runtime_directory_preserve",
        {"dirs": ["runtime"], "runtime_directory_preserve": "restart"},
        exact={"RuntimeDirectoryPreserve": ["restart"]},
    ),
    Case(
        "systemd_version=234",
        {"systemd_version": 234, "dirs": ["runtime", "state"]},
        exact={"RuntimeDirectory": ["foo-bar"]},
        absent=("RuntimeDirectoryPreserve", "StateDirectory"),
    ),
    Case("systemd_version=252", {"systemd_version": 252}, exact={"ProtectProc": ["invisible"]}),
    # Process
    Case("service_type=notify", {"service_type": "notify"}, exact={"Type": ["notify"], "NotifyAccess": ["main"]}),
    Case("service_type=exec", {"service_type": "exec", "systemd_version": 240}, exact={"Type": ["exec"]}),
    Case(
        "service_type=forking",
        {"service_type": "forking"},
        exact={"Type": ["forking"], "PIDFile": ["/run/foo-bar/foo_bar.pid"], "RuntimeDirectory": ["foo-bar"]},
    ),
    Case("start_command", {"start_command": "daemon_iex"}, exact={"ExecStart": [f"{RELEASE} daemon_iex"]}),
    Case("exec_start", {"exec_start": ["/usr/bin/env ", ":release_name"]}, exact={"ExecStart": ["/usr/bin/env foo_bar"]}),
    Case(
        "exec_start_wrap", {"exec_start_wrap": "/usr/bin/nice -n 5"}, exact={"ExecStart": [f"/usr/bin/nice -n 5 {RELEASE} start"]}
    ),
    Case("exec_stop", {"exec_stop": [":current_dir", "/bin/foo_bar stop"]}, exact={"ExecStop": [f"{RELEASE} stop"]}),
    Case(
        "exec_start_pre",
        {"exec_start_pre": [["!", ":deploy_dir", "/bin/sync"], "/bin/true"]},
        exact={"ExecStartPre": [COOKIE_PRE, "!/srv/foo-bar/bin/sync", "/bin/true"]},
    ),
    Case("restart", {"restart": "on-failure"}, exact={"Restart": ["on-failure"]}),
    Case("restart_sec", {"restart_sec": "5s"}, exact={"RestartSec": ["5s"]}),
    Case("timeout_start_sec", {"timeout_start_sec": "2min"}, exact={"TimeoutStartSec": ["2min"]}),
    Case(
        "restart_max_delay_sec",
        {"restart_max_delay_sec": "1min", "systemd_version": 254},
        exact={"RestartSec": ["1s"], "RestartSteps": ["5"], "RestartMaxDelaySec": ["1min"]},
    ),
    Case("restart_max_delay_sec=empty", {"restart_max_delay_sec": "", "systemd_version": 254}, absent=("RestartSteps",)),
    Case("start_limit_interval_sec", {"start_limit_interval_sec": "10s"}, exact={"StartLimitIntervalSec": ["10s"]}),
    Case("timeout_stop_sec", {"timeout_stop_sec": "2min"}, exact={"TimeoutStopSec": ["2min"]}),
    Case("kill_mode", {"kill_mode": "control-group"}, exact={"KillMode": ["control-group"]}),
    Case(
        "listen_sockets",
        {"listen_sockets": ["127.0.0.1:4000", "443"]},
        exact={"Requires": ["foo-bar.socket"], "After": ["local-fs.target network.target foo-bar.socket"]},
    ),
    Case(
        "listen_sockets (socket unit)",
        {"listen_sockets": ["127.0.0.1:4000", "[::1]:4001", "/run/foo-bar/http.sock"]},
        exact={
            "ListenStream": ["127.0.0.1:4000", "[::1]:4001", "/run/foo-bar/http.sock"],
            "FileDescriptorName": ["foo-bar"],
            "Service": ["foo-bar.service"],
            "WantedBy": ["sockets.target"],
        },
        file="foo-bar.socket",
    ),
    Case("watchdog_sec", {"watchdog_sec": "30s", "service_type": "notify"}, exact={"WatchdogSec": ["30s"]}),
    Case("limit_nofile", {"limit_nofile": 4096}, exact={"LimitNOFILE": ["4096"]}),
    Case("limit_core", {"limit_core": "infinity"}, exact={"LimitCORE": ["infinity"]}),
    Case("umask", {"umask": "0077"}, exact={"UMask": ["0077"]}),
    Case(
        "env_files",
        {"env_files": [["-", ":configuration_dir", "/environment"], "/etc/shop.env"]},
        exact={"EnvironmentFile": ["-/etc/foo-bar/environment", "/etc/shop.env"]},
    ),
    Case(
        "env_vars",
        {"env_vars": ["PORT=4000", ["RELEASE_TMP=", ":deploy_dir", "/tmp"]]},
        lines=(("Environment", "PORT=4000"), ("Environment", "RELEASE_TMP=/srv/foo-bar/tmp")),
    ),
    Case(
        "unit_after_targets",
        {"unit_after_targets": ["cloud-init.target", "postgresql.service"]},
        exact={"After": ["local-fs.target network.target cloud-init.target postgresql.service"]},
    ),
    Case(
        "restart_method",
        {"restart_method": "systemd_flag"},
        exact={"Type": ["oneshot"], "ExecStart": ["/bin/systemctl restart foo-bar.service"]},
        file=RESTART_SERVICE,
    ),
    Case(
        "restart_method=path",
        {"restart_method": "systemd_flag"},
        exact={"PathModified": ["/srv/foo-bar/flags/restart.flag"], "Unit": ["foo-bar-restart.service"]},
        file=RESTART_PATH,
    ),
    Case(
        "runtime_environment_service_script",
        {"runtime_environment_service_script": "/usr/local/bin/env.sh"},
        exact={"ExecStart": ["/usr/local/bin/env.sh"], "Type": ["oneshot"], "RemainAfterExit": ["yes"]},
        file=RUNTIME_ENV,
    ),
    Case(
        "runtime_environment_unit_after_targets",
        {"runtime_environment_service_script": "env.sh", "runtime_environment_unit_after_targets": ["network-online.target"]},
        exact={"After": ["local-fs.target network-online.target"]},
        file=RUNTIME_ENV,
    ),
    # Sandboxing
    Case("chroot", {"chroot": True, "root_directory": "/srv/root"}, exact={"RootDirectory": ["/srv/root"]}),
    Case(
        "read_write_paths",
        {"read_write_paths": ["/data", [":deploy_dir", "/uploads"]]},
        exact={"ReadWritePaths": ["-/data -/srv/foo-bar/uploads"]},
    ),
    Case(
        "read_write_paths-prefixes-kept",
        {"read_write_paths": ["-/maybe", "+/in-root", "-+/both"]},
        exact={"ReadWritePaths": ["-/maybe -+/in-root -+/both"]},
    ),
    Case("read_only_paths", {"read_only_paths": ["/etc/ssl", "-/opt/maybe"]}, exact={"ReadOnlyPaths": ["/etc/ssl -/opt/maybe"]}),
    Case("inaccessible_paths", {"inaccessible_paths": ["/home"]}, exact={"InaccessiblePaths": ["/home"]}),
    Case("paranoia", {"paranoia": True}, exact={"ProtectSystem": ["full"], "MountAPIVFS": ["yes"]}, absent=("SystemCallFilter",)),
    Case("hardening=none", {"hardening": "none"}, absent=("NoNewPrivileges", "ProtectSystem", "PrivateTmp")),
    Case("hardening=paranoia", {"hardening": "paranoia"}, exact={"ProtectSystem": ["full"], "PrivateUsers": ["yes"]}),
    Case("hardening=strict", {"hardening": "strict"}, exact={"ProtectSystem": ["strict"], "ProcSubset": ["pid"]}),
    Case(
        "allow_privileged_ports",
        {"allow_privileged_ports": True},
        exact={"AmbientCapabilities": ["CAP_NET_BIND_SERVICE"], "CapabilityBoundingSet": ["CAP_NET_BIND_SERVICE"]},
        absent=("PrivateUsers",),
    ),
    Case(
        "hardening_disable",
        {"hardening_disable": ["MemoryDenyWriteExecute"]},
        exact={"NoNewPrivileges": ["yes"]},
        absent=("MemoryDenyWriteExecute",),
    ),
    # Variable expansion
    Case(
        "expand_keys",
        {"expand_keys": ["env_vars"], "exec_stop": ["/bin/echo ", ":deploy_dir"]},
        exact={"ExecStop": ["/bin/echo :deploy_dir"]},
    ),
    Case("expand_keys_extra", {"expand_keys_extra": ["env_lang"], "env_lang": ":mix_env"}, lines=(("Environment", "LANG=prod"),)),
    # Files this template writes
    Case("output_dir", {"output_dir": "deploy/systemd"}, exact={"ExecStart": [f"{RELEASE} start"]}, output_dir="deploy/systemd"),
]

# Options whose effect is files other than the units, tested with those files.
OWNED_ELSEWHERE = {
    "distribution": "tests/test_distribution.py",
    "node_name": "tests/test_distribution.py",
    "distribution_port": "tests/test_distribution.py",
    "distribution_interface": "tests/test_distribution.py",
    "module_name": "EEx bindings only: test_module_name_changes_no_directive",
    "releases_dir": "tmpfiles.d file",
    "deploy_user": "sysusers.d file",
    "template_dir": "EEx templates",
    "eex_templates": "EEx templates",
    "system_files": "sysusers.d and tmpfiles.d files",
    "config_strategies": "configuration files",
    "credentials": "configuration files",
    "scripts_output_dir": "configuration scripts",
    "packaging": "package files: test_install_plan.py, e2e/test_packages.py",
    "package_maintainer": "package files: e2e/test_packages.py",
    "deploy_script": "the deploy script: tests/e2e/test_deploy_script.py",
    "deploy_health_url": "the deploy script: tests/e2e/test_deploy_script.py",
    "deploy_keep_releases": "the deploy script: tests/e2e/test_deploy_script.py",
    "deploy_timeout_sec": "the deploy script: tests/e2e/test_deploy_script.py",
    "overlap": "the overlap unit: tests/test_overlap.py, tests/e2e/test_overlap.py",
}


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_option_at_a_non_default_value_renders_its_directives(render, case: Case):
    text = unit_file(render(case.answers), case.file, case.output_dir)
    found = directives(text)
    for key, expected in case.exact.items():
        assert values_of(text, key) == expected, key
    for line in case.lines:
        assert found.count(line) == 1, line
    for key in case.absent:
        assert values_of(text, key) == [], key


def test_every_option_has_a_render_case():
    covered = set().union(*(case.options for case in CASES)) | set(OWNED_ELSEWHERE)
    assert sorted(set(OPTIONS) - covered) == []


def test_module_name_changes_no_directive(render):
    assert unit_file(render({"module_name": "Shop.Web"})) == unit_file(render())


def test_env_lang_empty_sets_no_lang(render):
    assert [v for v in values_of(unit_file(render({"env_lang": ""})), "Environment") if v.startswith("LANG=")] == []


# --- upstream defects, fixed --------------------------------------------------


def test_unit_after_targets_are_on_the_after_line_itself(render):
    text = unit_file(render({"unit_after_targets": ["cloud-init.target"]}))
    after = [line for line in text.splitlines() if "cloud-init.target" in line]
    assert after == ["After=local-fs.target network.target cloud-init.target"]


def test_no_line_starts_with_whitespace(render):
    dst = render({"unit_after_targets": ["cloud-init.target"], "runtime_environment_service_script": "env.sh"})
    for name in (MAIN, RUNTIME_ENV):
        assert [line for line in unit_file(dst, name).splitlines() if line[:1].isspace()] == [], name


def test_runtime_environment_unit_comes_from_the_documented_option(render):
    dst = render({"runtime_environment_service_script": "runtime-env.sh"})
    assert values_of(unit_file(dst, RUNTIME_ENV), "ExecStart") == ["/srv/foo-bar/bin/runtime-env.sh"]


def test_runtime_environment_unit_stays_active_after_its_script_exits(render):
    text = unit_file(render({"runtime_environment_service_script": "env.sh"}), RUNTIME_ENV)
    assert sections(text)["Service"][:2] == [("Type", "oneshot"), ("RemainAfterExit", "yes")]


def test_main_unit_wants_and_is_after_the_runtime_environment_unit(render):
    text = unit_file(render({"runtime_environment_service_script": "env.sh"}))
    unit = sections(text)["Unit"]
    assert ("Wants", RUNTIME_ENV) in unit
    assert RUNTIME_ENV in dict(unit)["After"].split()


def test_no_runtime_environment_unit_without_its_script(render):
    dst = render()
    assert not (dst / OUTPUT_DIR / RUNTIME_ENV).exists()
    assert values_of(unit_file(dst), "Wants") == []


def test_tmp_creates_its_directory_before_start(render):
    text = unit_file(render({"dirs": ["tmp"]}))
    assert values_of(text, "ExecStartPre") == ["/usr/bin/install -d -m 750 /var/tmp/foo-bar", COOKIE_PRE]


def test_tmp_dir_uses_tmp_directory_not_logs_directory(render):
    text = unit_file(render({"dirs": ["tmp"], "tmp_directory": "scratch", "logs_directory": "journal"}))
    assert ("Environment", "TMP_DIR=/var/tmp/scratch") in directives(text)


def test_tmp_dir_in_private_tmp_is_not_a_read_write_path(render):
    """Under PrivateTmp= it does not exist when the namespace is set up, which would fail the start."""
    text = unit_file(render({"dirs": ["tmp"], "hardening": "strict"}))
    assert values_of(text, "ReadWritePaths") == []


@pytest.mark.parametrize("chroot", [False, True], ids=["without-chroot", "with-chroot"])
@pytest.mark.parametrize(
    ("option", "key"),
    [("read_write_paths", "ReadWritePaths"), ("read_only_paths", "ReadOnlyPaths"), ("inaccessible_paths", "InaccessiblePaths")],
)
def test_sandbox_paths_apply_with_and_without_chroot(render, option, key, chroot):
    text = unit_file(render({option: ["-/data", "/srv/shared"], "chroot": chroot, "root_directory": "/srv/jail"}))
    assert values_of(text, key)[0].split()[0] == "-/data"
    assert values_of(text, key)[0].split()[1].endswith("/srv/shared")


def test_a_missing_read_write_path_does_not_fail_the_start(render):
    """ReadWritePaths=/data with no /data: 226/NAMESPACE at every start; "-" makes systemd skip it."""
    text = unit_file(render({"read_write_paths": ["/data"], "hardening": "strict"}))
    assert values_of(text, "ReadWritePaths") == ["-/data"]


def test_forking_mix_release_writes_the_pid_file_systemd_reads(render):
    text = unit_file(render({"service_type": "forking"}))
    (start,) = values_of(text, "ExecStart")
    assert start == f'/bin/sh -c \'"$$@" & echo $$! >"$$PIDFILE"\' sh {RELEASE} start'
    assert ("Environment", "PIDFILE=/run/foo-bar/foo_bar.pid") in directives(text)
    assert values_of(text, "PIDFile") == ["/run/foo-bar/foo_bar.pid"]


def test_forking_mix_release_never_runs_daemon(render):
    """`bin/<release> daemon` writes no PID file: PIDFile= would never appear."""
    text = unit_file(render({"service_type": "forking"}))
    assert "daemon" not in values_of(text, "ExecStart")[0].split()


def test_forking_pid_file_dir_is_created_by_systemd(render):
    text = unit_file(render({"service_type": "forking"}))
    assert values_of(text, "RuntimeDirectory") == ["foo-bar"]


def test_no_exec_stop_unless_exec_stop_is_set(render):
    assert values_of(unit_file(render({"service_type": "forking"})), "ExecStop") == []


BUSY = {
    "dirs": ["runtime", "configuration", "state", "cache", "logs", "tmp"],
    "service_type": "forking",
    "restart_method": "systemd_flag",
    "runtime_environment_service_script": "env.sh",
    "unit_after_targets": ["cloud-init.target"],
    "env_vars": ["PORT=4000"],
    "chroot": True,
    "root_directory": "/srv/jail",
    "read_write_paths": ["/data"],
    "exec_start_pre": ["/bin/true"],
    "exec_stop": "/bin/true",
    "watchdog_sec": "10s",
    "restart_sec": "1s",
    "limit_core": 0,
}


@pytest.mark.parametrize(
    "answers", [{}, BUSY, {**BUSY, "hardening": "none", "systemd_version": 234}], ids=["defaults", "busy", "busy-old"]
)
def test_no_runs_of_blank_lines_in_any_rendered_file(render, answers):
    dst = render(answers)
    files = [p for p in dst.rglob("*") if p.is_file() and ".git" not in p.parts and p.name != "mix.exs"]
    assert files
    for path in files:
        text = path.read_text()
        assert "\n\n\n" not in text, path
        assert not text.startswith("\n"), path
        assert not text.endswith("\n\n"), path


def test_every_unit_section_is_followed_by_a_directive(render):
    dst = render(BUSY)
    for path in (dst / OUTPUT_DIR).iterdir():
        for name, lines in sections(path.read_text()).items():
            assert lines, f"{path.name}: [{name}] is empty"


def test_rendered_units_are_under_output_dir_only(render):
    dst = render({"restart_method": "systemd_flag", "runtime_environment_service_script": "env.sh"})
    assert sorted(p.name for p in (dst / OUTPUT_DIR).iterdir()) == sorted([MAIN, RESTART_PATH, RESTART_SERVICE, RUNTIME_ENV])


def test_restart_method_touch_is_refused_saying_to_use_systemd_flag(render):
    from copier.errors import UserMessageError

    with pytest.raises(UserMessageError, match=r"restart_method: .*use systemd_flag"):
        render({"restart_method": "touch"})


def test_system_files_next_to_a_custom_output_dir_do_not_collide(render):
    dst = render({"output_dir": "deploy/systemd"})
    assert (dst / "deploy/systemd/sysusers.d/foo-bar.conf").read_text() != (
        dst / "deploy/systemd/tmpfiles.d/foo-bar.conf"
    ).read_text()


def test_daemon_start_command_with_mix_is_refused_with_what_to_use(render):
    with pytest.raises(UserMessageError, match=r"start_command: daemon is not supported.*leave start_command empty"):
        render({"start_command": "daemon", "service_type": "forking"})


def test_default_answers_keep_crash_dumps_in_a_dir_that_outlives_the_restart(render):
    """distribution local gives the state dir (its cookie lives there); without it, the logs dir is added."""
    text = unit_file(render())
    assert "ERL_CRASH_DUMP=/var/lib/foo-bar/erl_crash.dump" in values_of(text, "Environment")
    text = unit_file(render({"distribution": "none"}))
    assert values_of(text, "LogsDirectory") == ["foo-bar"]
    assert "ERL_CRASH_DUMP=/var/log/foo-bar/erl_crash.dump" in values_of(text, "Environment")


def test_crash_dump_uses_the_state_dir_when_answered_and_adds_no_logs_dir(render):
    text = unit_file(render({"dirs": ["state"]}))
    assert values_of(text, "LogsDirectory") == []
    assert "ERL_CRASH_DUMP=/var/lib/foo-bar/erl_crash.dump" in values_of(text, "Environment")


def test_crash_dump_adds_no_logs_dir_without_hardening(render):
    text = unit_file(render({"hardening": "none"}))
    assert values_of(text, "LogsDirectory") == []
    assert not [v for v in values_of(text, "Environment") if v.startswith("ERL_CRASH_DUMP=")]


def test_sandbox_paths_take_their_older_names_before_systemd_231(render) -> None:
    """ReadWritePaths= and friends are systemd 231's; before, they were written for 230 all the same."""
    paths = {"read_write_paths": ["/data"], "read_only_paths": ["/etc/ssl"], "inaccessible_paths": ["/home"]}
    unit = unit_file(render({"systemd_version": 230, **paths}))
    assert values_of(unit, "ReadWriteDirectories") == ["-/data"]
    assert (values_of(unit, "ReadOnlyDirectories"), values_of(unit, "InaccessibleDirectories")) == (["/etc/ssl"], ["/home"])
    assert "ReadWritePaths=" not in unit
