"""Socket activation: systemd holds the listening sockets, the VM accepts on the fds it is given.

With ``listen_sockets`` set, ``<service>.socket`` listens (ListenStream=, one per
value, passed to the VM as fd 3, 4, ... in that order, all named by
FileDescriptorName=) and the service requires it and starts after it. The
socket stays open while the service restarts or a deploy switches releases:
connections wait in the kernel's backlog instead of being refused. systemd
binds as root, so a port below 1024 needs no capability in the service.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from typing import Any

from .option import Option
from .versions import SINCE

SOCKET_OPTIONS: dict[str, Option] = {
    "listen_sockets": Option(
        "listen_sockets",
        [],
        help="Socket activation: addresses systemd listens on and keeps open across restarts, "
        "the VM accepts on fd 3 (empty: off)",
    ),
}


def _port(text: str) -> str:
    if text.isdigit() and 1 <= int(text) <= 65535:
        return ""
    return f"{text!r} is not a port (1-65535)"


def _address(item: str) -> str:
    """ "" for a port, IPv4:port, [IPv6]:port or an absolute unix socket path; else why not."""
    if item.startswith("/"):
        return "" if " " not in item and "//" not in item else f"{item!r} must be a plain absolute path"
    if item.isdigit():
        return _port(item)
    host, sep, port = item.rpartition(":")
    if not sep:
        return f"{item!r} must be a port, ADDRESS:PORT, [IPv6]:PORT or /path/to/unix.socket"
    if host.startswith("[") and host.endswith("]"):
        host, version = host[1:-1], 6
    else:
        version = 4
    try:
        parsed = ipaddress.ip_address(host)
    except ValueError:
        return f"{host!r} in {item!r} is not an IP{'v6' if version == 6 else 'v4'} address"
    if parsed.version == 6 and version == 4:
        return f"{item!r}: an IPv6 address goes in brackets, e.g. [::1]:4000"
    if parsed.version == 4 and version == 6:
        return f"{item!r}: only an IPv6 address goes in brackets, e.g. 127.0.0.1:4000"
    return _port(port)


def check_listen_sockets(value: Any) -> str:
    """The kind validator of listen_sockets (validate.py): "" or what is wrong."""
    if not isinstance(value, list):
        return f'must be a list of ListenStream= values such as ["127.0.0.1:4000", "443"], not {value!r}'
    seen: set[str] = set()
    for item in value:
        if not isinstance(item, str | int) or isinstance(item, bool):
            return f"each item must be a port or an address, not {item!r}"
        error = _address(str(item))
        if error:
            return error
        if str(item) in seen:
            return f"{str(item)!r} is listed twice"
        seen.add(str(item))
    return ""


def socket_unit(values: Mapping[str, Any]) -> str | None:
    return f"{values['service_name']}.socket" if values["listen_sockets"] else None


def socket_view(values: Mapping[str, Any]) -> dict[str, Any]:
    """What the .socket template prints (the service's Requires= and NonBlocking= are rows of lifecycle.LINES)."""
    return {
        "socket_unit": socket_unit(values),
        "listen_streams": [str(item) for item in values["listen_sockets"]],
        "fd_name": values["service_name"] if values["systemd_version"] >= SINCE["FileDescriptorName="] else None,
    }
