"""The harness itself: the guard refuses anything but the box, teardown kills it, CI never skips."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import time
from pathlib import Path

import pytest

from . import conftest
from .box import Box, BoxError, boot
from .conftest import require


def fake_box(pid: int) -> Box:
    """A Box record for a process that is not a box; its `unshare` is a harmless sleep."""
    sleeper = subprocess.Popen(["sleep", "30"])
    return Box(name="not-a-box", pid=pid, unshare=sleeper, mount_dir=Path("/nonexistent"))


def test_guard_refuses_a_process_that_is_not_systemd():
    box = fake_box(os.getpid())
    try:
        with pytest.raises(BoxError, match="not systemd"):
            box.run(["touch", "/should-never-exist"])
    finally:
        box.unshare.kill()
    assert not Path("/should-never-exist").exists()


def test_guard_refuses_the_hosts_pid_1():
    box = fake_box(1)
    try:
        with pytest.raises(BoxError):
            box.guard()
    finally:
        box.unshare.kill()


def test_missing_requirements_names_root_and_each_missing_tool(monkeypatch):
    monkeypatch.setattr(conftest.os, "geteuid", lambda: 1000)
    monkeypatch.setattr(conftest.shutil, "which", lambda tool: None if tool in ("mix", "nsenter") else f"/usr/bin/{tool}")
    missing = conftest.missing_requirements()
    assert [item for item in missing if not item.startswith("systemd")] == ["root (run as uid 0)", "nsenter", "mix"]


def test_missing_requirement_fails_under_ci():
    with pytest.raises(pytest.fail.Exception, match="need: root"):
        require(["root"], ci=True)


def test_missing_requirement_skips_outside_ci():
    with pytest.raises(pytest.skip.Exception, match="need: elixir"):
        require(["elixir"], ci=False)


@pytest.mark.e2e
def test_guard_refuses_a_box_whose_marker_names_another(box):
    impostor = dataclasses.replace(box, name="another-box")
    with pytest.raises(BoxError, match="marker"):
        impostor.run(["true"])


@pytest.mark.e2e
def test_kill_ends_the_box_and_everything_in_it(e2e_ready, tmp_path):
    doomed = boot(f"e2e-doomed-{os.getpid()}", tmp_path)
    doomed.kill()
    deadline = time.monotonic() + 10
    while Path(f"/proc/{doomed.pid}").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    with pytest.raises(BoxError):
        doomed.run(["true"])
    assert not Path(f"/proc/{doomed.pid}").exists()
