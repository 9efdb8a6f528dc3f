"""What copier prints after a copy or an update: the files, the next commands, the exposure score."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Any

OVERALL = re.compile(r"Overall exposure level for \S+: (\d+(?:\.\d+)?) (\w+)")
CONFLICT_CHECK = "git add --intent-to-add . && git diff --check"


def unit_files(view: Mapping[str, Any]) -> list[str]:
    """The unit files the answers give, relative to the project."""
    stem = view["service_name"]
    names = [f"{stem}.service"]
    if view["restart_method"] == "systemd_flag":
        names += [f"{stem}-restart.service", f"{stem}-restart.path"]
    if view.get("runtime_environment_unit"):
        names.append(view["runtime_environment_unit"])
    return [f"{view['output_dir']}/{name}" for name in names]


def system_files(view: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(file, directory on the server) of the sysusers.d and tmpfiles.d files, when written."""
    if not view.get("system_files") or "sysusers_dir" not in view:
        return []
    conf = f"{view['ext_name']}.conf"
    return [(f"{view['sysusers_dir']}/{conf}", "/etc/sysusers.d"), (f"{view['tmpfiles_dir']}/{conf}", "/etc/tmpfiles.d")]


def units_to_enable(view: Mapping[str, Any]) -> list[str]:
    stem = view["service_name"]
    return [f"{stem}.service", *([f"{stem}-restart.path"] if view["restart_method"] == "systemd_flag" else [])]


def install_commands(view: Mapping[str, Any]) -> list[str]:
    """Shell commands that install the rendered files on a server, from a checkout of the project."""
    commands = []
    for path, target in system_files(view):
        commands.append(f"sudo install -m 0644 -D -t {target} {path}")
    if system_files(view):
        commands += ["sudo systemd-sysusers", "sudo systemd-tmpfiles --create"]
    commands.append(f"sudo install -m 0644 -t /etc/systemd/system {' '.join(unit_files(view))}")
    commands.append("sudo systemctl daemon-reload")
    # Not --now: on a fresh server there is no release yet, and Restart= would
    # spin the unit into "start request repeated too quickly".
    commands.append(f"sudo systemctl enable {' '.join(units_to_enable(view))}")
    return commands


def start_commands(view: Mapping[str, Any]) -> list[str]:
    return [f"sudo systemctl start {' '.join(units_to_enable(view))}"]


def restart_commands(view: Mapping[str, Any]) -> list[str]:
    """A running service keeps its old unit until restarted; try-restart leaves a stopped one alone."""
    return [f"sudo systemctl try-restart {' '.join(units_to_enable(view))}"]


def parse_exposure(report: str) -> str:
    """`4.2 OK` from systemd-analyze security's last line, or ""."""
    match = OVERALL.search(report)
    return f"{match.group(1)} {match.group(2)}" if match else ""


def exposure(unit: Path, tool: str = "systemd-analyze") -> str:
    """The unit's overall exposure, scored offline; "" when the tool is missing or fails."""
    executable = shutil.which(tool)
    if executable is None or not unit.is_file():
        return ""
    try:
        result = subprocess.run(
            [executable, "security", "--offline=yes", "--no-pager", str(unit)],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return ""
    return parse_exposure(result.stdout + result.stderr)


def exposure_line(view: Mapping[str, Any], project: Path) -> str:
    score = exposure(project / unit_files(view)[0])
    if not score:
        return "Exposure: install systemd-analyze to score it (systemd-analyze security --offline=yes)."
    return f"Exposure of {view['service_name']}.service (systemd-analyze security --offline=yes): {score}"


def indented(lines: list[str]) -> str:
    return "\n".join(f"  {line}" for line in lines)


def after_copy(view: Mapping[str, Any], project: Path) -> str:
    written = unit_files(view) + [path for path, _ in system_files(view)]
    return "\n".join(
        [
            f"Wrote the systemd units of {view['app_name']} ({view['hardening']} hardening):",
            indented(written),
            exposure_line(view, project),
            "Next: review and commit them, then on the server, from a checkout of this project:",
            indented(install_commands(view)),
            f"Then unpack a release into {view['releases_dir']}/<version>, point {view['current_dir']} at it, and start:",
            indented(start_commands(view)),
            "Later template versions: copier update --trust -a .copier-answers.systemd.yml",
        ]
    )


def after_update(view: Mapping[str, Any], project: Path) -> str:
    return "\n".join(
        [
            f"Updated the systemd units of {view['app_name']}:",
            indented(unit_files(view) + [path for path, _ in system_files(view)]),
            exposure_line(view, project),
            "Before committing, look for conflict markers (and *.rej files with --conflict rej):",
            indented([CONFLICT_CHECK]),
            "Then reinstall them on the server and restart the service with them:",
            indented(install_commands(view) + restart_commands(view)),
        ]
    )
