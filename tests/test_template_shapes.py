"""Question values that differ only in their literals share one compiled template, and render
exactly as their own source would (extensions/unit_template/template_shapes.py)."""

from __future__ import annotations

import re
from typing import Any

import pytest
import yaml
from jinja2.sandbox import SandboxedEnvironment
from systemd_unit import SystemdUnitExtension

from rendering import ROOT
from unit_template.manifest import FILES
from unit_template.options import OPTIONS
from unit_template.questions import SETTINGS
from unit_template.template_shapes import shape

ENVOPS = SETTINGS["_envops"]
CALL = re.compile(r"\b([a-z_]+)\(")


def strings_in(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [text for item in value.values() for text in strings_in(item)]
    if isinstance(value, list):
        return [text for item in value for text in strings_in(item)]
    return []


COPIER_YML = sorted(set(strings_in(yaml.safe_load((ROOT / "copier.yml").read_text()))))
MORE = [
    "plain text, no Jinja",
    "it's {{ advanced }}",  # a quote outside the expression: not lifted
    "{{ \"it's\" ~ 'x' }}",  # double quotes: not lifted
    "{{ 'a' ~ 'b' }}{{ 'c' }}",  # two expressions: not lifted
    "{% if advanced %}{{ 'yes' }}{% endif %}",
    "{{ ['a', 'b'] | join('') }}",
    "{{ '' }}",
    "line\n",  # a newline: plain text's depends on keep_trailing_newline, not lifted
    "{{ 'a' 'b' }}",  # adjacent literals: their shape does not compile, the source is compiled instead
]
# The name of each file under template/ as copier renders it (.jinja taken off); a manifest
# flag's name reads `files`, the manifest (manifest.files).
FILE_NAMES = sorted(path.name.removesuffix(".jinja") for path in (ROOT / "template").iterdir())
FLAG_NAMES = [name for name in FILE_NAMES if name.startswith("{% if files.")]


def echo(name: str) -> Any:
    return lambda *args: f"{name}{args!r}"


def environment(shaped: bool) -> SandboxedEnvironment:
    env = SandboxedEnvironment(extensions=[SystemdUnitExtension] if shaped else [], **ENVOPS)
    # Every function the values call prints its name and arguments, so a literal bound wrong shows.
    env.globals.update({name: echo(name) for text in COPIER_YML + MORE for name in CALL.findall(text)})
    return env


CONTEXTS = [
    {**{name: f"<{name}>" for name in OPTIONS}, "advanced": True, "hardening": "strict", "distribution": "cluster"},
    {**{name: None for name in OPTIONS}, "advanced": False, "restart_method": "systemd_flag"},
]


@pytest.mark.parametrize("context", CONTEXTS, ids=["advanced", "plain"])
def test_every_copier_yml_value_renders_as_its_own_source_would(context):
    plain, shaped = environment(False), environment(True)
    context = {**context, "_copier_conf": {"defaults": False}}
    for text in COPIER_YML + MORE:
        assert shaped.from_string(text).render(context) == plain.from_string(text).render(context), text


@pytest.mark.parametrize("written", [True, False], ids=["written", "not-written"])
def test_every_template_file_name_renders_as_its_own_source_would(written):
    plain, shaped = environment(False), environment(True)
    files = {file.flag: f"rel/{file.flag}" if written else "" for file in FILES}
    for name in FILE_NAMES:
        context = {"files": files, "_copier_conf": {"answers_file": ".copier-answers.systemd.yml"}}
        assert shaped.from_string(name).render(context) == plain.from_string(name).render(context), name


def test_the_template_file_names_share_one_shape():
    assert len(FLAG_NAMES) == len(FILES)
    assert len({shape(name)[0] for name in FLAG_NAMES}) == 1
    assert all(shape(name)[0] != name for name in FLAG_NAMES)


def test_values_that_differ_only_in_the_question_they_name_share_one_shape():
    assert shape("{{ answer_type('dirs', 'yaml') }}") == ("{{ answer_type(_literals[0], _literals[1]) }}", ("dirs", "yaml"))
    assert shape("{{ answer_type('base_dir') }}")[0] == shape("{{ answer_type('umask') }}")[0]


def test_a_source_that_is_not_one_plain_expression_is_its_own_shape():
    for text in ("it's {{ x }}", '{{ "a" }}', "{{ 'a' }}{{ 'b' }}", "{% if x %}'y'{% endif %}"):
        assert shape(text) == (text, ())


def test_the_question_values_copier_renders_without_a_prompt_compile_to_few_shapes():
    questions = yaml.safe_load((ROOT / "copier.yml").read_text())
    values = [
        value
        for name, question in questions.items()
        if not name.startswith("_") and isinstance(question, dict)
        for attribute, value in question.items()
        if attribute != "help" and isinstance(value, str) and "{{" in value
    ]
    shapes = {shape(value)[0] for value in values}
    assert len(values) > 300 and len(shapes) < 40, sorted(shapes)


def test_a_real_copy_compiles_question_values_by_shape_not_one_by_one(tmp_path, monkeypatch):
    """Fails the day copier stops making its templates with `from_string` on its environment (the
    extension's only hook, CONTRIBUTING.md): each question value would be compiled as its own source."""
    from jinja2 import Environment

    from rendering import render_template

    compiled: list[str] = []
    compile_source = Environment.compile

    def recording(self, source, *args, **kwargs):
        compiled.append(source if isinstance(source, str) else "<parsed>")
        return compile_source(self, source, *args, **kwargs)

    monkeypatch.setattr(Environment, "compile", recording)
    render_template(tmp_path / "project", {})
    liftable = {value for value in COPIER_YML if shape(value)[0] != value}
    assert len(liftable) > 300
    assert sum(text in liftable for text in compiled) == 0, "question values compiled one by one"
    assert not set(FLAG_NAMES) & set(compiled), "file names compiled one by one"
    assert 0 < sum("_literals" in text for text in compiled) < 60
