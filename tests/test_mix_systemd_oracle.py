"""Copier against the real mix_systemd 0.8.2, for a matrix of mix_systemd configurations.

For each configuration (mix_systemd_matrix.CONFIGS) a mix project gets it in
config/config.exs; copier imports it (`--defaults`) and renders the units and
rel/templates/systemd; then the real `systemd.generate` runs there with our
rendered EEx templates ("ours") and with mix_systemd's own ("own"). Ours must
give copier's units directive for directive; mix_systemd's own units differ
from copier's only by the differences docs/mix_systemd-differences.md lists.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from mix_systemd_matrix import CONFIGS, MIX_SYSTEMD_OPTIONS, UPSTREAM_REFUSES
from mix_systemd_oracle import APP, Oracle, build_oracle

from rendering import ROOT, render_template, sections, write_mix_exs
from unit_template.elixir_terms import read_config
from unit_template.hardening import DIRECTIVES

ANSWERS_FILE = ".copier-answers.systemd.yml"
COPIER = str(Path(sys.executable).parent / "copier")
VARIANTS = ("ours", "own")


def directive_lines(text: str) -> list[str]:
    """`[Section] Key=value` for each directive, in order: blank lines and comments aside."""
    return [f"[{section}] {key}={value}" for section, pairs in sections(text).items() for key, value in pairs]


@dataclass
class Case:
    name: str
    project: Path
    copier_error: str = ""

    def out(self, variant: str) -> Path:
        return self.project / f"mix-{variant}"

    def copier_units(self) -> dict[str, str]:
        answers = yaml.safe_load((self.project / ANSWERS_FILE).read_text())
        unit_dir = self.project / answers["output_dir"]
        return {p.name: p.read_text() for p in sorted(unit_dir.iterdir()) if p.suffix in (".service", ".path")}

    def mix_units(self, variant: str) -> dict[str, str]:
        out = self.out(variant)
        error = out / "error"
        assert not error.exists(), error.read_text()
        return {p.name: p.read_text() for p in sorted(out.iterdir())}


def config_exs(body: str) -> str:
    return "import Config\n\n" + (f"config :mix_systemd, {body}\n" if body else "")


@pytest.fixture(scope="session")
def oracle(tmp_path_factory: pytest.TempPathFactory) -> Oracle:
    return build_oracle(tmp_path_factory.mktemp("mix-systemd-oracle"))


@pytest.fixture(scope="module")
def cases(oracle: Oracle, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Case]:
    root = tmp_path_factory.mktemp("oracle-cases")
    result: dict[str, Case] = {}
    started = time.monotonic()
    for name, body in {**CONFIGS, **UPSTREAM_REFUSES}.items():
        project = root / name
        write_mix_exs(project, APP)
        (project / "config").mkdir()
        (project / "config" / "config.exs").write_text(config_exs(body))
        case = Case(name, project)
        try:
            render_template(project, {})
        except Exception as error:  # reported by the test of that case
            case.copier_error = f"{type(error).__name__}: {error}"
        result[name] = case
    rendered = time.monotonic()
    jobs = [(case.project, variant, case.out(variant)) for case in result.values() for variant in VARIANTS]
    generated = oracle.generate_all(jobs, root / "cases.exs")
    assert generated.returncode == 0, generated.stdout + generated.stderr
    print(
        f"\nmix_systemd oracle ({oracle.source}): {len(result)} configurations rendered by copier in "
        f"{rendered - started:.1f}s; {len(jobs)} `systemd.generate` runs in one mix call in {time.monotonic() - rendered:.1f}s"
    )
    return result


@pytest.mark.parametrize("name", list(CONFIGS))
def test_mix_systemd_generate_with_our_templates_gives_copiers_units(cases: dict[str, Case], name: str) -> None:
    case = cases[name]
    assert not case.copier_error
    ours = case.mix_units("ours")
    copier = case.copier_units()
    assert set(ours) <= set(copier)
    assert {unit: directive_lines(text) for unit, text in ours.items()} == {unit: directive_lines(copier[unit]) for unit in ours}


RUNTIME_ENVIRONMENT_UNIT = "foo-bar-runtime-environment.service"


@pytest.mark.parametrize("name", list(CONFIGS))
def test_copier_writes_a_unit_mix_systemd_does_not_only_for_the_runtime_environment_switch(
    cases: dict[str, Case], name: str
) -> None:
    """mix_systemd writes the runtime-environment unit only with `runtime_environment_service: true`."""
    case = cases[name]
    only_copier = set(case.copier_units()) - set(case.mix_units("ours"))
    switch = "runtime_environment_service: true" in CONFIGS[name]
    assert only_copier <= ({RUNTIME_ENVIRONMENT_UNIT} if not switch else set())


def test_the_runtime_environment_switch_difference_is_seen() -> None:
    assert [name for name in CONFIGS if "no-switch" in name]


@pytest.mark.parametrize("name", list(UPSTREAM_REFUSES))
def test_configs_mix_systemd_itself_cannot_generate_from_copy_with_copier(cases: dict[str, Case], name: str) -> None:
    case = cases[name]
    assert not case.copier_error
    assert "foo-bar.service" in case.copier_units()
    for variant in VARIANTS:
        assert (case.out(variant) / "error").is_file(), f"mix_systemd 0.8.2 now generates {name} ({variant})"


def test_every_mix_systemd_option_is_set_in_some_configuration() -> None:
    bodies = list(CONFIGS.values())
    named = {key for body in bodies for key in read_config(f"config :mix_systemd, {body}").values}
    assert sorted(set(MIX_SYSTEMD_OPTIONS) - named) == []


def test_the_matrix_has_configurations_with_and_without_this_templates_own_options() -> None:
    ours = {"hardening", "config_strategies", "credentials", "allow_privileged_ports", "watchdog_sec", "hardening_disable"}
    keys = [set(read_config(f"config :mix_systemd, {body}").values) for body in CONFIGS.values()]
    assert len(CONFIGS) >= 40
    assert sum(1 for k in keys if not k & ours) >= 40 and sum(1 for k in keys if k & ours) >= 5


# What a migrating user sees in `git diff` between mix_systemd's own units and
# copier's: each line that differs is explained by one of these, and each of
# these is seen in the matrix. docs/mix_systemd-differences.md lists the same ids.
@dataclass(frozen=True)
class Difference:
    removed: str = ""  # a line of mix_systemd's own unit that ours does not have
    added: str = ""  # a line of ours that mix_systemd's own unit does not have
    unit: str = ""  # the unit file, by its ending ("" the main unit)


HARDENING_KEYS = "|".join(sorted({row.key for row in DIRECTIVES} | {"AmbientCapabilities"}))
DIFFERENCES: dict[str, Difference] = {
    "no-exec-stop": Difference(removed=r"\[Service\] ExecStop=.*/bin/\S+ stop"),
    "after-targets-on-after": Difference(
        removed=r"\[Unit\] (After=local-fs\.target network\.target| .*=)",
        added=r"\[Unit\] After=local-fs\.target network\.target .+",
    ),
    "forking-start": Difference(
        removed=r"\[Service\] ExecStart=.*/bin/\S+ daemon", added=r"\[Service\] ExecStart=/bin/sh -c .* start"
    ),
    "wrap-space": Difference(
        removed=r"\[Service\] ExecStart=.*[^ ]/srv/\S+/bin/\S+ \w+",
        added=r"\[Service\] ExecStart=(?!/bin/sh )\S.* /srv/\S+/bin/\S+ \w+",
    ),
    "expand-keys-nil": Difference(removed=r"\[Service\] ExecSt(art|op)=", added=r"\[Service\] ExecStart=/\S+/bin/\S+ \w+"),
    "hardening": Difference(
        removed=rf"\[Service\] (({HARDENING_KEYS})=.*|UMask=0027)", added=rf"\[Service\] (({HARDENING_KEYS})=.*|UMask=0077)"
    ),
    "environment-file-strategy": Difference(
        added=r"\[Service\] (ConfigurationDirectory(Mode)?=.*|Environment=CONFIGURATION_DIR=.*|EnvironmentFile=-.*/environment)"
    ),
    "other-strategies": Difference(
        removed=r"\[(Unit|Service)\] (ExecStart=.*/bin/|After=local-fs\.target)",
        added=r"\[(Unit|Service)\] (ExecStartPre=\+.*/sync-config-.*|LoadCredential=.*|EnvironmentFile=/run/.*/environment|"
        r"ExecStart=.*/cloud-init-environment|After=local-fs\.target cloud-config\.target|Environment=RUNTIME_DIR=.*)",
    ),
    "writable-dirs": Difference(
        added=r"\[Service\] (Environment=(RELEASE_TMP|ERL_CRASH_DUMP|LOGS_DIR)=.*|LogsDirectory(Mode)?=.*|ReadWritePaths=.*)"
    ),
    "runtime-dir-when-needed": Difference(added=r"\[Service\] RuntimeDirectory(Mode|Preserve)?=.*"),
    "dirs-outside-systemds-bases": Difference(
        removed=r"\[Service\] (Runtime|State)Directory(Mode|Preserve)?=.*",
        added=r"\[Service\] RuntimeDirectory=\w+/.*",
    ),
    "tmp-dir-created": Difference(added=r"\[Service\] ExecStartPre=/usr/bin/install -d -m .*"),
    "sandbox-paths-without-chroot": Difference(added=r"\[Service\] (ReadWritePaths|ReadOnlyPaths|InaccessiblePaths)=.*"),
    "read-write-paths-optional": Difference(removed=r"\[Service\] ReadWritePaths=.*", added=r"\[Service\] ReadWritePaths=-.*"),
    "notify-access": Difference(added=r"\[Service\] NotifyAccess=main"),
    "own-options": Difference(added=r"\[Service\] WatchdogSec=.*"),
    "runtime-environment-unit": Difference(
        removed=r"\[Install\] WantedBy=multi-user\.target",
        added=r"\[(Unit|Service)\] (PartOf=.*|RemainAfterExit=yes|Wants=.*-runtime-environment\.service)",
        unit="-runtime-environment.service",
    ),
    "runtime-environment-wants": Difference(added=r"\[Unit\] Wants=.*-runtime-environment\.service"),
    "restart-and-stop": Difference(
        added=r"\[Unit\] StartLimitIntervalSec=.*|"
        r"\[Service\] (RestartSec|StartLimitInterval|TimeoutStopSec|KillMode|RestartSteps|RestartMaxDelaySec)=.*"
    ),
    "distribution-local": Difference(
        added=r"\[Service\] (Environment=(HOME|RELEASE_DISTRIBUTION|RELEASE_NODE|STATE_DIR)=.*|"
        r"Environment=\"ELIXIR_ERL_OPTIONS=-start_epmd false .*|StateDirectory(Mode)?=.*|"
        r"ExecStartPre=/bin/sh -c 'set -eu; cookie=.*)"
    ),
    "restart-units": Difference(
        removed=r"\[(Unit|Service|Install)\] (Description=.* restarter|After=local-fs\.target|"
        r"ExecStart=/usr/bin/systemctl restart .*|WantedBy=multi-user\.target)",
        added=r"\[(Unit|Service|Path)\] (Description=Restart .*|ExecStart=/bin/systemctl restart .*|Unit=.*-restart\.service)",
        unit="-restart.",
    ),
}
NOT_UNIT_LINES = ("runtime-environment-switch", *UPSTREAM_REFUSES)


def unit_kind(file_name: str) -> str:
    for ending in ("-runtime-environment.service", "-restart."):
        if ending in file_name:
            return ending
    return ""


def explained_by(line: str, removed: bool, file_name: str) -> list[str]:
    kind = unit_kind(file_name)
    return [
        name
        for name, difference in DIFFERENCES.items()
        if (difference.unit in ("", kind) if difference.unit else True)
        and re.fullmatch((difference.removed if removed else difference.added) or "(?!)", line)
    ]


@pytest.fixture(scope="module")
def own_differences(cases: dict[str, Case]) -> dict[str, list[str]]:
    """Each difference id -> where it was seen; "unexplained" -> the lines no difference explains."""
    seen: dict[str, list[str]] = {name: [] for name in DIFFERENCES}
    seen["unexplained"] = []
    for name in CONFIGS:
        case = cases[name]
        copier = case.copier_units()
        for unit, text in case.mix_units("own").items():
            own, ours = set(directive_lines(text)), set(directive_lines(copier[unit]))
            for removed, lines in ((True, own - ours), (False, ours - own)):
                for line in sorted(lines):
                    ids = explained_by(line, removed, unit)
                    where = f"{name} {unit} {'-' if removed else '+'}{line}"
                    for difference in ids:
                        seen[difference].append(where)
                    if not ids:
                        seen["unexplained"].append(where)
    return seen


def test_mix_systemds_own_units_differ_from_ours_only_as_listed(own_differences: dict[str, list[str]]) -> None:
    assert own_differences["unexplained"] == []
    print(f"\n{sum(len(v) for k, v in own_differences.items() if k != 'unexplained')} differing lines explained")


@pytest.mark.parametrize("difference", list(DIFFERENCES))
def test_each_listed_difference_is_seen(own_differences: dict[str, list[str]], difference: str) -> None:
    assert own_differences[difference], f"{difference} is listed but no configuration shows it"


DOCS = ROOT / "docs" / "mix_systemd-differences.md"


def test_the_differences_page_lists_exactly_the_differences_the_tests_find() -> None:
    listed = re.findall(r"^- \*\*`([a-z0-9-]+)`\*\*", DOCS.read_text(), flags=re.MULTILINE)
    assert sorted(listed) == sorted([*DIFFERENCES, *NOT_UNIT_LINES])


def test_the_users_commands_copier_copy_then_mix_systemd_generate_give_the_same_units(oracle: Oracle, tmp_path: Path) -> None:
    """Literally what a user keeping `mix systemd.generate` runs, in a project that depends on mix_systemd."""
    project = tmp_path / APP
    shutil.copytree(oracle.project, project, symlinks=True)
    (project / "config").mkdir(exist_ok=True)
    (project / "config" / "config.exs").write_text(
        config_exs('dirs: [:runtime, :state], restart_sec: 5, env_vars: ["PORT=4000"], service_type: :exec')
    )
    copied = subprocess.run(
        [COPIER, "copy", "--trust", "--defaults", "--quiet", "--vcs-ref", "HEAD", str(ROOT), str(project)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert copied.returncode == 0, copied.stderr

    generated = subprocess.run(
        "MIX_ENV=prod mix systemd.generate", shell=True, cwd=project, capture_output=True, text=True, check=False
    )

    assert generated.returncode == 0, generated.stdout + generated.stderr
    mix_unit = (project / "_build/prod/systemd/lib/systemd/system/foo-bar.service").read_text()
    copier_unit = (project / "rel/systemd/lib/systemd/system/foo-bar.service").read_text()
    assert directive_lines(mix_unit) == directive_lines(copier_unit)
    assert "[Service] Type=exec" in directive_lines(mix_unit)
