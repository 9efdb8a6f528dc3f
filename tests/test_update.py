"""copier update with real template versions: v1 is the working tree, v2 a later release of it.

v2 differs from v1 by a new directive (Documentation=), a changed default
(timeout_start_sec: none -> 5min) and a renamed question (syslog_identifier ->
journal_identifier, migrated by `_migrations`).
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from rendering import OUTPUT_DIR, values_of
from template_repo import (
    ANSWERS_FILE,
    RENAMED_FROM,
    RENAMED_TO,
    V2_DIRECTIVE,
    commit_all,
    copy_template,
    git,
    make_v2,
    new_project,
    snapshot_template,
    update_project,
)
from unit_template.normalise import normalise
from unit_template.options import OPTIONS

UNIT = f"{OUTPUT_DIR}/foo-bar.service"
INSTALL_SCRIPT = "rel/install-systemd"
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    repo = snapshot_template(tmp_path_factory.mktemp("template"), "v1")
    make_v2(repo, "v2")
    return repo


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return new_project(tmp_path / "project")


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1))


def answers(project: Path) -> dict:
    return yaml.safe_load((project / ANSWERS_FILE).read_text())


def cli_update(project: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    """The README's copier update, without prompts, plus extra."""
    copier = str(Path(sys.executable).parent / "copier")
    args = [copier, "update", "--trust", "--defaults", "-a", ANSWERS_FILE, *extra]
    return subprocess.run(args, cwd=project, capture_output=True, text=True, check=False)


def test_local_edit_survives_an_update_that_changes_other_lines(template: Path, project: Path) -> None:
    copy_template(template, project)
    edit(project / UNIT, "LimitNOFILE=65535", "LimitNOFILE=100000")
    commit_all(project, "local edit")

    update_project(project)

    text = (project / UNIT).read_text()
    assert values_of(text, "LimitNOFILE") == ["100000"]
    assert V2_DIRECTIVE in text.splitlines()
    assert "<<<<<<<" not in text


def update_with_an_edit_next_to_v2s_new_line(template: Path, project: Path) -> str:
    """A copy, a committed local edit beside the line v2 adds, the update: the unit as it is then."""
    copy_template(template, project)
    edit(project / UNIT, "Description=foo-bar service", "Description=Foo Bar shop")
    commit_all(project, "local edit next to v2's new line")
    update_project(project)
    return (project / UNIT).read_text()


def test_overlapping_edit_leaves_conflict_markers_that_git_diff_check_finds(template: Path, project: Path) -> None:
    text = update_with_an_edit_next_to_v2s_new_line(template, project)
    assert "<<<<<<< before updating" in text
    assert ">>>>>>> after updating" in text
    check = subprocess.run(["git", "-C", str(project), "diff", "--check"], capture_output=True, text=True)
    assert check.returncode != 0
    assert "leftover conflict marker" in check.stdout


def test_the_install_script_refuses_a_unit_left_with_conflict_markers_before_any_change(template: Path, project: Path) -> None:
    """systemd skips the marker lines and reads both sides' directives: before, the script installed that unit."""
    update_with_an_edit_next_to_v2s_new_line(template, project)
    dry = subprocess.run(["sh", "rel/install-systemd", "--dry-run"], cwd=project, capture_output=True, text=True, check=False)
    assert (dry.returncode, dry.stdout) == (65, "")
    assert dry.stderr == (
        f"install-systemd: {UNIT} has conflict markers from copier update:"
        " resolve them in the project (docs/updating.md), then run this again\n"
    )


def test_update_with_data_re_renders_like_a_fresh_copy(template: Path, project: Path, tmp_path: Path) -> None:
    copy_template(template, project, vcs_ref="v2")

    update_project(project, {"base_dir": "/opt"}, vcs_ref="v2")

    fresh = new_project(tmp_path / "fresh")
    copy_template(template, fresh, {"base_dir": "/opt"}, vcs_ref="v2")
    assert (project / UNIT).read_text() == (fresh / UNIT).read_text()
    assert values_of((project / UNIT).read_text(), "WorkingDirectory") == ["/opt/foo-bar/current"]


