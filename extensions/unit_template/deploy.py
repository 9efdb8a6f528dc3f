"""The deploy script: unpack a release, switch `current`, restart, wait until ready, roll back if not.

Rendered into scripts_output_dir (installed to scripts_dir) as ``deploy``; the
values it needs from the answers are quoted for sh here, once. Its options are
not asked (copier --data or the answers file set them); the script reads
DEPLOY_HEALTH_URL, DEPLOY_KEEP, DEPLOY_TIMEOUT and DEPLOY_SETTLE from the
environment too, so one rendered script serves every stage.
"""

from __future__ import annotations

import shlex
from collections.abc import Mapping
from typing import Any

from .option import NOT_ASKED, Option
from .overlap import overlap_unit
from .problems import Problem

SCRIPT = "deploy"

DEPLOY_OPTIONS: dict[str, Option] = {
    "deploy_script": Option("bool", True, help="Also write the deploy/rollback script (scripts_dir/deploy)", ask=NOT_ASKED),
    "deploy_health_url": Option(
        "text",
        None,
        help="URL the deploy script polls until it answers 2xx, e.g. http://127.0.0.1:4000/health (empty: none)",
        ask=NOT_ASKED,
    ),
    "deploy_keep_releases": Option(
        "count", 5, help="Releases the deploy script keeps in releases_dir (the current one always)", ask=NOT_ASKED
    ),
    "deploy_timeout_sec": Option(
        "count", 60, help="Seconds the deploy script waits for a restarted release to be ready", ask=NOT_ASKED
    ),
}


def deploy_scripts(values: Mapping[str, Any]) -> list[str]:
    return [SCRIPT] if values["deploy_script"] else []


def deploy_settings(values: Mapping[str, Any]) -> dict[str, str]:
    """Each value the script embeds, quoted for sh."""
    settings = {
        "service": values["service_name"],
        "release_name": values["release_name"],
        "releases_dir": values["releases_dir"],
        "current_dir": values["current_dir"],
        "app_group": values["app_group"],
        "service_type": values["service_type"],
        "health_url": values["deploy_health_url"] or "",
        "keep": str(values["deploy_keep_releases"]),
        "timeout": str(values["deploy_timeout_sec"]),
        "overlap": overlap_unit(values) or "",
    }
    return {name: shlex.quote(value) for name, value in settings.items()}


def problems(values: Mapping[str, Any]) -> list[Problem]:
    """What is wrong with the deploy script's answers (a check of the check step, checks.py)."""
    found = []
    url = values["deploy_health_url"]
    if url and not url.startswith(("http://", "https://")):
        found.append(Problem("deploy_health_url", f"must be an http:// or https:// URL, not {url!r}"))
    return found


def deploy_view(values: Mapping[str, Any]) -> dict[str, Any]:
    return {"deploy_settings": deploy_settings(values)}
