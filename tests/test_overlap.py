"""Overlapped deploys and restarts (overlap.py): what the overlap unit and the deploy script hold.

What they do on a real systemd with a real release is proven in tests/e2e/test_overlap.py.
"""

from __future__ import annotations

import shlex
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from rendering import OUTPUT_DIR, sections, values_of
from system_tools import require_tool
from systemd_analyze import install_units, make_scratch_root, require_systemd_analyze, verify
from unit_template.messages import after_update
from unit_template.units import unit_view

SOCKET = {"listen_sockets": ["127.0.0.1:4000"]}
OVERLAP = "foo-bar-overlap.service"


def text(dst: Path, name: str) -> str:
    return (dst / OUTPUT_DIR / name).read_text()


def deploy_script(dst: Path) -> str:
    return next(dst.rglob("bin/deploy")).read_text()


def environment(unit: str) -> dict[str, str]:
    """The last value each Environment= name gets (a later assignment wins)."""
    return dict(line.strip('"').split("=", 1) for line in values_of(unit, "Environment"))


def test_the_overlap_unit_is_the_service_on_the_same_socket_with_its_own_node_and_runtime_dir(
    render: Callable[..., Path],
) -> None:
    dst = render({**SOCKET, "dirs": ["runtime"], "distribution_port": 4400})
    service, overlap = text(dst, "foo-bar.service"), text(dst, OVERLAP)
    assert overlap.startswith(service)
    added = sections(overlap.removeprefix(service))
    assert ("Sockets", "foo-bar.socket") in added["Service"]
    assert values_of(overlap, "Restart")[-1] == "no"
    assert values_of(overlap, "RuntimeDirectory")[-2:] == ["", "foo-bar-overlap"]
    main_env, overlap_env = environment(service), environment(overlap)
    assert main_env["RELEASE_TMP"] == "/run/foo-bar" and overlap_env["RELEASE_TMP"] == "/run/foo-bar-overlap"
    assert overlap_env["RELEASE_NODE"] == "foo-bar-overlap@127.0.0.1"
    assert "-erl_epmd_port 4400 " in main_env["ELIXIR_ERL_OPTIONS"]
    assert "-erl_epmd_port 4401 " in overlap_env["ELIXIR_ERL_OPTIONS"]
    assert overlap_env["HOME"] == main_env["HOME"]  # the state dir: the cookie, shared


def test_every_service_given_the_socket_makes_it_non_blocking(render: Callable[..., Path]) -> None:
    """systemd sets the shared socket's flag at each start: a blocking one stalled the other VM (measured)."""
    dst = render(SOCKET)
    assert values_of(text(dst, "foo-bar.service"), "NonBlocking") == ["yes"]
    assert values_of(text(dst, OVERLAP), "NonBlocking") == ["yes"]


def test_the_deploy_script_hands_over_through_the_overlap_unit(render: Callable[..., Path]) -> None:
    script = deploy_script(render(SOCKET))
    assert f"overlap={OVERLAP}\n" in script
    assert "deploy restart" in script


def test_no_overlap_without_listen_sockets_or_when_turned_off(render: Callable[..., Path]) -> None:
    for answers in ({}, {**SOCKET, "overlap": False}):
        dst = render(answers)
        assert not (dst / OUTPUT_DIR / OVERLAP).exists(), answers
        assert "overlap=''\n" in deploy_script(dst), answers
        assert values_of(text(dst, "foo-bar.service"), "NonBlocking") == (["yes"] if answers else [])


OVERLAPPED_RESTART = "/srv/foo-bar/bin/deploy try-restart"
TRY_RESTART = "systemctl try-restart foo-bar.service"


def running_restart(script: str) -> str:
    """The command the install script runs when a running service has changed files."""
    lines = [line.strip() for line in script.splitlines()]
    (command,) = shlex.split(lines[lines.index('if [ "$changed" = true ]; then') + 1].removeprefix("run "))
    return command


@pytest.mark.parametrize(
    ("answers", "restart"),
    [
        (SOCKET, OVERLAPPED_RESTART),
        ({**SOCKET, "overlap": False}, TRY_RESTART),
        ({**SOCKET, "deploy_script": False}, TRY_RESTART),
    ],
    ids=["overlap", "overlap-off", "no-deploy-script"],
)
def test_after_an_update_a_running_service_restarts_overlapped_only_with_overlap(
    render: Callable[..., Path], tmp_path: Path, answers: dict, restart: str
) -> None:
    """The install script and the update's printed steps: the installed deploy script's `deploy restart`
    (no stop) with overlap, else try-restart; both leave a stopped service stopped."""
    dst = render(answers)
    assert running_restart((dst / "rel" / "install-systemd").read_text()) == restart
    message = after_update(unit_view({"app_name": "foo_bar", **answers}), dst)
    steps = [line.strip() for line in message.splitlines() if line.startswith("  sudo ")]
    assert steps[-1] == f"sudo {restart}"


def test_the_overlap_unit_passes_systemd_analyze_verify_silently(render: Callable[..., Path], tmp_path: Path) -> None:
    tool = require_systemd_analyze()
    dst = render({**SOCKET, "dirs": ["runtime"]})
    root = make_scratch_root(tmp_path / "root")
    install_units(root, dst / OUTPUT_DIR)
    done = verify(tool, root, OVERLAP)
    assert done.returncode == 0 and done.stdout + done.stderr == "", done.stdout + done.stderr


def test_systemctl_enable_refuses_the_overlap_unit(render: Callable[..., Path], tmp_path: Path) -> None:
    """The overlap unit includes the service's [Install]; its own empty WantedBy= resets it, so that
    `systemctl enable` or a preset never starts a second VM at boot. The service stays enableable."""
    systemctl = require_tool("systemctl", "systemd")
    dst = render(SOCKET)
    root = make_scratch_root(tmp_path / "root")
    install_units(root, dst / OUTPUT_DIR)
    for unit in (OVERLAP, "foo-bar.service"):
        subprocess.run([systemctl, f"--root={root}", "enable", unit], capture_output=True, text=True, check=True)
    wanted = sorted(path.name for path in (root / "etc/systemd/system").glob("*.wants/*"))
    assert wanted == ["foo-bar.service"]
    assert values_of(text(dst, OVERLAP), "WantedBy")[-1] == ""