def test_update_with_data_keeps_derived_answers_empty(template: Path, project: Path) -> None:
    copy_template(template, project, vcs_ref="v2")

    update_project(project, {"base_dir": "/opt"}, vcs_ref="v2")

    recorded = answers(project)
    assert recorded["base_dir"] == "/opt"
    assert recorded["deploy_dir"] == ""


def test_service_name_change_moves_local_edits_to_the_renamed_unit(template: Path, project: Path) -> None:
    copy_template(template, project, vcs_ref="v2")
    edit(project / UNIT, "Type=simple", "Type=exec")
    commit_all(project, "local edit")

    update_project(project, {"service_name": "shop"}, vcs_ref="v2")

    renamed = (project / OUTPUT_DIR / "shop.service").read_text()
    assert not (project / UNIT).exists()
    assert values_of(renamed, "Type") == ["exec"]
    assert values_of(renamed, "Description") == ["shop service"]


def conflict_markers(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith(("<<<<<<< ", ">>>>>>> "))]


def test_a_second_rename_switches_from_the_first_new_name_without_conflict_markers(template: Path, project: Path) -> None:
    """Before, copier's render of the recorded answers had no switch steps, so the first rename's looked
    like a local edit of rel/install-systemd, and clashed with the second rename's: conflict markers."""
    copy_template(template, project, vcs_ref="v2")
    for name in ("shop", "store"):
        done = cli_update(project, "-d", f"service_name={name}")
        assert done.returncode == 0, done.stderr
        commit_all(project, f"service_name {name}")
    script = (project / INSTALL_SCRIPT).read_text()
    assert not conflict_markers(script)
    assert "if [ -e /etc/systemd/system/shop.service ]; then" in script
    assert "foo-bar.service" not in script
    assert answers(project)["earlier_answers"] == {"service_name": "shop"}


def test_an_update_after_a_rename_keeps_its_switch_steps_and_changes_nothing(template: Path, project: Path) -> None:
    """A server still on foo-bar.service switches with the script of any later update; the steps are guarded."""
    copy_template(template, project, vcs_ref="v2")
    assert "earlier_answers" not in answers(project)
    assert cli_update(project, "-d", "service_name=shop").returncode == 0
    commit_all(project, "service_name shop")
    assert answers(project)["earlier_answers"] == {"service_name": ""}  # empty: derived from app_name
    switch = "if [ -e /etc/systemd/system/foo-bar.service ]; then"
    assert switch in (project / INSTALL_SCRIPT).read_text()

    done = cli_update(project)
    assert done.returncode == 0, done.stderr
    assert git(project, "status", "--porcelain") == ""
    assert switch in (project / INSTALL_SCRIPT).read_text()


def test_an_update_that_changes_another_answer_after_a_rename_keeps_both_earlier_values(template: Path, project: Path) -> None:
    copy_template(template, project, vcs_ref="v2")
    assert cli_update(project, "-d", "service_name=shop").returncode == 0
    commit_all(project, "service_name shop")
    done = cli_update(project, "-d", "limit_nofile=4096")
    assert done.returncode == 0, done.stderr
    assert answers(project)["earlier_answers"] == {"service_name": "", "limit_nofile": ""}
    script = (project / INSTALL_SCRIPT).read_text()
    assert "if [ -e /etc/systemd/system/foo-bar.service ]; then" in script
    assert not conflict_markers(script)


def test_service_name_change_during_a_version_update_keeps_edits_and_takes_v2(template: Path, project: Path) -> None:
    copy_template(template, project, vcs_ref="v1")
    edit(project / UNIT, "Type=simple", "Type=exec")
    commit_all(project, "local edit")

    update_project(project, {"service_name": "shop"}, vcs_ref="v2")

    renamed = (project / OUTPUT_DIR / "shop.service").read_text()
    assert values_of(renamed, "Type") == ["exec"]
    assert V2_DIRECTIVE in renamed.splitlines()
    assert "<<<<<<<" not in renamed


