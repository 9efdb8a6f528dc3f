"""Run `systemd-analyze verify` and `security --offline=yes` on rendered units, without a running systemd.

A scratch root holds a copy of /lib/systemd/system (so that targets such as
multi-user.target resolve), a stub executable at every absolute path an
Exec*= line runs, and the units under <root>/etc/systemd/system.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

SYSTEM_UNITS = Path("/lib/systemd/system")
EXEC_LINE = re.compile(r"^Exec\w+=[-@:+!]*(/\S+)", re.MULTILINE)
UNIT_SUFFIXES = (".service", ".path", ".socket", ".timer", ".target")


def require_systemd_analyze() -> str:
    """The tool's path; under CI its absence fails the test, elsewhere it skips."""
    tool = shutil.which("systemd-analyze")
    if tool and SYSTEM_UNITS.is_dir():
        return tool
    message = "systemd-analyze and /lib/systemd/system are needed (apt-get install systemd)"
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


def exec_paths(unit_text: str) -> list[str]:
    """Absolute executables of every Exec*= line, prefixes (-@:+!) removed."""
    return EXEC_LINE.findall(unit_text)


def make_scratch_root(root: Path) -> Path:
    shutil.copytree(SYSTEM_UNITS, root / "lib/systemd/system", symlinks=True)
    (root / "etc/systemd/system").mkdir(parents=True)
    return root


def install_units(root: Path, unit_dir: Path) -> list[str]:
    """Copy the rendered units into the scratch root, with stubs for what they run; their names."""
    names = []
    for unit in sorted(unit_dir.iterdir()):
        if unit.suffix not in UNIT_SUFFIXES:
            continue
        text = unit.read_text()
        (root / "etc/systemd/system" / unit.name).write_text(text)
        for path in exec_paths(text):
            stub = root / path.lstrip("/")
            stub.parent.mkdir(parents=True, exist_ok=True)
            stub.write_text("#!/bin/sh\nexit 0\n")
            stub.chmod(0o755)
        names.append(unit.name)
    return names


def verify(tool: str, root: Path, name: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([tool, "verify", f"--root={root}", name], capture_output=True, text=True, timeout=60, check=False)


def security(tool: str, root: Path, name: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [tool, "security", "--offline=yes", f"--root={root}", name],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


# The systemd version that introduced each key (or Key=value) the templates can write,
# from ../shared/reference/systemd-versions.md; keys not listed are older than any
# systemd_version the template accepts.
INTRODUCED = {
    "Type=exec": 240,
    "RuntimeDirectory": 211,
    "RuntimeDirectoryMode": 211,
    "RuntimeDirectoryPreserve": 235,
    **{f"{d}{m}": 235 for d in ("State", "Cache", "Logs", "Configuration") for m in ("Directory", "DirectoryMode")},
    "PrivateDevices": 209,
    "PrivateUsers": 232,
    "DynamicUser": 232,
    "PrivateMounts": 239,
    "PrivateIPC": 248,
    "ProtectSystem": 214,
    "ProtectSystem=strict": 232,
    "ProtectHome": 214,
    "ProtectHome=tmpfs": 238,
    "ProtectKernelModules": 232,
    "ProtectKernelTunables": 232,
    "ProtectControlGroups": 232,
    "ProtectHostname": 242,
    "RestrictSUIDSGID": 242,
    "ProtectKernelLogs": 244,
    "ProtectClock": 245,
    "ProtectProc": 247,
    "ProcSubset": 247,
    "MountAPIVFS": 233,
    "RestrictNamespaces": 233,
    "NoNewPrivileges": 198,
    "RestrictRealtime": 231,
    "MemoryDenyWriteExecute": 231,
    "RestrictAddressFamilies": 211,
    "LockPersonality": 235,
    "KeyringMode": 235,
    "IPAddressAllow": 235,
    "IPAddressDeny": 235,
    "RemoveIPC": 236,
    "AmbientCapabilities": 229,
    "SystemCallFilter=@system-service": 239,
    "SystemCallArchitectures": 209,
    "SystemCallErrorNumber": 209,
    "DevicePolicy": 205,
    "LoadCredential": 247,
    "SetCredential": 247,
    "LoadCredentialEncrypted": 250,
    "SetCredentialEncrypted": 250,
    "SocketBindAllow": 249,
    "SocketBindDeny": 249,
    "ReadWritePaths": 231,
    "ReadOnlyPaths": 231,
    "InaccessiblePaths": 231,
    "TimeoutStartSec": 188,
    "ExecSearchPath": 250,
    "OOMPolicy": 243,
    "ReloadSignal": 253,
    "Type=notify-reload": 253,
}
EXEC_PREFIX_SINCE = {"!": 235, "+": 231, ":": 242}


def introduced_in(line: str) -> int:
    """The systemd version whose parser first accepts this directive line (1: older than we care)."""
    key, sep, value = line.partition("=")
    if not sep or line.startswith(("#", ";", "[")):
        return 1
    versions = [INTRODUCED.get(key, 1), INTRODUCED.get(f"{key}={value}", 1)]
    if key.startswith("Exec"):
        prefixes = value[: len(value) - len(value.lstrip("-@:+!"))]
        versions += [EXEC_PREFIX_SINCE.get(p, 1) for p in prefixes]
    return max(versions)
