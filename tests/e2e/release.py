"""Build the test release (tests/e2e/app) once, with Debian's elixir and no hex packages."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

APP_SOURCE = Path(__file__).resolve().parent / "app"
APP_NAME = "e2e_probe"
VERSION = "0.1.0"


@dataclass(frozen=True)
class Release:
    app: str
    tarball: Path
    build_seconds: float
    version: str = VERSION


def build_env(home: Path) -> dict[str, str]:
    """A clean environment: prod build, offline, mix state kept out of the user's home."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("MIX_", "HEX_", "ERL_"))}
    env.update(
        MIX_ENV="prod",
        HEX_OFFLINE="1",
        MIX_HOME=str(home / "mix"),
        HEX_HOME=str(home / "hex"),
        HOME=str(home),
        LANG="C.UTF-8",
    )
    return env


def build_release(workdir: Path, version: str = VERSION, broken: bool = False) -> Release:
    """Copy the app source and run `mix release`; the :tar step writes the tarball a user ships.

    `version` sets the app's version; `broken` builds a release that raises at every boot.
    """
    started = time.monotonic()
    project = workdir / APP_NAME
    shutil.copytree(APP_SOURCE, project, ignore=shutil.ignore_patterns("_build", "deps", "*.tar.gz"))
    home = workdir / "home"
    home.mkdir(exist_ok=True)
    done = subprocess.run(
        ["mix", "release", "--overwrite"],
        cwd=project,
        env={**build_env(home), "E2E_VERSION": version, "E2E_BROKEN": "1" if broken else "0"},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    tarball = project / "_build" / "prod" / f"{APP_NAME}-{version}.tar.gz"
    if done.returncode != 0 or not tarball.is_file():
        raise RuntimeError(f"mix release failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return Release(app=APP_NAME, tarball=tarball, build_seconds=time.monotonic() - started, version=version)