def test_update_with_skip_tasks_renders_the_renamed_unit_plainly_and_keeps_the_edit_in_git(
    template: Path, project: Path
) -> None:
    """docs/updating.md: --skip-tasks skips the carry; the edit stays in git's history, and the message
    says so with the command that shows it (before, it said nothing: the edit was gone without a word)."""
    copy_template(template, project, vcs_ref="v2")
    edit(project / UNIT, "Type=simple", "Type=exec")
    commit_all(project, "local edit")

    done = cli_update(project, "--skip-tasks", "-d", "service_name=shop")
    assert done.returncode == 0, done.stderr

    assert values_of((project / OUTPUT_DIR / "shop.service").read_text(), "Type") == ["simple"]
    printed = re.search(rf"^  (git show HEAD:{re.escape(UNIT)})   \(now {OUTPUT_DIR}/shop.service\)$", done.stderr, re.M)
    assert printed, done.stderr
    assert values_of(subprocess.check_output(printed[1].split(), cwd=project, text=True), "Type") == ["exec"]


def test_update_with_skip_tasks_and_no_rename_says_nothing_of_the_carry(template: Path, project: Path) -> None:
    copy_template(template, project, vcs_ref="v2")
    done = cli_update(project, "--skip-tasks", "-d", "limit_nofile=4096")
    assert done.returncode == 0, done.stderr
    assert "--skip-tasks" not in done.stderr


def test_service_name_change_moves_edits_of_the_restart_path_unit(template: Path, project: Path) -> None:
    copy_template(template, project, {"restart_method": "systemd_flag"}, vcs_ref="v2")
    path_unit = project / OUTPUT_DIR / "foo-bar-restart.path"
    edit(path_unit, "[Path]\n", "[Path]\nTriggerLimitBurst=5\n")
    commit_all(project, "local edit")

    update_project(project, {"service_name": "shop"}, vcs_ref="v2")

    assert not path_unit.exists()
    assert "TriggerLimitBurst=5" in (project / OUTPUT_DIR / "shop-restart.path").read_text()


def test_service_name_change_without_local_edits_renders_the_plain_unit(template: Path, project: Path, tmp_path: Path) -> None:
    copy_template(template, project, vcs_ref="v2")

    update_project(project, {"service_name": "shop"}, vcs_ref="v2")

    fresh = new_project(tmp_path / "fresh")
    copy_template(template, fresh, {"service_name": "shop"}, vcs_ref="v2")
    shop = f"{OUTPUT_DIR}/shop.service"
    assert (project / shop).read_text() == (fresh / shop).read_text()


def test_ext_name_change_moves_local_edits_of_the_sysusers_file(template: Path, project: Path) -> None:
    copy_template(template, project, vcs_ref="v2")
    sysusers = project / "rel/systemd/lib/sysusers.d/foo-bar.conf"
    sysusers.write_text(sysusers.read_text() + "m foo-bar systemd-journal\n")
    commit_all(project, "local edit")

    update_project(project, {"ext_name": "shop"}, vcs_ref="v2")

    assert not sysusers.exists()
    assert "m foo-bar systemd-journal" in (project / "rel/systemd/lib/sysusers.d/shop.conf").read_text().splitlines()


def test_renamed_question_keeps_the_v1_answer(template: Path, project: Path) -> None:
    copy_template(template, project, {RENAMED_FROM: "shop-log"}, vcs_ref="v1")

    update_project(project)

    recorded = answers(project)
    assert recorded[RENAMED_TO] == "shop-log"
    assert RENAMED_FROM not in recorded
    assert values_of((project / UNIT).read_text(), "SyslogIdentifier") == ["shop-log"]


def test_changed_default_reaches_a_project_that_left_the_answer_empty(template: Path, project: Path) -> None:
    copy_template(template, project)
    assert values_of((project / UNIT).read_text(), "TimeoutStartSec") == []

    update_project(project)

    assert values_of((project / UNIT).read_text(), "TimeoutStartSec") == ["5min"]


