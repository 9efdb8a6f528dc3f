"""The EEx templates under rel/templates/systemd give the units copier renders.

Each case is rendered with copier; its option values are exported as
mix_systemd's bindings (bindings.py) and every .eex file is evaluated with the
real `elixir`, as `mix systemd.generate` does (EEx.eval_file(..., trim: true)),
all cases in one elixir run. The directives must match the Jinja units
section by section, in order (blank lines and comments aside).

Three shapes of bindings per case: "copier", every option as exported;
"mix_systemd", only the options mix_systemd 0.8 has, with its own start_command
default (daemon for forking + mix), so the templates fall back to the answers
baked into them; "strings", every option as exported, with strings where
mix_systemd has atoms; "other_project", every option as exported, evaluated
with the .eex files copier wrote for the first case (default answers): with
all options bound, what copier baked into the files must not matter (except
for a value equal to mix_systemd's own default where ours differs, e.g.
systemd_version 235: the .eex files read it as "not set", see bindings.py).
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from rendering import OUTPUT_DIR, render_template, sections
from system_tools import require_tool
from unit_template.bindings import MIX_SYSTEMD_DEFAULTS, elixir_keyword, elixir_string, export_bindings
from unit_template.options import DIR_NAMES, OPTIONS, RELEASE_SYSTEMS, RESTART_METHODS, SERVICE_TYPES
from unit_template.units import unit_view

TEMPLATE_DIR = "rel/templates/systemd"
ANSWERS_FILE = ".copier-answers.systemd.yml"
# template name -> unit file name, for service_name foo-bar
UNITS = {
    "systemd.service": "{}.service",
    "restart.service": "{}-restart.service",
    "restart.path": "{}-restart.path",
    "runtime-environment.service": "{}-runtime-environment.service",
}
VARIANTS = ("copier", "mix_systemd", "strings", "other_project")


def matrix_cases() -> dict[str, dict[str, Any]]:
    """Every service_type x release_system x restart_method (Type=exec needs systemd 240)."""
    return {
        f"{service_type}-{release_system}-{restart_method}": {
            "service_type": service_type,
            "release_system": release_system,
            "restart_method": restart_method,
            **({"systemd_version": 252} if service_type == "exec" else {}),
        }
        for service_type in SERVICE_TYPES
        for release_system in RELEASE_SYSTEMS
        for restart_method in RESTART_METHODS
    }


ALL_DIRS = list(DIR_NAMES)
TRICKY_ENV_VARS = [
    "PLAIN=1",
    "SPACED=a b",
    'QUOTED=say "hi"',
    "SINGLE=it's",
    "BACKSLASH=a\\b",
    "PERCENT=100%",
    "HASH=#{not_code} <%= neither %>",
    "UNICODE=café",
    ["RELEASE_TMP=", ":runtime_dir"],
    ["DEPLOY=", ":deploy_dir", "/with space"],
]
SANDBOX_PATHS = {
    "read_write_paths": ["/var/lib/foo-bar-data", ["-", ":deploy_dir", "/uploads"]],
    "read_only_paths": ["/etc/foo-bar"],
    "inaccessible_paths": ["-/home"],
}

CASES: dict[str, dict[str, Any]] = {
    **matrix_cases(),
    "runtime-environment-script": {
        "runtime_environment_service_script": "runtime-env",
        "runtime_environment_unit_after_targets": ["network-online.target"],
        "env_vars": ["PORT=4000", "NAME=a b"],
        "dirs": ["runtime"],
    },
    "runtime-environment-script-absolute-root": {
        "runtime_environment_service_script": ["!", "/usr/local/bin/make-env %i"],
        "unit_after_targets": ["cloud-init.target"],
        "service_type": "forking",
    },
    "dirs-all": {
        "dirs": ALL_DIRS,
        "runtime_directory_preserve": "restart",
        "configuration_directory_mode": "0550",
        "tmp_directory": "foo-tmp",
        "state_directory": "foo-bar/data",  # systemd creates a state dir under /var/lib only (issue 14)
    },
    "dirs-all-forking-mix": {"dirs": ALL_DIRS, "service_type": "forking"},
    "env-vars-quoting-and-references": {"env_vars": TRICKY_ENV_VARS, "dirs": ["runtime"]},
    **{f"hardening-{profile}": {"hardening": profile, "dirs": ALL_DIRS} for profile in ("none", "paranoia", "standard")},
    "hardening-strict": {"hardening": "strict", "dirs": ALL_DIRS, "env_vars": ["ERL_CRASH_DUMP=/tmp/c.dump"]},
    "paranoia-flag": {"paranoia": True},
    "allow-privileged-ports-standard": {"allow_privileged_ports": True},
    "allow-privileged-ports-paranoia": {"allow_privileged_ports": True, "hardening": "paranoia"},
    "hardening-disable": {"hardening_disable": ["MemoryDenyWriteExecute", "SystemCallFilter=~@privileged"]},
    "chroot-with-paths": {"chroot": True, "root_directory": "/srv/jail", **SANDBOX_PATHS},
    "paths-without-chroot": SANDBOX_PATHS,
    "paths-before-systemd-231": {"systemd_version": 230, **SANDBOX_PATHS},
    **{
        f"systemd-{version}": {"systemd_version": version, "dirs": ALL_DIRS, "service_type": "forking"}
        for version in (229, 235, 239, 252)
    },
    "systemd-229-paranoia": {"systemd_version": 229, "hardening": "paranoia", "dirs": ["runtime", "tmp"]},
    "exec-start-override": {"exec_start": [":current_dir", "/bin/foo_bar start --load 50%"]},
    "wrap-stop-and-start-pre": {
        "exec_start_wrap": "/usr/bin/nice -n 5",
        "exec_stop": [":current_dir", "/bin/foo_bar stop"],
        "exec_start_pre": ["/bin/true", ["!", ":deploy_dir", "/bin/sync-config"]],
        "service_type": "forking",
    },
    "limits-and-timers": {
        "limit_core": "infinity",
        "limit_nofile": 1024,
        "restart": "on-failure",
        "restart_sec": "5s",
        "timeout_start_sec": "2min",
        "umask": "0077",
        "env_lang": "",
        "mix_env": "staging",
    },
    "notify-watchdog": {"service_type": "notify", "watchdog_sec": "30s"},
    "sockets-and-backoff-254": {
        "listen_sockets": ["127.0.0.1:4000", "443"],
        "systemd_version": 254,
        "restart_max_delay_sec": "1min",
        "kill_mode": "control-group",
        "timeout_stop_sec": "1min",
    },
    "lifecycle-unset": {
        "systemd_version": 254,
        "restart_max_delay_sec": "",
        "start_limit_interval_sec": "",
        "timeout_stop_sec": "",
    },
    "renamed": {
        "service_name": "fb-api",
        "app_user": "fbuser",
        "app_group": "fbgroup",
        "syslog_identifier": "fb",
        "base_dir": "/opt",
        "release_name": "fb",
        "working_dir": "/opt/work",
        "flags_dir": "/var/flags",
        "restart_method": "systemd_flag",
        "unit_after_targets": ["cloud-init.target", "postgresql.service"],
    },
    # service_name other than ext_name (issue 18): dirs, credentials, cookie and strategies' paths.
    "service-name-local": {
        "service_name": "shop-api",
        "config_strategies": ["environment_file", "credentials"],
        "credentials": ["db_password"],
        "dirs": ["runtime", "configuration", "state", "logs"],
        "systemd_version": 252,
        "hardening": "strict",
    },
    "service-name-cluster": {
        "service_name": "shop-api",
        "config_strategies": ["environment_file", "credentials"],
        "credentials": ["db_password", "erlang_cookie"],
        "distribution": "cluster",
        "distribution_interface": "10.0.0.5",
        "dirs": ["runtime", "configuration", "state", "logs"],
        "systemd_version": 252,
    },
    "service-name-other-strategies": {
        "service_name": "shop-api",
        "config_strategies": ["s3_sync", "ssm", "cloud_init", "credentials"],
        "credentials": ["erlang_cookie"],
        "distribution": "cluster",
        "systemd_version": 252,
        "restart_method": "systemd_flag",
    },
    "env-files": {"env_files": [["-", ":configuration_dir", "/extra"], "/etc/default/foo-bar"]},
    "no-config-strategy": {"config_strategies": []},
    "strategy-credentials": {"config_strategies": ["credentials"], "credentials": ["db_password"], "systemd_version": 252},
    "strategy-s3-and-ssm": {"config_strategies": ["s3_sync", "ssm"], "systemd_version": 252},
    "strategy-cloud-init": {"config_strategies": ["environment_file", "cloud_init"]},
    "distillery-forking-tmp": {"release_system": "distillery", "service_type": "forking", "dirs": ["tmp"]},
    # The assembly both templates write on their own (docs/eex.md), branch by branch:
    # ReadWritePaths= under strict gets the dirs systemd does not create, not the private tmp one.
    "strict-unmanaged-dirs": {
        "hardening": "strict",
        "systemd_version": 252,
        "dirs": ["configuration", "state", "cache", "tmp"],
        "state_dir": "/data/foo-bar",
        "read_write_paths": ["/srv/uploads", "-/srv/optional"],
    },
    # A PID file outside the runtime dir (in the state dir): no runtime dir added for it; the start command wrapped.
    "forking-pid-elsewhere": {
        "service_type": "forking",
        "pid_file": "/var/lib/foo-bar/foo-bar.pid",
        "dirs": ["state"],
        "exec_start_wrap": "/usr/bin/nice -n 5",
    },
    # The user's own ERL_CRASH_DUMP: no logs dir added for it, RELEASE_TMP still set.
    "crash-dump-by-user": {"env_vars": ["ERL_CRASH_DUMP=/var/lib/foo-bar/erl_crash.dump"], "env_lang": "C.UTF-8"},
}


def mix_systemd_bindings(bindings: dict[str, Any], answers: dict[str, Any]) -> dict[str, Any]:
    """What mix_systemd's own config gives: its start_command default is daemon for forking + mix."""
    derived_start = "start_command" not in answers
    if derived_start and bindings["service_type"] == "forking" and bindings["release_system"] == "mix":
        return {**bindings, "start_command": "daemon"}
    return bindings


