"""Reading the default app_name from a project's mix.exs."""

from __future__ import annotations

from pathlib import Path

import pytest

from system_tools import require_tool
from unit_template.elixir_terms import Atom
from unit_template.mix_project import app_name_from_source, app_name_in, only_release_built, read_project, release_to_build

PROJECT = """
defmodule FooBar.MixProject do
  use Mix.Project

  def project do
    [
      app: :foo_bar,
      version: "0.1.0",
      deps: deps()
    ]
  end

  defp deps do
    [{:plug_cowboy, "~> 2.0"}, {:jason, app: :jason_app}]
  end
end
"""

UMBRELLA_DEFAULT_RELEASE = """
defmodule Shop.Umbrella.MixProject do
  use Mix.Project

  def project do
    [
      apps_path: "apps",
      default_release: :shop_web,
      releases: [
        shop_api: [applications: [api: :permanent]],
        shop_web: [applications: [web: :permanent]]
      ]
    ]
  end
end
"""

UMBRELLA_RELEASES = """
defmodule Shop.Umbrella.MixProject do
  use Mix.Project

  def project do
    [
      apps_path: "apps",
      releases: [
        # the API first
        shop_api: [applications: [api: :permanent]],
        shop_web: [applications: [web: :permanent]]
      ]
    ]
  end
end
"""

UMBRELLA_RELEASES_FUNCTION = """
defmodule Shop.Umbrella.MixProject do
  use Mix.Project

  def project do
    [apps_path: "apps", releases: releases()]
  end

  defp releases do
    [
      shop_admin: [applications: [admin: :permanent]]
    ]
  end
end
"""

UMBRELLA_NOTHING = """
defmodule Shop.Umbrella.MixProject do
  use Mix.Project

  def project do
    [apps_path: "apps", deps: []]
  end
end
"""


def test_app_name_is_the_app_of_the_project():
    assert app_name_from_source(PROJECT) == "foo_bar"


def test_umbrella_app_name_is_its_default_release():
    assert app_name_from_source(UMBRELLA_DEFAULT_RELEASE) == "shop_web"


def test_umbrella_without_default_release_takes_the_first_release():
    assert app_name_from_source(UMBRELLA_RELEASES) == "shop_api"


def test_umbrella_releases_from_a_function_take_the_first_release():
    assert app_name_from_source(UMBRELLA_RELEASES_FUNCTION) == "shop_admin"


def test_umbrella_without_releases_has_no_app_name():
    assert app_name_from_source(UMBRELLA_NOTHING) == ""


def test_a_project_without_mix_exs_has_no_app_name(tmp_path: Path):
    assert app_name_in(tmp_path) == ""


def test_app_name_is_read_from_mix_exs_in_the_project_dir(tmp_path: Path):
    (tmp_path / "mix.exs").write_text(PROJECT)
    assert app_name_in(tmp_path) == "foo_bar"


def test_a_mix_exs_that_is_not_utf8_has_no_app_name(tmp_path: Path):
    (tmp_path / "mix.exs").write_bytes(b"\xff\xfe app: :foo")
    assert app_name_in(tmp_path) == ""


# A Nerves-style mix.exs: the app in a module attribute, an old name commented out.
ATTRIBUTE_APP = """
defmodule Blinky.MixProject do
  use Mix.Project

  # app: :old_name (renamed in 2021)
  @app :blinky
  @version "0.1.0"

  def project do
    [
      # app: :old_name,
      app: @app,
      version: @version,
      deps: [{:nerves, "~> 1.10", runtime: false}],
      releases: [{@app, release()}]
    ]
  end

  def release, do: [overwrite: true, steps: [&Nerves.Release.init/1, :assemble]]
end
"""

ONLY_PROD_RELEASE = PROJECT.replace("deps: deps()", "deps: deps(),\n      releases: [prod: [include_executables_for: [:unix]]]")
TWO_RELEASES = PROJECT.replace("deps: deps()", "deps: deps(),\n      releases: [web: [], worker: []]")
DEFAULT_RELEASE = TWO_RELEASES.replace("deps: deps(),", "deps: deps(),\n      default_release: :worker,")