def test_answer_given_at_copy_wins_over_a_changed_default(template: Path, project: Path) -> None:
    copy_template(template, project, {"timeout_start_sec": "2min"})

    update_project(project)

    assert values_of((project / UNIT).read_text(), "TimeoutStartSec") == ["2min"]


SET_AT_COPY = {
    "base_dir": "/opt",
    "dirs": ["runtime", "state"],
    "service_type": "notify",
    "env_vars": ["PORT=4000"],
    "hardening": "strict",
    # advanced questions, not asked unless advanced: true
    "app_user": "shop",
    "limit_nofile": 4096,
    "umask": "0077",
    "exec_start_pre": [["!", ":deploy_dir", "/bin/sync-config"]],
    "runtime_directory_preserve": "restart",
    "unit_after_targets": ["cloud-init.target"],
}


def test_every_answer_set_at_copy_is_still_set_after_update(template: Path, project: Path) -> None:
    """Each as the answers file records it: a list question's list as text (`runtime, state`), read back the same."""
    copy_template(template, project, SET_AT_COPY)
    expected = {name: normalise(OPTIONS[name], value) for name, value in SET_AT_COPY.items()}
    before = answers(project)
    assert {name: normalise(OPTIONS[name], before[name]) for name in SET_AT_COPY} == expected

    update_project(project)

    after = answers(project)
    assert {name: normalise(OPTIONS[name], after[name]) for name in SET_AT_COPY} == expected
    assert after["dirs"] == "runtime, state"


def test_update_leaves_other_files_and_other_answers_files_alone(template: Path, project: Path) -> None:
    others = {
        ".copier-answers.yml": "_commit: v3\n_src_path: gh:someone/phoenix-template\nproject_name: shop\n",
        "config/config.exs": "import Config\nconfig :foo_bar, port: 4000\n",
        "rel/systemd/README": "our own notes\n",
    }
    for name, text in others.items():
        (project / name).parent.mkdir(parents=True, exist_ok=True)
        (project / name).write_text(text)
    commit_all(project, "other files")
    copy_template(template, project)
    rendered = set(git(project, "diff", "--name-only", "HEAD~1", "HEAD").splitlines())

    update_project(project)

    assert {name: (project / name).read_text() for name in others} == others
    changed = {line[3:] for line in git(project, "status", "--porcelain", "--untracked-files=all").splitlines()}
    assert ANSWERS_FILE in changed
    assert changed <= rendered


def documented_conflict_checks() -> dict[str, str]:
    """The conflict check as the README and docs/updating.md print it, each literally."""
    readme = re.search(r"and resolve each:\n\n    (.+)\n", (ROOT / "README.md").read_text())
    page = re.search(r"## Find conflict markers before committing\n\n```sh\n(.+)\n```", (ROOT / "docs/updating.md").read_text())
    assert readme and page, "the README and docs/updating.md give the conflict check"
    return {"README.md": readme.group(1), "docs/updating.md": page.group(1)}


def run_in_sh(command: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["sh", "-c", command], cwd=cwd, capture_output=True, text=True, check=False)


def test_conflict_in_a_renamed_unit_is_found_by_the_documented_check(template: Path, project: Path) -> None:
    copy_template(template, project, vcs_ref="v2")
    edit(project / UNIT, "Description=foo-bar service", "Description=Foo Bar shop")
    commit_all(project, "local edit of a line the rename changes")

    update_project(project, {"service_name": "shop"}, vcs_ref="v2")

    assert "<<<<<<< before updating" in (project / OUTPUT_DIR / "shop.service").read_text()
    for page, command in documented_conflict_checks().items():
        assert f"{OUTPUT_DIR}/shop.service" in run_in_sh(command, project).stdout.splitlines(), page


@pytest.mark.parametrize("page", ["README.md", "docs/updating.md"])
def test_the_documented_conflict_check_finds_the_conflict_and_empties_nothing(
    template: Path, project: Path, page: str
) -> None:
    """Run as printed after a real conflicted update; then `git checkout -- .`, a user dropping the
    update, must not write an empty unit (after `git add --intent-to-add .` it did)."""
    conflicted = update_with_an_edit_next_to_v2s_new_line(template, project)
    assert "<<<<<<< before updating" in conflicted

    check = run_in_sh(documented_conflict_checks()[page], project)
    run_in_sh("git checkout -- .", project)

    assert (project / UNIT).read_text() == conflicted
    assert git(project, "diff", "--name-only", "--diff-filter=U").split() == [UNIT]
    assert check.stdout.splitlines() == [UNIT]


