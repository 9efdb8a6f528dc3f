"""What each hardening profile renders, at which systemd_version, and the per-directive overrides."""

from __future__ import annotations

import pytest

from rendering import unit_file, values_of
from unit_template import hardening
from unit_template.validate import check

# The version that introduced each directive, from systemd's man pages and
# parser tables (shared reference systemd-versions.md): the oracle the
# DIRECTIVES table is checked against, kept apart from it on purpose.
INTRODUCED = {
    "NoNewPrivileges": 198,
    "PrivateTmp": 1,
    "PrivateDevices": 209,
    "PrivateUsers": 232,
    "PrivateMounts": 239,
    "ProtectSystem": 214,
    "ProtectSystem=strict": 232,
    "ProtectHome": 214,
    "ProtectKernelModules": 232,
    "ProtectKernelTunables": 232,
    "ProtectControlGroups": 232,
    "ProtectKernelLogs": 244,
    "ProtectClock": 245,
    "ProtectHostname": 242,
    "ProtectProc": 247,
    "ProcSubset": 247,
    "MountAPIVFS": 233,
    "RestrictNamespaces": 233,
    "RestrictRealtime": 231,
    "RestrictSUIDSGID": 242,
    "LockPersonality": 235,
    "MemoryDenyWriteExecute": 231,
    "RemoveIPC": 236,
    "KeyringMode": 235,
    "DevicePolicy": 205,
    "CapabilityBoundingSet": 21,
    "AmbientCapabilities": 229,
    "SystemCallArchitectures": 209,
    "SystemCallFilter": 239,  # the @system-service group every filter line builds on
    "RestrictAddressFamilies": 211,
}
PROFILES = ("none", "paranoia", "standard", "strict")
VERSIONS = (211, 229, 231, 235, 239, 242, 244, 245, 247, 252, 257)


def introduced(key: str, value: str) -> int:
    return INTRODUCED.get(f"{key}={value}", INTRODUCED[key])


@pytest.mark.parametrize("row", hardening.DIRECTIVES, ids=lambda row: f"{row.key}={row.value}")
def test_directive_table_gates_each_line_at_its_introducing_version(row: hardening.Directive) -> None:
    assert row.since == introduced(row.key, row.value)


@pytest.mark.parametrize("allow_ports", [False, True])
@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("profile", PROFILES)
def test_profile_renders_no_directive_newer_than_systemd_version(profile: str, version: int, allow_ports: bool) -> None:
    too_new = [
        f"{key}={value}" for key, value in hardening.directives(profile, version, allow_ports) if introduced(key, value) > version
    ]
    assert too_new == []


def test_standard_adds_private_mounts_at_systemd_239(render) -> None:
    assert values_of(unit_file(render()), "PrivateMounts") == ["yes"]


def test_strict_defaults_systemd_version_to_the_first_with_proc_subset(render) -> None:
    text = unit_file(render({"hardening": "strict"}))
    assert (values_of(text, "ProtectProc"), values_of(text, "ProcSubset")) == (["invisible"], ["pid"])


def test_strict_at_an_explicit_systemd_239_leaves_out_newer_directives(render) -> None:
    text = unit_file(render({"hardening": "strict", "systemd_version": 239}))
    keys = {key for key, _ in hardening.directives("strict", 257, False)}
    rendered_new = [key for key in keys if values_of(text, key) and INTRODUCED[key] > 239]
    assert rendered_new == []


def test_strict_sets_umask_0077(render) -> None:
    assert values_of(unit_file(render({"hardening": "strict"})), "UMask") == ["0077"]


def test_standard_keeps_mix_systemd_umask_0027(render) -> None:
    assert values_of(unit_file(render()), "UMask") == ["0027"]


def test_an_explicit_umask_wins_over_strict(render) -> None:
    assert values_of(unit_file(render({"hardening": "strict", "umask": "0027"})), "UMask") == ["0027"]


def test_strict_filters_resource_syscalls(render) -> None:
    text = unit_file(render({"hardening": "strict"}))
    assert values_of(text, "SystemCallFilter") == ["@system-service", "~@privileged", "~@resources"]


def test_hardening_disable_by_key_leaves_that_directive_out(render) -> None:
    text = unit_file(render({"hardening_disable": ["MemoryDenyWriteExecute"]}))
    assert values_of(text, "MemoryDenyWriteExecute") == []


def test_hardening_disable_by_key_keeps_the_other_directives(render) -> None:
    text = unit_file(render({"hardening_disable": ["MemoryDenyWriteExecute"]}))
    assert values_of(text, "LockPersonality") == ["yes"]


def test_hardening_disable_by_key_and_value_leaves_out_one_line(render) -> None:
    """Scheduler binding (+sbt) needs only ~@resources gone, not the whole filter."""
    text = unit_file(render({"hardening": "strict", "hardening_disable": ["SystemCallFilter=~@resources"]}))
    assert values_of(text, "SystemCallFilter") == ["@system-service", "~@privileged"]


def test_hardening_disable_refuses_a_name_that_is_no_directive() -> None:
    assert "ProtectEverything" in check("hardening_disable", ["ProtectEverything"])


def test_hardening_disable_refuses_a_value_the_table_does_not_have() -> None:
    assert check("hardening_disable", ["SystemCallFilter=~@debug"]) != ""


def test_hardening_disable_accepts_every_directive_key() -> None:
    keys = sorted({row.key for row in hardening.DIRECTIVES})
    assert check("hardening_disable", keys) == ""


def test_copier_refuses_an_unknown_hardening_disable_name(render) -> None:
    with pytest.raises(Exception, match="hardening_disable"):
        render({"hardening_disable": ["ProtectEverything"]})


def test_allow_privileged_ports_keeps_only_the_bind_capability(render) -> None:
    text = unit_file(render({"allow_privileged_ports": True}))
    assert (values_of(text, "CapabilityBoundingSet"), values_of(text, "AmbientCapabilities")) == (
        ["CAP_NET_BIND_SERVICE"],
        ["CAP_NET_BIND_SERVICE"],
    )


def test_allow_privileged_ports_leaves_private_users_off(render) -> None:
    assert values_of(unit_file(render({"allow_privileged_ports": True})), "PrivateUsers") == []


def test_the_note_of_one_left_out_line_says_line() -> None:
    # Before: "leaves out 1 newer lines".
    from unit_template.units import unit_view

    (note,) = unit_view({"app_name": "foo_bar", "systemd_version": 245})["hardening_notes"]
    assert "standard hardening leaves out 1 newer line: ProtectProc=" in note