def binding_shapes(view: dict[str, Any], answers: dict[str, Any]) -> dict[str, str]:
    """Each variant's bindings, as Elixir source."""
    bindings = export_bindings(view)
    mix_systemd = mix_systemd_bindings(export_bindings(view, mix_systemd_only=True), answers)
    return {
        "copier": elixir_keyword(bindings),
        "mix_systemd": elixir_keyword(mix_systemd),
        "strings": elixir_keyword(bindings, atoms=False),
    }


def rendered_answers(dst: Path, answers: dict[str, Any]) -> dict[str, Any]:
    recorded = yaml.safe_load((dst / ANSWERS_FILE).read_text())
    return {**{k: v for k, v in recorded.items() if k in OPTIONS}, **answers}


EVAL_SCRIPT = """
[cases_file, out_dir] = System.argv()
{cases, _} = Code.eval_file(cases_file)
templates = ~w(systemd.service restart.service restart.path runtime-environment.service)
for {id, template_dir, bindings} <- cases, name <- templates do
  target = Path.join([out_dir, id, name])
  File.mkdir_p!(Path.dirname(target))
  try do
    File.write!(target, EEx.eval_file(Path.join(template_dir, name <> ".eex"), bindings, trim: true))
  rescue
    error -> File.write!(target <> ".error", Exception.format(:error, error, __STACKTRACE__))
  end
end
"""




