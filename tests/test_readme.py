"""The README and docs/ tell users the truth: the options table, the test command, the links, the --data-file example."""

from __future__ import annotations

import re
import shlex
import subprocess
from pathlib import Path

import pytest
import yaml

from rendering import unit_file, values_of, write_mix_exs
from terminal import COPIER
from unit_template.docs_table import BEGIN, END, PAGE, block
from unit_template.entry import checked_view
from unit_template.install import credential_placeholders, shell_line
from unit_template.options import OPTIONS
from unit_template.units import unit_view

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()
OPTIONS_PAGE = PAGE.read_text()
FIRST_SCREEN = "\n".join(README.splitlines()[:24])
MARKDOWN_LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")
# Pages other issues write: linked from the README before they exist (the lead checks them at merge).
def test_the_options_table_is_generated_from_the_current_options():
    start, end = OPTIONS_PAGE.index(BEGIN), OPTIONS_PAGE.index(END) + len(END)
    assert OPTIONS_PAGE[start:end] == block(), "run: .venv/bin/python extensions/unit_template/docs_table.py"


def test_the_options_table_has_a_row_for_every_option():
    table = OPTIONS_PAGE[OPTIONS_PAGE.index(BEGIN) : OPTIONS_PAGE.index(END)]
    missing = [name for name in OPTIONS if f"| `{name}` |" not in table]
    assert missing == []


def test_the_options_table_says_when_each_question_is_asked_as_copier_yml_asks_it():
    """Options given only with --data read "on a problem", as copier.yml asks them, not "when `false`"."""
    questions = yaml.safe_load((ROOT / "copier.yml").read_text())
    table = OPTIONS_PAGE[OPTIONS_PAGE.index(BEGIN) : OPTIONS_PAGE.index(END)]
    for name in OPTIONS:
        ask = str(questions[name].get("when", questions[name].get("ask", "")))
        if re.fullmatch(r"\{\{ \(false\) or asked_for_problem\('\w+'\) \}\}", ask):
            assert f"| `{name}` | on a problem |" in table, name


def test_the_options_page_yaml_example_is_accepted_as_written():
    """Given as a --data-file it was refused: `:runtime_dir` needs runtime in dirs, which it left out."""
    text = OPTIONS_PAGE.split("is written in YAML as", 1)[1].split("\n\n", 2)[1]
    example = yaml.safe_load("\n".join(line.removeprefix("    ") for line in text.splitlines()))
    assert {"env_vars", "env_files", "exec_start_pre"} <= set(example)
    view, problems = checked_view({"app_name": "foo_bar", **example})
    assert problems == [] and view is not None


def test_every_full_copier_command_in_the_docs_has_trust():
    """Without --trust copier stops: "Template uses potentially unsafe features" (docs/eex.md gave one such)."""
    pages = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    untrusted = []
    for page in pages:
        text = page.read_text()
        commands = re.findall(r"`(copier (?:copy|update|recopy)\b[^`]*)`", text) + re.findall(
            r"^\s*(copier (?:copy|update|recopy)\b.*)$", text, re.M
        )
        for command in (" ".join(c.split()) for c in commands):
            given = " -a " in command or "--data" in command or "--defaults" in command
            if given and not command.endswith("...") and "--trust" not in command:
                untrusted.append(f"{page.name}: {command}")
    assert untrusted == []


def test_ci_runs_the_test_command_the_readme_gives():
    command = ".venv/bin/pytest"
    assert f"\n    {command}\n" in README
    ci_lines = (ROOT / ".ci/run").read_text().splitlines()
    # As the README gives it, its exit status kept for after the suite's time is printed.
    assert any(line.partition(" || ")[0] == command for line in ci_lines)


def test_the_readme_is_short():
    assert len(README.splitlines()) <= 300


def test_the_first_screen_says_what_you_get_and_the_command():
    assert "\n    copier copy --trust gh:org/unit-template .\n" in FIRST_SCREEN
    assert "You get `rel/systemd/lib/systemd/system/<service_name>.service`" in FIRST_SCREEN


def docs() -> list[Path]:
    return [ROOT / "README.md", ROOT / "CONTRIBUTING.md", *sorted((ROOT / "docs").glob("*.md"))]


@pytest.mark.parametrize("page", docs(), ids=lambda p: str(p.relative_to(ROOT)))
def test_every_link_to_a_file_of_the_repository_exists(page: Path):
    targets = [t for t in MARKDOWN_LINK.findall(page.read_text()) if "://" not in t]
    missing = [t.split("#")[0] for t in targets if not (page.parent / t.split("#")[0]).exists()]
    assert missing == [], f"{page.name} links to missing {sorted(missing)}"


def test_one_truth_for_the_environment_files_mode():
    """The environment file's owner and mode are stated once, in docs/configuration.md."""
    pages = {p.name: p.read_text() for p in docs()}
    stated = [name for name, text in pages.items() if re.search(r"environment.{0,40}mode 06[04]0", text)]
    assert stated == []
    assert "sudo install -o root -g root -m 0600 environment /etc/foo-bar/environment" in pages["configuration.md"]


def test_the_data_file_example_renders_as_shown(tmp_path: Path):
    """The README's --data-file example, saved as it says and run with its command (the template: this tree)."""
    example = re.search(r"```yaml\n# (systemd-answers\.yml)\n(.*?)```", README, re.S)
    assert example, "the README shows a --data-file example"
    command = re.search(r"\n    (copier copy --trust --defaults --data-file systemd-answers\.yml) \S+ \.\n", README)
    assert command
    dst = tmp_path / "project"
    write_mix_exs(dst, "foo_bar")
    (dst / example.group(1)).write_text(example.group(2))
    args = command.group(1).split()[1:]
    subprocess.run([COPIER, *args, "--vcs-ref", "HEAD", str(ROOT), "."], cwd=dst, check=True, capture_output=True)
    data = yaml.safe_load(example.group(2))
    unit = unit_file(dst)
    assert values_of(unit, "Type") == [data["service_type"]]
    assert values_of(unit, "LimitNOFILE") == [str(data["limit_nofile"])]
    assert values_of(unit, "StateDirectory") == ["foo-bar"]
    assert "RELEASE_TMP=/run/foo-bar" in values_of(unit, "Environment")


def install_d_options(command: str) -> dict[str, str]:
    """-o, -g and -m of an `install -d` command line."""
    words = shlex.split(command)
    return {flag: words[words.index(flag) + 1] for flag in ("-o", "-g", "-m")}


def test_the_docs_give_the_configuration_dirs_owner_the_install_plan_gives_it():
    """One owner for /etc/<name>: every `install -d` of it in the docs makes it as the install steps do."""
    view = unit_view({"app_name": "foo_bar", "systemd_version": 252, "config_strategies": ["credentials"], "credentials": ["x"]})
    planned = install_d_options(shell_line(credential_placeholders(view)[0]))
    assert planned == {"-o": "root", "-g": "foo-bar", "-m": "0750"}
    made = [
        (f"{page.name}:{number}", install_d_options(line[line.index("install -d") :]))
        for page in docs()
        for number, line in enumerate(page.read_text().splitlines(), 1)
        if "install -d" in line and line.rstrip().endswith(" /etc/foo-bar")
    ]
    assert len(made) >= 3
    assert [(where, options) for where, options in made if options != planned] == []
    assert "`/etc/<name>` is owned by root, group `app_group`, mode 0750" in " ".join(
        (ROOT / "docs/configuration.md").read_text().split()
    )
