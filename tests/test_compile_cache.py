"""The compile cache of Jinja sources (extensions/unit_template/compile_cache.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from jinja2 import Environment

from unit_template.compile_cache import CACHE_ENV, cache_dir, cached_compile


def cached_environment(directory: Path | None, **settings: object) -> Environment:
    environment = Environment(**settings)  # type: ignore[arg-type]
    environment.compile = cached_compile(environment, directory)  # type: ignore[method-assign]
    return environment


def test_a_source_compiled_from_disk_renders_like_a_fresh_one(tmp_path: Path) -> None:
    source = "{% for x in items %}[{{ x|upper }}]{% endfor %}"
    cached_environment(tmp_path).from_string(source).render(items=["a"])
    assert cached_environment(tmp_path).from_string(source).render(items=["a", "b"]) == "[A][B]"


def test_the_compiled_code_is_stored_on_disk(tmp_path: Path) -> None:
    cached_environment(tmp_path).from_string("{{ 1 + 1 }}")
    assert len(list(tmp_path.glob("*.code"))) == 1


def test_other_syntax_settings_do_not_share_compiled_code(tmp_path: Path) -> None:
    source = "a\n{% if true %}\nb\n{% endif %}\n"
    plain = cached_environment(tmp_path).from_string(source).render()
    trimmed = cached_environment(tmp_path, trim_blocks=True).from_string(source).render()
    assert (plain, trimmed) == ("a\n\nb\n", "a\nb\n")


def test_a_corrupt_cache_file_is_compiled_again(tmp_path: Path) -> None:
    cached_environment(tmp_path).from_string("{{ 40 + 2 }}")
    for path in tmp_path.glob("*.code"):
        path.write_bytes(b"not marshal data")
    assert cached_environment(tmp_path).from_string("{{ 40 + 2 }}").render() == "42"


def test_without_a_directory_sources_are_cached_in_memory_only(tmp_path: Path) -> None:
    environment = cached_environment(None)
    assert environment.from_string("{{ 'x' }}").render() == "x"
    assert list(tmp_path.iterdir()) == []


def test_the_cache_can_be_turned_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(CACHE_ENV, "off")
    assert cache_dir() is None


def test_a_cache_dir_open_to_others_is_not_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shared = tmp_path / "shared"
    shared.mkdir(mode=0o777)
    shared.chmod(0o777)
    monkeypatch.setenv(CACHE_ENV, str(shared))
    assert cache_dir() is None