def test_an_update_given_a_name_no_question_asks_changes_nothing_and_names_it(template: Path, project: Path) -> None:
    copy_template(template, project)
    data_file = project.parent / "data.yml"
    data_file.write_text("hardening: strict\nhardenning_disable: [PrivateUsers]\n")
    before = (project / UNIT).read_text()
    done = cli_update(project, "--data-file", str(data_file))
    assert done.returncode != 0
    assert "hardenning_disable: not an option of this template (a typo of hardening_disable?)" in done.stderr
    assert (project / UNIT).read_text() == before
    assert answers(project).get("hardening") != "strict"
    # Only the answers file may differ: v2's _migrations renamed an answer there before the refusal.
    assert git(project, "status", "--porcelain").split() in ([], ["M", ANSWERS_FILE])


def test_a_refused_updates_kept_answers_hold_a_change_back_to_the_default(template: Path, project: Path) -> None:
    """The refusal says: fix the answer named in the kept file, run the same command with --data-file.
    Before, the kept file left out `restart_method: systemctl` (the option's default), the rerun took
    the recorded systemd_flag, and the change asked for was lost without a word."""
    copy_template(template, project, {"restart_method": "systemd_flag", "deploy_user": "deploy"})
    # At the recorded version: a new one's _migrations would edit the answers file before the refusal.
    refused = cli_update(project, "--vcs-ref", "v1", "--data", "restart_method=systemctl")
    assert refused.returncode != 0
    assert "deploy_user" in refused.stderr
    kept = project.parent / f"{project.name}.systemd-answers.yml"
    assert yaml.safe_load(kept.read_text())["restart_method"] == "systemctl"
    edit(kept, "deploy_user: deploy", "deploy_user: ''")  # the answer the refusal names, fixed there
    done = cli_update(project, "--vcs-ref", "v1", "--data-file", str(kept))
    assert done.returncode == 0, done.stderr
    assert answers(project)["restart_method"] == "systemctl"
    assert not answers(project).get("deploy_user")


def test_an_update_across_a_renamed_question_is_not_refused_for_the_old_name(template: Path, project: Path) -> None:
    """copier renders the old version with the recorded answers, and v2's migration renames one: no
    name there is taken for one the user gave (test_renamed_question_keeps_the_v1_answer keeps its value)."""
    copy_template(template, project)
    done = cli_update(project)
    assert done.returncode == 0, done.stderr
    assert "asked by no question" not in done.stderr


def test_an_update_with_an_unknown_name_in_the_answers_file_is_not_refused_half_way(template: Path, project: Path) -> None:
    """Only names given with --data are checked: copier renders versions from the recorded answers in
    workers of its own, after it wrote the project, where a refusal would leave it half-updated."""
    copy_template(template, project)
    recorded = project / ANSWERS_FILE
    recorded.write_text(recorded.read_text() + "servce_type: notify\n")
    commit_all(project, "an answer added by hand")
    done = cli_update(project)
    assert done.returncode == 0, done.stderr
    assert V2_DIRECTIVE in (project / UNIT).read_text()


def test_an_update_that_excludes_a_file_the_project_has_keeps_it_as_it_is(template: Path, project: Path) -> None:
    """--exclude on an update keeps a file out of it: the project's own copy stays, so nothing is missing."""
    copy_template(template, project)
    before = (project / UNIT).read_text()
    done = cli_update(project, "--exclude", "*.service")
    assert done.returncode == 0, done.stderr
    assert (project / UNIT).read_text() == before