@pytest.fixture(params=["elixir", "text"])
def reader(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Each project read both ways: evaluated by Elixir (as mix does), and as text (no Elixir)."""
    if request.param == "elixir":
        require_tool("elixir", "elixir")
    else:
        monkeypatch.setenv("SYSTEMD_UNIT_NO_ELIXIR", "1")
    return request.param


def project_dir(tmp_path: Path, source: str) -> Path:
    (tmp_path / "mix.exs").write_text(source)
    return tmp_path


def test_a_commented_out_app_is_not_the_app() -> None:
    source = PROJECT.replace("app: :foo_bar,", "# app: :old_name,\n      app: :foo_bar,")
    assert app_name_from_source(source) == "foo_bar"


def test_app_from_a_module_attribute_is_resolved(tmp_path: Path, reader: str) -> None:
    assert app_name_from_source(ATTRIBUTE_APP) == "blinky"
    assert app_name_in(project_dir(tmp_path, ATTRIBUTE_APP)) == "blinky"


@pytest.mark.parametrize(
    ("source", "release", "refusal"),
    [
        (PROJECT, "foo_bar", ""),
        (ONLY_PROD_RELEASE, "prod", ""),
        (DEFAULT_RELEASE, "worker", ""),
        (TWO_RELEASES, "", "mix.exs defines the releases web, worker and no default_release"),
        (UMBRELLA_DEFAULT_RELEASE, "shop_web", ""),
        (UMBRELLA_RELEASES_FUNCTION, "shop_admin", ""),
        (UMBRELLA_RELEASES, "", "mix.exs defines the releases shop_api, shop_web and no default_release"),
        (UMBRELLA_NOTHING, "", "the umbrella defines no releases"),
    ],
    ids=["app", "only-prod", "default-release", "two", "umbrella-default", "umbrella-one", "umbrella-two", "umbrella-none"],
)
def test_the_release_is_the_one_mix_release_builds(tmp_path: Path, reader: str, source, release, refusal) -> None:
    found, why = release_to_build(read_project(project_dir(tmp_path, source)))
    assert found == release
    assert why.startswith(refusal) and bool(why) == bool(refusal)


def test_a_mix_exs_elixir_cannot_evaluate_is_read_as_text_saying_why(tmp_path: Path) -> None:
    require_tool("elixir", "elixir")
    source = PROJECT.replace("use Mix.Project", 'use Mix.Project\n  raise "needs the CI secrets"')
    (tmp_path / "config").mkdir()
    (tmp_path / "config/config.exs").write_text("import Config\nconfig :mix_systemd, dirs: [:runtime]\n")
    project = read_project(project_dir(tmp_path, source))
    assert project.app == "foo_bar"
    assert "evaluating mix.exs and config/ with Elixir failed" in project.failure
    assert "needs the CI secrets" in project.failure


def test_config_is_evaluated_for_the_mix_env_without_fetching_deps(tmp_path: Path) -> None:
    require_tool("elixir", "elixir")
    project = project_dir(tmp_path, ATTRIBUTE_APP)
    (project / "config").mkdir()
    (project / "config/config.exs").write_text(
        "import Config\nport = 4000\n"
        'config :mix_systemd, release_name: Mix.env(), env_vars: ["PORT=#{port}"]\n'
        'import_config "#{config_env()}.exs"\n'
    )
    (project / "config/prod.exs").write_text('import Config\nconfig :mix_systemd, base_dir: System.get_env("NO_X", "/opt")\n')
    (project / "config/staging.exs").write_text('import Config\nconfig :mix_systemd, base_dir: "/staging"\n')

    prod = read_project(project, "prod")
    staging = read_project(project, "staging")

    assert not (project / "deps").exists() and not (project / "_build").exists()
    assert prod.config is not None and staging.config is not None
    assert prod.config.values == {"release_name": Atom("prod"), "env_vars": ["PORT=4000"], "base_dir": "/opt"}
    assert staging.config.values["base_dir"] == "/staging"
    assert staging.config.values["release_name"] == Atom("staging")


def test_a_plain_project_without_mix_systemd_config_is_read_as_text(tmp_path: Path) -> None:
    """Evaluating takes a second; for such a project the text gives what Elixir would."""
    source = PROJECT.replace("use Mix.Project", 'use Mix.Project\n  raise "not evaluated"')
    assert read_project(project_dir(tmp_path, source)).failure == ""


@pytest.mark.parametrize(
    ("project", "built"),
    [
        ("  def project, do: [app: :foo_bar, version: \"0.1.0\"]", "foo_bar"),
        ("  def project, do: [app: :foo_bar, releases: [web: []]]", ""),  # which of them: not for sure from the text
        ("  def project, do: [app: :foo_bar, default_release: :web, releases: [web: []]]", ""),
        ("  def project, do: [app: @app]", ""),
        ("  def project, do: [apps_path: \"apps\"]", ""),
    ],
    ids=["plain", "releases", "default-release", "attribute", "umbrella"],
)
def test_only_release_built_is_the_app_of_a_plain_mix_exs(tmp_path: Path, project: str, built: str) -> None:
    (tmp_path / "mix.exs").write_text(f"defmodule FooBar.MixProject do\n  use Mix.Project\n{project}\nend\n")
    assert only_release_built(tmp_path) == built


def test_only_release_built_without_mix_exs_is_empty(tmp_path: Path) -> None:
    assert only_release_built(tmp_path) == ""
