"""Restart policy, stopping, socket activation and the deploy script's options (lifecycle.py,
sockets.py, deploy.py): values refused at the prompt naming the option, version gates, defaults.

What they do on a real systemd is proven in tests/e2e (test_sockets, test_crash_loop,
test_stop, test_deploy_script).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from copier.errors import UserMessageError

from rendering import OUTPUT_DIR, sections, values_of
from unit_template.validate import check

ROOT = Path(__file__).resolve().parent.parent

SOCKETS_REFUSED = [
    ("localhost:4000", "is not an IPv4 address"),
    ("::1:4000", "an IPv6 address goes in brackets"),
    ("[127.0.0.1]:4000", "only an IPv6 address goes in brackets"),
    ("[fe80::zz]:4000", "is not an IPv6 address"),
    ("[::1]:4000x", "is not a port"),
    ("70000", "is not a port"),
    ("0", "is not a port"),
    ("127.0.0.1", "must be a port, ADDRESS:PORT"),
    ("/run/my app.sock", "plain absolute path"),
]


@pytest.mark.parametrize(("item", "allowed"), SOCKETS_REFUSED, ids=[item for item, _ in SOCKETS_REFUSED])
def test_a_bad_listen_socket_is_refused_naming_the_option(item: str, allowed: str) -> None:
    message = check("listen_sockets", [item])
    assert message.startswith("listen_sockets: ") and allowed in message, message


def test_listen_sockets_must_be_a_list_without_repeats() -> None:
    assert "must be a list of ListenStream= values" in check("listen_sockets", {"port": 4000})
    assert check("listen_sockets", "127.0.0.1:4000, 443") == ""  # typed as a person types a list
    assert "'443' is listed twice" in check("listen_sockets", ["443", 443])


def test_good_listen_sockets_are_accepted() -> None:
    assert check("listen_sockets", ["127.0.0.1:4000", "[::1]:4000", "0.0.0.0:443", 80, "/run/foo/http.sock"]) == ""


@pytest.mark.parametrize(
    ("option", "value", "allowed"),
    [
        ("kill_mode", "all", "mixed, control-group, process, none"),
        ("timeout_stop_sec", "a while", "time span"),
        ("restart_max_delay_sec", "later", "time span"),
        ("start_limit_interval_sec", "never", "time span"),
        ("deploy_keep_releases", "all", "whole number"),
        ("deploy_timeout_sec", "infinity", "whole number"),
    ],
)
def test_lifecycle_and_deploy_values_are_checked(option: str, value: Any, allowed: str) -> None:
    message = check(option, value)
    assert message.startswith(f"{option}: ") and allowed in message, message


def unit(dst: Path, name: str = "foo-bar.service") -> str:
    return (dst / OUTPUT_DIR / name).read_text()


def test_default_unit_restarts_after_1s_never_gives_up_and_stops_gracefully(render: Callable[..., Path]) -> None:
    text = unit(render({}))
    assert sections(text)["Unit"][-1] == ("StartLimitIntervalSec", "0")
    assert values_of(text, "RestartSec") == ["1s"]
    assert values_of(text, "TimeoutStopSec") == ["30s"]
    assert values_of(text, "KillMode") == ["mixed"]
    assert values_of(text, "RestartSteps") == []  # 239 has no backoff


def test_systemd_254_grows_the_delay_from_restart_sec(render: Callable[..., Path]) -> None:
    text = unit(render({"systemd_version": 254, "restart_sec": "2s"}))
    assert values_of(text, "RestartSec") == ["2s"]
    assert values_of(text, "RestartSteps") == ["5"]
    assert values_of(text, "RestartMaxDelaySec") == ["10s"]


def test_before_systemd_230_the_start_limit_is_in_service(render: Callable[..., Path]) -> None:
    text = unit(render({"systemd_version": 229}))
    assert values_of(text, "StartLimitIntervalSec") == []
    assert ("StartLimitInterval", "0") in sections(text)["Service"]


def test_kill_mode_mixed_below_systemd_209_is_refused(render: Callable[..., Path]) -> None:
    with pytest.raises(UserMessageError) as error:
        render({"systemd_version": 208})
    assert "kill_mode: mixed needs systemd_version 209 or later, not 208: use control-group" in str(error.value)


def test_no_listen_sockets_renders_no_socket_unit(render: Callable[..., Path]) -> None:
    dst = render({})
    assert not (dst / OUTPUT_DIR / "foo-bar.socket").exists()
    assert values_of(unit(dst), "Requires") == []


def test_file_descriptor_name_needs_systemd_227(render: Callable[..., Path]) -> None:
    dst = render({"listen_sockets": ["4000"], "systemd_version": 226})
    socket = unit(dst, "foo-bar.socket")
    assert values_of(socket, "ListenStream") == ["4000"]
    assert values_of(socket, "FileDescriptorName") == []


@pytest.mark.parametrize("option", ["deploy_keep_releases", "deploy_timeout_sec"])
def test_the_deploy_numbers_help_offers_only_what_is_taken(option: str) -> None:
    """The help offered "a number or infinity", and infinity was refused."""
    help_text = yaml.safe_load((ROOT / "copier.yml").read_text())[option]["help"]
    assert "infinity" not in help_text
    example = re.search(r"e\.g\. (\d+)", help_text)
    assert example and check(option, int(example[1])) == ""


def test_a_zero_deploy_keep_is_refused(render: Callable[..., Path]) -> None:
    with pytest.raises(UserMessageError) as error:
        render({"deploy_keep_releases": 0})
    assert "deploy_keep_releases: must be a whole number of at least 1, not 0" in str(error.value)


def test_a_health_url_that_is_not_http_is_refused(render: Callable[..., Path]) -> None:
    with pytest.raises(UserMessageError) as error:
        render({"deploy_health_url": "127.0.0.1:4000/health"})
    assert "deploy_health_url: must be an http:// or https:// URL, not '127.0.0.1:4000/health'" in str(error.value)


def test_deploy_script_embeds_the_answers_and_can_be_left_out(render: Callable[..., Path]) -> None:
    dst = render({"deploy_health_url": "http://127.0.0.1:4000/health", "deploy_keep_releases": 3})
    script = (dst / "rel/systemd/srv/foo-bar/bin/deploy").read_text()
    assert "health_url=${DEPLOY_HEALTH_URL-http://127.0.0.1:4000/health}" in script
    assert "keep=${DEPLOY_KEEP:-3}" in script
    assert not (render({"deploy_script": False}) / "rel/systemd/srv/foo-bar/bin/deploy").exists()
