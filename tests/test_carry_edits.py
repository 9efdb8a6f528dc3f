"""The 3-way merge that carries local edits into a renamed unit file (tasks/carry_edits.py, run by
copier.yml's task), and which files the new answers rename (carry_edits.py, the manifest)."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

from unit_template.carry_edits import carry_plan, with_current_names
from unit_template.manifest import files, renamed
from unit_template.units import unit_view

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("carry_edits_task", ROOT / "tasks" / "carry_edits.py")
assert _spec is not None and _spec.loader is not None
task = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(task)
carried = task.carried

BASE = "[Unit]\nDescription=foo service\n\n[Service]\nType=simple\nUser=foo\nUMask=0027\n"
OURS = BASE.replace("Type=simple", "Type=exec")
THEIRS = BASE.replace("Description=foo service", "Description=bar service")


def test_carried_applies_the_local_edit_to_the_new_content() -> None:
    assert carried(THEIRS, OURS, BASE) == THEIRS.replace("Type=simple", "Type=exec")


def test_carried_marks_overlapping_edits_as_conflicts() -> None:
    ours = BASE.replace("Description=foo service", "Description=Foo shop")
    merged = carried(THEIRS, ours, BASE)
    assert "<<<<<<< before updating\nDescription=Foo shop\n=======\nDescription=bar service\n>>>>>>> after updating\n" in merged


def test_carried_without_local_edits_is_the_new_content() -> None:
    assert carried(THEIRS, BASE, BASE) == THEIRS


def test_carried_without_a_previous_render_is_the_new_content() -> None:
    assert carried(THEIRS, OURS, None) == THEIRS


def test_the_manifest_paths_follow_derived_names() -> None:
    assert files(unit_view({"app_name": "foo_bar"}))["main_unit"] == "rel/systemd/lib/systemd/system/foo-bar.service"


def test_a_service_name_change_renames_the_files_named_after_the_service_and_no_other() -> None:
    old = unit_view({"app_name": "foo_bar", "restart_method": "systemd_flag"})
    new = unit_view({"app_name": "foo_bar", "restart_method": "systemd_flag", "service_name": "shop"})
    units = "rel/systemd/lib/systemd/system"
    assert renamed(old, new) == [
        ("rel/systemd/srv/foo-bar/bin/foo-bar-node", "rel/systemd/srv/foo-bar/bin/shop-node"),
        (f"{units}/foo-bar-restart.path", f"{units}/shop-restart.path"),
        (f"{units}/foo-bar-restart.service", f"{units}/shop-restart.service"),
        (f"{units}/foo-bar.service", f"{units}/shop.service"),
    ]


def test_a_file_the_new_answers_drop_is_no_rename() -> None:
    old = unit_view({"app_name": "foo_bar", "restart_method": "systemd_flag"})
    assert renamed(old, unit_view({"app_name": "foo_bar"})) == []


def test_the_carry_plan_names_the_previous_version_and_only_renamed_files_in_the_project(tmp_path: Path) -> None:
    units = tmp_path / "rel/systemd/lib/systemd/system"
    units.mkdir(parents=True)
    (units / "foo-bar.service").write_text("")
    previous = {"_src_path": "../template", "_commit": "v1", "app_name": "foo_bar", "restart_method": "systemd_flag"}
    old = unit_view({"app_name": "foo_bar", "restart_method": "systemd_flag"})
    new = unit_view({"app_name": "foo_bar", "restart_method": "systemd_flag", "service_name": "shop"})
    assert carry_plan(tmp_path, previous, old, new) == {
        "template": str((tmp_path / "../template").resolve()),
        "commit": "v1",
        "answers": {"app_name": "foo_bar", "restart_method": "systemd_flag"},
        "renames": [["rel/systemd/lib/systemd/system/foo-bar.service", "rel/systemd/lib/systemd/system/shop.service"]],
    }


def test_no_carry_plan_without_a_rename(tmp_path: Path) -> None:
    view = unit_view({"app_name": "foo_bar"})
    assert carry_plan(tmp_path, {"_src_path": "t", "_commit": "v1", "app_name": "foo_bar"}, view, view) is None


def test_with_current_names_drops_unknown_answers() -> None:
    assert with_current_names({"app_name": "foo", "_commit": "v1", "gone": 1}) == {"app_name": "foo"}


def test_the_task_completes_and_names_each_old_file_when_the_previous_version_cannot_be_rendered(
    tmp_path: Path, monkeypatch, capsys
) -> None:
    plan = {"template": str(tmp_path / "moved"), "commit": "v1", "answers": {}, "renames": [["a.service", "b.service"]]}
    (tmp_path / "b.service").write_text("new\n")
    monkeypatch.chdir(tmp_path)
    assert task.main(["carry_edits.py", json.dumps(plan)]) == 0
    assert "git show HEAD:a.service (now b.service)" in capsys.readouterr().err
    assert (tmp_path / "b.service").read_text() == "new\n"


def test_ctrl_c_while_carrying_says_the_update_is_incomplete_without_a_traceback(monkeypatch, capsys, tmp_path: Path) -> None:
    """Before, Ctrl-C in the task printed a KeyboardInterrupt traceback, and nothing said the project was half-updated."""

    def interrupted(plan, dst):
        raise KeyboardInterrupt

    monkeypatch.setattr(task, "pristine", interrupted)
    monkeypatch.chdir(tmp_path)
    plan = {"template": "x", "commit": "v1", "answers": {}, "renames": [["a.service", "b.service"]]}
    assert task.run(["carry_edits.py", json.dumps(plan)]) == 130
    assert "the update is incomplete. To go back to the last commit, run git checkout -- ." in capsys.readouterr().err
