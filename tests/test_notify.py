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


def test_the_install_script_says_a_notify_start_waits_for_ready_and_how_long(render) -> None:
    """Without it, an app that never sends READY=1 leaves `sudo rel/install-systemd` silent until TimeoutStartSec=."""
    script = (render({"service_type": "notify", "timeout_start_sec": "2min"}) / "rel/install-systemd").read_text()
    notice = next(line for line in script.splitlines() if "waits until the app sends READY=1" in line)
    assert script.index(notice) < script.index("systemctl is-active --quiet foo-bar.service")
    assert "foo-bar.service '2min'" in script
    assert "READY=1" not in (render() / "rel/install-systemd").read_text()