def test_a_recopy_that_skips_existing_files_is_not_refused_for_their_content(template: Path, project: Path) -> None:
    """copier --skip leaves a file that exists as it is, where it would otherwise stop to ask: the
    pre-flight must not refuse it for its other content."""
    copy_template(template, project)
    edit(project / UNIT, "Type=simple", "Type=exec")
    commit_all(project, "local edit")
    copier = str(Path(sys.executable).parent / "copier")
    recopy = [copier, "recopy", "--trust", "--defaults", "--skip", "rel/**", "-a", ANSWERS_FILE, "--data", "hardening=strict"]
    done = subprocess.run(recopy, cwd=project, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert values_of((project / UNIT).read_text(), "Type") == ["exec"]
    assert answers(project)["hardening"] == "strict"


def test_an_update_that_changes_no_file_asks_for_no_reinstall_or_restart(template: Path, project: Path) -> None:
    """Before, it printed the reinstall steps, ending in a restart of the service, for nothing."""
    copy_template(template, project, vcs_ref="v2")
    done = cli_update(project)
    assert done.returncode == 0, done.stderr
    assert "changed none of the files of foo_bar: the server needs nothing, no reinstall, no restart" in done.stderr
    assert "try-restart" not in done.stderr and "install-systemd" not in done.stderr
    assert git(project, "status", "--porcelain") == ""


def test_an_update_that_changes_a_file_gives_the_reinstall_steps(template: Path, project: Path) -> None:
    copy_template(template, project, vcs_ref="v2")
    done = cli_update(project, "-d", "limit_nofile=4096")
    assert done.returncode == 0, done.stderr
    assert "changed none of the files" not in done.stderr
    assert "Then reinstall them on the server and restart the service with them:" in done.stderr


def test_an_update_over_answers_edited_by_hand_that_their_version_refuses_says_so(template: Path, project: Path) -> None:
    """copier update renders the recorded answers with their own version first. Refused there, the
    message sent the user to a data file in copier's temp dir, as if a --data answer were wrong."""
    copy_template(template, project, vcs_ref="v2")
    edit(project / ANSWERS_FILE, "deploy_user: ''", "deploy_user: deployer")
    commit_all(project, "hand edit")
    before = git(project, "status", "--porcelain")
    done = cli_update(project)
    assert done.returncode != 0
    recorded = "The answers recorded in .copier-answers.systemd.yml are refused by the template version that recorded them"
    assert recorded in done.stderr
    assert "deploy_user: deployer would have no role" in done.stderr
    assert "copier._main" not in done.stderr and "Traceback" not in done.stderr
    assert git(project, "status", "--porcelain") == before


def test_a_new_version_that_changes_no_rendered_file_asks_for_no_reinstall(tmp_path: Path, project: Path) -> None:
    """Only the answers file's _commit changes: before, that counted as a change, and the steps
    ending in a restart were printed."""
    template = snapshot_template(tmp_path / "template", "v1")
    (template / "README.md").write_text((template / "README.md").read_text() + "\nA note.\n")
    commit_all(template, "docs only")
    git(template, "tag", "v1.0.1")
    copy_template(template, project, vcs_ref="v1")
    done = cli_update(project)
    assert done.returncode == 0, done.stderr
    assert answers(project)["_commit"] == "v1.0.1"
    assert "changed none of the files of foo_bar: the server needs nothing" in done.stderr


def test_a_recopy_that_renames_the_unit_renders_it_afresh_without_merging_edits(template: Path, project: Path) -> None:
    """docs/updating.md: a recopy renders every file afresh. Before, the carry task still ran on a
    rename, merged the edit into the new unit and left conflict markers no message mentioned."""
    copy_template(template, project, vcs_ref="v2")
    edit(project / UNIT, "LimitNOFILE=65535", "LimitNOFILE=4096")
    commit_all(project, "local edit")
    copier = str(Path(sys.executable).parent / "copier")
    recopy = [copier, "recopy", "--trust", "--overwrite", "--defaults", "-a", ANSWERS_FILE, "--data", "service_name=shop"]
    done = subprocess.run(recopy, cwd=project, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    renamed = (project / OUTPUT_DIR / "shop.service").read_text()
    assert "LimitNOFILE=65535" in renamed.splitlines()
    assert "<<<<<<<" not in renamed
    assert f"git rm -- {UNIT}" in done.stderr


def test_a_rename_with_conflict_rej_leaves_the_clashing_edit_in_a_rej_file_not_markers(template: Path, project: Path) -> None:
    """docs/updating.md: with --conflict rej the rejected hunks are in *.rej files. Before, the carry
    task wrote inline markers into the renamed unit anyway, which that check does not find."""
    copy_template(template, project, vcs_ref="v2")
    edit(project / UNIT, "Description=foo-bar service", "Description=Foo shop")  # the rename changes this line too
    commit_all(project, "local edit")
    done = cli_update(project, "--conflict", "rej", "-d", "service_name=shop")
    assert done.returncode == 0, done.stderr
    renamed = (project / OUTPUT_DIR / "shop.service").read_text()
    assert "<<<<<<<" not in renamed and values_of(renamed, "Description") == ["shop service"]
    rejected = git(project, "status", "--porcelain").splitlines()
    assert f"?? {OUTPUT_DIR}/shop.service.rej" in rejected, rejected
    assert "+Description=Foo shop" in (project / OUTPUT_DIR / "shop.service.rej").read_text()


def test_an_update_with_conflict_rej_prints_the_check_that_finds_its_rej_files(template: Path, project: Path) -> None:
    """Before, the closing message gave the conflict-marker check, which finds no *.rej file."""
    copy_template(template, project, vcs_ref="v2")
    edit(project / UNIT, "Description=foo-bar service", "Description=Foo shop")
    commit_all(project, "local edit")
    done = cli_update(project, "--conflict", "rej", "-d", "service_name=shop")
    assert done.returncode == 0, done.stderr
    lines = done.stderr.splitlines()
    check = lines[lines.index("Before committing, list the *.rej files of your edits that clash:") + 1].strip()
    assert "<<<<<<<" not in done.stderr
    page = (ROOT / "docs/updating.md").read_text()
    assert f"`{check}`" in page  # the check docs/updating.md gives
    assert f"?? {OUTPUT_DIR}/shop.service.rej" in run_in_sh(check, project).stdout.splitlines()


def test_a_pretended_update_that_would_change_no_file_says_so(template: Path, project: Path) -> None:
    # Before: it listed every file and the steps to reinstall and restart, where the same update
    # without --pretend said it changed none of the files.
    copy_template(template, project)
    pretended = cli_update(project, "--vcs-ref", "v1", "--pretend")
    assert pretended.returncode == 0, pretended.stderr
    assert "--pretend: nothing was written. This update would change none of the files of foo_bar" in pretended.stderr
    assert "try-restart" not in pretended.stderr
    done = cli_update(project, "--vcs-ref", "v1")
    assert "This update changed none of the files of foo_bar" in done.stderr


def test_a_pretended_update_that_would_change_a_file_gives_the_steps(template: Path, project: Path) -> None:
    copy_template(template, project)
    pretended = cli_update(project, "--vcs-ref", "v1", "--pretend", "--data", "limit_nofile=4096")
    assert pretended.returncode == 0, pretended.stderr
    assert "--pretend: nothing was written. Without it, copier would write these files:" in pretended.stderr
    assert "  sudo systemctl try-restart foo-bar.service" in pretended.stderr.splitlines()
    assert git(project, "status", "--porcelain") == ""


def test_an_update_names_the_files_it_removed(template: Path, project: Path) -> None:
    # Before: the message listed the files written and named none of those copier update removed.
    copy_template(template, project)
    done = cli_update(project, "--vcs-ref", "v1", "--data", "system_files=false", "--data", "eex_templates=false")
    assert done.returncode == 0, done.stderr
    lines = done.stderr.splitlines()
    at = lines.index("It removed the files these answers no longer write:")
    named = [line.strip() for line in lines[at + 1 : at + 7]]
    assert named == sorted(named) and len(named) == 6
    assert all(not (project / path).exists() for path in named)
    assert {"rel/systemd/lib/sysusers.d/foo-bar.conf", "rel/templates/systemd/systemd.service.eex"} <= set(named)
