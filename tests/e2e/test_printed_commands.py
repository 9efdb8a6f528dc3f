"""The commands copier prints after a copy and after an update, run literally on a fresh server.

The project is copied into the box (a checkout on the server), and every indented
`sudo ...` line of the message runs there, in order, as root. The release is
unpacked where the message says so, some time after the units are installed.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

import pytest

from unit_template import messages
from unit_template.units import unit_view

from .conftest import PORTS, scenario_answers
from .deploy import Service, render_scenario, unpack_release

pytestmark = pytest.mark.e2e


@dataclass
class Checkout:
    project: str
    values: dict[str, Any]
    view: dict[str, Any]
    message_dir: Any


def printed_commands(lines: list[str]) -> list[str]:
    """The indented `sudo ...` lines of a message, without sudo (the box runs them as root)."""
    return [line.strip().removeprefix("sudo ") for line in lines if line.startswith("  sudo ")]


def split_at_release(lines: list[str]) -> tuple[list[str], list[str]]:
    """The message's lines before and from the (unindented) line that says to unpack a release."""
    for index, line in enumerate(lines):
        if "release" in line.lower() and not line.startswith("  "):
            return lines[:index], lines[index:]
    return lines, []


def run_in_project(box, project: str, commands: list[str]) -> None:
    for command in commands:
        box.run(["sh", "-euc", f"cd {project} && {command}"], timeout=90)


def checkout(box, tmp_path, release, answers: dict[str, Any], name: str) -> Checkout:
    """Render the project and copy it to the server, like a git checkout there."""
    dst, values = render_scenario(tmp_path / name, release.app, answers)
    project = f"/root/{name}"
    box.copy_tree_in(dst, project)
    return Checkout(project, values, unit_view({"app_name": release.app, **answers}), dst)


def served_units(box, port: int, timeout: float = 30) -> str:
    """E2E_UNITS as the VM on port sees it, once it answers."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        done = box.run(["curl", "-sS", "--max-time", "2", f"http://127.0.0.1:{port}/info"], check=False)
        if done.ok():
            return json.loads(done.stdout)["env"]["E2E_UNITS"]
        time.sleep(0.1)
    raise AssertionError(f"nothing answers on port {port} after {timeout}s")


def first_install(deploy, box, release, tmp_path, name: str) -> tuple[dict[str, Any], int]:
    """Follow the copy message on a fresh server; the release arrives 2 s after the units."""
    port = next(PORTS)
    answers = scenario_answers(name, {"env_vars": ["E2E_UNITS=first"]}, port)
    done = checkout(box, tmp_path, release, answers, f"{name}-v1")
    # Known to the module's deployer: stopped afterwards, journal in the report of a failure.
    units = [path.rpartition("/")[2] for path in messages.unit_files(done.view)]
    deploy.installed.append(Service(box, done.values, done.message_dir, port, units))
    before, after = split_at_release(messages.after_copy(done.view, done.message_dir).splitlines())
    run_in_project(box, done.project, printed_commands(before))
    time.sleep(2)
    unpack_release(box, release, done.values)
    run_in_project(box, done.project, printed_commands(after))
    return answers, port


def test_copy_message_commands_then_a_release_give_a_serving_service(deploy, box, release, tmp_path):
    _, port = first_install(deploy, box, release, tmp_path, "literal-copy")
    assert served_units(box, port) == "first"


def test_update_message_commands_apply_new_units_to_the_running_service(deploy, box, release, tmp_path):
    answers, port = first_install(deploy, box, release, tmp_path, "literal-update")
    served_units(box, port)
    changed = {**answers, "env_vars": [*answers["env_vars"][:2], "E2E_UNITS=second"]}
    done = checkout(box, tmp_path, release, changed, "literal-update-v2")
    run_in_project(box, done.project, printed_commands(messages.after_update(done.view, done.message_dir).splitlines()))
    assert served_units(box, port) == "second"
