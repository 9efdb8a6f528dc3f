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

from .option import Option

SCRIPT = "deploy"
NOT_ASKED = "{{ false }}"

DEPLOY_OPTIONS: dict[str, Option] = {
    "deploy_script": Option("bool", True, help="Also write the deploy/rollback script (scripts_dir/deploy)", ask=NOT_ASKED),
    "deploy_health_url": Option(
        "text",
        "",
        help="URL the deploy script polls until it answers 2xx, e.g. http://127.0.0.1:4000/health (empty: none)",
        ask=NOT_ASKED,
        empty_is_value=True,
    ),
    "deploy_keep_releases": Option(
        "limit", 5, help="Releases the deploy script keeps in releases_dir (the current one always)", ask=NOT_ASKED
    ),
    "deploy_timeout_sec": Option(
        "limit", 60, help="Seconds the deploy script waits for a restarted release to be ready", ask=NOT_ASKED
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
        "restart_method": values["restart_method"],
        "restart_flag": f"{values['flags_dir']}/restart.flag",
        "service_type": values["service_type"],
        "health_url": values["deploy_health_url"] or "",
        "keep": str(values["deploy_keep_releases"]),
        "timeout": str(values["deploy_timeout_sec"]),
    }
    return {name: shlex.quote(value) for name, value in settings.items()}


def check_deploy(values: Mapping[str, Any]) -> None:
    from .resolve import OptionError  # resolve imports options, which imports this table

    for name in ("deploy_keep_releases", "deploy_timeout_sec"):
        if str(values[name]) == "infinity" or int(values[name]) < 1:
            raise OptionError(name, f"must be a whole number of at least 1, not {values[name]!r}")


def deploy_view(values: Mapping[str, Any]) -> dict[str, Any]:
    check_deploy(values)
    return {"deploy_settings": deploy_settings(values)}
