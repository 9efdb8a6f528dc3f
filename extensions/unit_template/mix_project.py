"""Read a mix project the way mix does: its app, releases, default_release and `config :mix_systemd`.

Where `elixir` is on PATH, mix.exs is evaluated (not the project: no deps are
fetched or compiled) and `Mix.Project.config()` gives the app and the
releases; the config files are evaluated by Elixir's Config.Reader for the
chosen MIX_ENV, so import_config, config_env(), Mix.env(), System.get_env and
module attributes work. Without Elixir, or when that fails (the reason is
kept, to tell the user), mix.exs is read as text: comments aside, `app: @app`
resolved from its `@app :name` attribute.

Evaluating takes about a second, so it is skipped where reading the text gives
the same answer for sure: no file under config/ names mix_systemd, and
mix.exs has a literal `app: :name` and no releases, default_release or
apps_path. SYSTEMD_UNIT_NO_ELIXIR=1 in the environment reads as if Elixir were
absent (the tests use it for the fallback).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from .elixir_terms import Atom, ConfigRead, Unreadable, read_term

NAME = r"([a-z][a-z0-9_]*)"
APP = re.compile(rf"(?<![\w:@])app:\s*(?::{NAME}|@{NAME})")
DEFAULT_RELEASE = re.compile(rf"(?<![\w:])default_release:\s*:{NAME}")
RELEASES_START = re.compile(r"(?<![\w:])releases:\s*\[")
RELEASES_FUNCTION = re.compile(r"defp?\s+releases\b[^\n]*\bdo\s*\[")
RELEASE_KEY = re.compile(rf"(?:^|[\[,])\s*{NAME}:(?=\s)")
STRING_OR_COMMENT = re.compile(r'"""[\s\S]*?"""|"(?:\\.|[^"\\\n])*"|\'(?:\\.|[^\'\\\n])*\'|#[^\n]*')
TIME_LIMIT = 30  # seconds for evaluating mix.exs and the config files

# Prints one `key<TAB>inspected term` line each; the Python side reads the terms.
READER = r"""
[dir, env] = System.argv()
Mix.start()
Mix.shell(Mix.Shell.Quiet)
Mix.env(String.to_atom(env))
File.cd!(dir)
show = fn key, term -> IO.puts(key <> "\t" <> inspect(term, limit: :infinity, printable_limit: :infinity)) end
Code.compile_file("mix.exs")
project = Mix.Project.config()
show.("app", project[:app])
show.("default_release", project[:default_release])
show.("releases", Enum.map(List.wrap(project[:releases]), &elem(&1, 0)))
config_path = project[:config_path] || "config/config.exs"
if File.regular?(config_path) do
  config = Config.Reader.read!(config_path, env: String.to_atom(env), target: Mix.target())
  for {key, value} <- Keyword.get(config, :mix_systemd, []), do: show.("config\t" <> Atom.to_string(key), value)
