"""The 3-way merge that carries local edits into a renamed unit file."""

from __future__ import annotations

from unit_template.carry_edits import carried, rendered_path, with_current_names

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


def test_rendered_path_follows_derived_names() -> None:
    pattern = "{output_dir}/{service_name}.service"
    assert rendered_path({"app_name": "foo_bar"}, pattern) == "rel/systemd/lib/systemd/system/foo-bar.service"


def test_rendered_path_of_unresolvable_answers_is_none() -> None:
    assert rendered_path({"app_name": ""}, "{output_dir}/{service_name}.service") is None


def test_with_current_names_drops_unknown_answers() -> None:
    assert with_current_names({"app_name": "foo", "_commit": "v1", "gone": 1}) == {"app_name": "foo"}