def service_name(case: str) -> str:
    return CASES[case].get("service_name", "foo-bar")


class Rendered:
    """Every case rendered with copier, and its bindings in each shape as Elixir source."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.projects: dict[str, Path] = {}
        self.entries: list[str] = []
        for case, answers in CASES.items():
            dst = render_template(root / "projects" / case, answers)
            self.projects[case] = dst
            shapes = binding_shapes(unit_view(rendered_answers(dst, answers)), answers)
            for variant, bindings in shapes.items():
                self.add(f"{case}-{variant}", dst, bindings)
            self.add(f"{case}-other_project", self.projects[next(iter(CASES))], shapes["copier"])

    def add(self, name: str, project: Path, bindings: str) -> None:
        template_dir = elixir_string(str(project / TEMPLATE_DIR))
        self.entries.append(f"{{{elixir_string(name)}, {template_dir}, {bindings}}}")

    def jinja_unit(self, case: str, template: str) -> Path:
        return self.projects[case] / OUTPUT_DIR / UNITS[template].format(service_name(case))


class Evaluated:
    """Every .eex of every case and shape, evaluated in one elixir run."""

    def __init__(self, rendered: Rendered, elixir: str) -> None:
        cases_file = rendered.root / "cases.exs"
        cases_file.write_text("[\n" + ",\n".join(rendered.entries) + "\n]\n")
        script = rendered.root / "eval.exs"
        script.write_text(EVAL_SCRIPT)
        self.out = rendered.root / "eex"
        self.result = subprocess.run(
            [elixir, str(script), str(cases_file), str(self.out)], capture_output=True, text=True, timeout=600
        )

    def output(self, case: str, variant: str, template: str) -> str:
        target = self.out / f"{case}-{variant}" / template
        error = target.with_name(template + ".error")
        assert not error.exists(), error.read_text()
        return target.read_text()


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> Rendered:
    return Rendered(tmp_path_factory.mktemp("eex-equivalence"))


@pytest.fixture(scope="module")
def elixir() -> str:
    return require_tool("elixir", "elixir")


@pytest.fixture(scope="module")
def evaluated(elixir: str, rendered: Rendered) -> Evaluated:
    return Evaluated(rendered, elixir)


def expected_templates(case: str) -> list[str]:
    """The units mix systemd.generate writes for this configuration."""
    answers = CASES[case]
    templates = ["systemd.service"]
    if answers.get("restart_method") == "systemd_flag":
        templates += ["restart.service", "restart.path"]
    if answers.get("runtime_environment_service_script") or "cloud_init" in answers.get("config_strategies", []):
        templates.append("runtime-environment.service")
    return templates


def directive_lines(text: str) -> list[str]:
    """`[Section] Key=value` for each directive, in order: blank lines and comments aside."""
    return [f"[{section}] {key}={value}" for section, pairs in sections(text).items() for key, value in pairs]


def names_a_mix_systemd_default(case: str) -> bool:
    return any(CASES[case].get(name) == value for name, value in MIX_SYSTEMD_DEFAULTS.items())


def bakes_its_cluster(case: str) -> bool:
    """distribution cluster: the .eex files add the lines copier rendered for it (systemd.service.eex,
    "cluster as copier rendered it"), so another project's files give that project's cluster."""
    return CASES[case].get("distribution") == "cluster"


COMPARISONS = [
    pytest.param(case, variant, template, id=f"{case}-{variant}-{template}")
    for case in CASES
    for variant in VARIANTS
    for template in expected_templates(case)
    if not (variant == "other_project" and (names_a_mix_systemd_default(case) or bakes_its_cluster(case)))
]


@pytest.mark.parametrize(("case", "variant", "template"), COMPARISONS)
def test_eex_template_gives_the_directives_of_the_jinja_unit(evaluated, rendered, case, variant, template):
    jinja = rendered.jinja_unit(case, template).read_text()
    eex = evaluated.output(case, variant, template)
    assert directive_lines(eex) == directive_lines(jinja)


@pytest.mark.parametrize("case", list(CASES))
def test_copier_writes_the_units_mix_systemd_generate_would(rendered, case):
    unit_dir = rendered.projects[case] / OUTPUT_DIR
    # Like the .socket, the overlap unit (listen_sockets) has no mix_systemd template: copier writes it alone.
    written = [p.name for p in unit_dir.iterdir() if p.suffix in (".service", ".path") and "-overlap." not in p.name]
    expected = [UNITS[t].format(service_name(case)) for t in expected_templates(case)]
    assert sorted(written) == sorted(expected)


def test_eex_templates_evaluate_without_warnings_or_errors(evaluated):
    assert evaluated.result.returncode == 0, evaluated.result.stderr
    assert evaluated.result.stderr == ""


def test_eex_output_has_no_blank_line_runs(evaluated):
    outputs = {p: p.read_text() for p in evaluated.out.glob("*/*") if p.suffix != ".error"}
    assert outputs
    assert [str(p) for p, text in outputs.items() if "\n\n\n" in text or text.startswith("\n")] == []


def test_all_four_eex_templates_are_written_by_default(render):
    dst = render()
    assert sorted(p.name for p in (dst / TEMPLATE_DIR).iterdir()) == sorted(f"{t}.eex" for t in UNITS)


def test_eex_templates_follow_template_dir(render):
    dst = render({"template_dir": "priv/systemd-templates"})
    assert (dst / "priv/systemd-templates/systemd.service.eex").is_file()
    assert not (dst / TEMPLATE_DIR).exists()


def test_no_eex_templates_are_written_when_eex_templates_is_false(render):
    dst = render({"eex_templates": False})
    assert (dst / OUTPUT_DIR / "foo-bar.service").is_file()
    assert not (dst / TEMPLATE_DIR).exists()
    assert list(dst.rglob("*.eex")) == []
