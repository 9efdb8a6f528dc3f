"""The template as pytest-copie sees it: a copy with answers, and its result."""

from rendering import ROOT, values_of


def test_copie_copy_with_answers_renders_the_named_unit(copie):
    result = copie.copy(extra_answers={"app_name": "shop", "service_type": "notify"}, template_dir=ROOT)
    assert result.exception is None, result.exception
    assert result.exit_code == 0
    unit = (result.project_dir / "rel/systemd/lib/systemd/system/shop.service").read_text()
    assert values_of(unit, "Type") == ["notify"]
    assert values_of(unit, "NotifyAccess") == ["main"]


def test_copie_copy_records_the_answers_in_the_template_answers_file(copie):
    result = copie.copy(extra_answers={"app_name": "shop", "limit_nofile": 4096}, template_dir=ROOT)
    assert result.answers["limit_nofile"] == 4096
    assert (result.project_dir / ".copier-answers.systemd.yml").is_file()
