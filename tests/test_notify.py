"""Readiness and watchdog: what service_type notify and watchdog_sec render."""

from __future__ import annotations

from rendering import unit_file, values_of


def test_notify_lets_only_the_main_process_report_readiness(render) -> None:
    """`bin/<rel> start` execs down to beam, so the VM is the main PID that sends READY=1."""
    text = unit_file(render({"service_type": "notify"}))
    assert (values_of(text, "Type"), values_of(text, "NotifyAccess")) == (["notify"], ["main"])


def test_notify_with_watchdog_sec_renders_watchdog_sec(render) -> None:
    text = unit_file(render({"service_type": "notify", "watchdog_sec": "30s"}))
    assert values_of(text, "WatchdogSec") == ["30s"]


def test_notify_without_watchdog_sec_renders_no_watchdog(render) -> None:
    assert values_of(unit_file(render({"service_type": "notify"})), "WatchdogSec") == []


def test_simple_renders_no_notify_access(render) -> None:
    assert values_of(unit_file(render()), "NotifyAccess") == []


def test_notify_under_strict_keeps_the_unix_sockets_that_carry_ready(render) -> None:
    """READY=1 travels over $NOTIFY_SOCKET, an AF_UNIX datagram socket."""
    text = unit_file(render({"service_type": "notify", "hardening": "strict"}))
    assert "AF_UNIX" in values_of(text, "RestrictAddressFamilies")[0].split()
