"""The computed option values as bindings for the EEx templates (mix systemd.generate)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .options import OPTIONS

# mix_systemd keeps these as atoms; the rest are strings, numbers, booleans or lists.
ATOM_OPTIONS = ("service_type", "release_system", "restart_method", "app_name")


def export_bindings(view: Mapping[str, Any]) -> dict[str, Any]:
    """Every option's final value, with `dirs` as systemd will use them."""
    return {name: view[name] for name in OPTIONS}