end
"""


@dataclass
class MixProject:
    app: str = ""
    releases: list[str] = field(default_factory=list)
    default_release: str = ""
    umbrella: bool = False
    config: ConfigRead | None = None  # None: not evaluated, read the config files as text
    failure: str = ""  # why Elixir could not read the project


def strip_comments(source: str) -> str:
    """The source with every comment blanked (strings kept, so a # inside one stays)."""

    def blank(match: re.Match[str]) -> str:
        text = match.group(0)
        return " " * len(text) if text.startswith("#") else text

    return STRING_OR_COMMENT.sub(blank, source)


def attribute(source: str, name: str) -> str:
    match = re.search(rf"@{name}\s+:{NAME}", source)
    return match.group(1) if match else ""


def bracket_body(source: str, start: int) -> str:
    """The text inside the [ ... ] that opens at source[start - 1]."""
    depth = 1
    for index in range(start, len(source)):
        char = source[index]
        if char in "[({":
            depth += 1
        elif char in "])}":
            depth -= 1
            if depth == 0:
                return source[start:index]
    return source[start:]


def top_level_keys(body: str) -> list[str]:
    """The keys of a keyword list's own level (nested lists blanked)."""
    flat = []
    depth = 0
    for char in body:
        if char in "[({":
            depth += 1
        elif char in "])}":
            depth -= 1
        flat.append(char if depth == 0 else " ")
    return RELEASE_KEY.findall("".join(flat))


def static_releases(source: str) -> list[str]:
    for pattern in (RELEASES_START, RELEASES_FUNCTION):
        match = pattern.search(source)
        if match:
            return top_level_keys(bracket_body(source, match.end()))
    return []


def read_static(source: str) -> MixProject:
    """mix.exs as text: `app:` (or `app: @app`), default_release and the release names."""
    code = strip_comments(source)
    app = ""
    match = APP.search(code)
    if match:
        app = match.group(1) or attribute(code, match.group(2))
    default = DEFAULT_RELEASE.search(code)
    return MixProject(
        app=app,
        releases=static_releases(code),
        default_release=default.group(1) if default else "",
        umbrella=bool(re.search(r"(?<![\w:])apps_path:", code)),
    )


def app_name_from_source(source: str) -> str:
    """`app:` of the project; in an umbrella, `default_release:` or the first release; else ""."""
    return app_or_release(read_static(source))


def app_or_release(project: MixProject) -> str:
    """mix_systemd's app_name: the app, else (an umbrella) default_release or the first release."""
    return project.app or project.default_release or (project.releases[0] if project.releases else "")


def term_name(text: str) -> str:
    term = read_term(text)
    return term.name if isinstance(term, Atom) else ""


def parse_reader_output(output: str) -> MixProject:
    project = MixProject(config=ConfigRead())
    assert project.config is not None
    for line in output.splitlines():
        key, _, text = line.partition("\t")
        if key == "config":
            name, _, text = text.partition("\t")
            if text.startswith("#"):
                project.config.fail(name, f"evaluates to {text}, not a value that can be written in a unit")
                continue
            try:
                project.config.set(name, read_term(text))
            except Unreadable as error:
                project.config.fail(name, f"{error} in `{text}`")
        elif key == "app":
            project.app = term_name(text)
        elif key == "default_release":
            project.default_release = term_name(text)
        elif key == "releases":
            project.releases = [item.name for item in read_term(text) if isinstance(item, Atom)]
    project.umbrella = not project.app
    return project


def read_with_elixir(project_dir: Path, mix_env: str, elixir: str) -> MixProject:
    """mix.exs and the config files evaluated by Elixir; failure says why, with nothing read."""
    env = {**os.environ, "MIX_ENV": mix_env}
    try:
        result = subprocess.run(
            [elixir, "-e", READER, "--", str(project_dir), mix_env],
            capture_output=True,
            text=True,
            timeout=TIME_LIMIT,
            env=env,
            stdin=subprocess.DEVNULL,
        )
    except subprocess.TimeoutExpired:
        return MixProject(failure=f"evaluating mix.exs and config/ with Elixir took more than {TIME_LIMIT}s")
    except OSError as error:
        return MixProject(failure=f"could not run {elixir}: {error}")
    if result.returncode != 0:
        lines = [line for line in result.stderr.strip().splitlines() if line.strip()]
        why = " ".join(lines[:3]) if lines else f"exit status {result.returncode}"
        return MixProject(failure=f"evaluating mix.exs and config/ with Elixir failed: {why}")
    try:
        return parse_reader_output(result.stdout)
    except Unreadable as error:
        return MixProject(failure=f"could not read what Elixir printed: {error}")


def _stamp(project_dir: Path) -> tuple[int, ...]:
    config = project_dir / "config"
    files = [project_dir / "mix.exs", *(sorted(config.glob("*.exs")) if config.is_dir() else [])]
    return tuple(path.stat().st_mtime_ns for path in files if path.is_file())


def mentions_mix_systemd(project_dir: Path) -> bool:
    config = project_dir / "config"
    files = sorted(config.rglob("*.exs")) if config.is_dir() else []
    return any("mix_systemd" in path.read_text(encoding="utf-8", errors="replace") for path in files)


def plain_app(source: str) -> str:
    """mix.exs's literal `app:` where it has no releases, default_release or apps_path (then
    `mix release` builds that app's release, and no other); else ""."""
    code = strip_comments(source)
    match = APP.search(code)
    if not match or not match.group(1) or re.search(r"(?<![\w:])(releases|default_release|apps_path)\b", code):
        return ""
    return match.group(1)


def text_is_enough(source: str, project_dir: Path) -> bool:
    """A plain project without mix_systemd config: the text gives what Elixir would."""
    return bool(plain_app(source)) and not mentions_mix_systemd(project_dir)


def only_release_built(project_dir: Path) -> str:
    """The one release `mix release` can build here, where mix.exs's text says so for sure; else ""."""
    try:
        return plain_app((project_dir / "mix.exs").read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError):
        return ""


@lru_cache(maxsize=32)
def _read(project_dir: Path, mix_env: str, elixir: str | None, _stamp: tuple[int, ...]) -> MixProject:
    mix_exs = project_dir / "mix.exs"
    try:
        source = mix_exs.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return MixProject()
    if elixir and not text_is_enough(source, project_dir):
        evaluated = read_with_elixir(project_dir, mix_env, elixir)
        if not evaluated.failure:
            return evaluated
        static = read_static(source)
        static.failure = evaluated.failure
        return static
    return read_static(source)


def read_project(project_dir: Path, mix_env: str = "prod") -> MixProject:
    """The project as mix sees it (with Elixir on PATH), else as its mix.exs reads."""
    elixir = None if os.environ.get("SYSTEMD_UNIT_NO_ELIXIR") else shutil.which("elixir")
    return _read(project_dir.resolve(), mix_env, elixir, _stamp(project_dir))


def app_name_in(project_dir: Path) -> str:
    return app_or_release(read_project(project_dir))


def release_to_build(project: MixProject) -> tuple[str, str]:
    """The release `mix release` builds with no name given, and "" ; or "" and why it would refuse.

    Elixir's rules (Mix.Release): default_release; else the only release; no
    releases: the app's own release (an umbrella has none).
    """
    if project.default_release:
        return project.default_release, ""
    if len(project.releases) == 1:
        return project.releases[0], ""
    if not project.releases:
        if project.app:
            return project.app, ""
        return "", "the umbrella defines no releases, so `mix release` builds none"
    names = ", ".join(project.releases)
    return "", f"mix.exs defines the releases {names} and no default_release, so `mix release` needs a name"
