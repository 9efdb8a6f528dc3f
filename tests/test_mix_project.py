"""Reading the default app_name from a project's mix.exs."""

from __future__ import annotations

from pathlib import Path

from unit_template.mix_project import app_name_from_source, app_name_in

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
