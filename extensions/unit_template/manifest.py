"""Every file the template writes, one row each: the one place a rendered file's path is computed.

The template's file names read it (``template/{% if files.main_unit %}{{ files.main_unit }}{% endif %}.jinja``,
through the extension's ``manifest()``), and so do the install plan (install.py), the
pre-flight of a copy (the extension's file list, preflight.py), the closing messages
and the carry of local edits across a rename (carry_edits.py). A row's flag is the name
in ``files``; its path is "" when the answers leave the file out.

To add a file: a row here, and its template named ``template_name(flag)`` (a test
checks that every row has its template and every template its row, executable alike).
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

View = Mapping[str, Any]
TEMPLATE_SUFFIX = ".jinja"


@dataclass(frozen=True)
class File:
    flag: str  # the name under which the template's file name finds it: files.<flag>
    path: Callable[[View], str]  # relative to the project; "" when these answers do not write it
    executable: bool  # its template's mode, which copier gives the file
    purpose: str
    placed_by: str = "output_dir"  # the answer that decides its directory (the pre-flight names it)
    left_out_by: str = ""  # the answer that leaves it out ("": every copy writes it)


def _in(directory: str, name: str) -> str:
    return posixpath.normpath(posixpath.join(directory, name))


def _unit(suffix: str, written: Callable[[View], object] = lambda v: True) -> Callable[[View], str]:
    return lambda v: _in(v["output_dir"], v["service_name"] + suffix) if written(v) else ""


def _script(name: str) -> Callable[[View], str]:
    return lambda v: _in(v["scripts_output_dir"], name) if name in v["config_scripts"] else ""


def _eex(name: str) -> Callable[[View], str]:
    return lambda v: _in(v["template_dir"], name) if v["eex_templates"] else ""


def _package(name: str) -> Callable[[View], str]:
    return lambda v: _in(v["package_dir"], name) if v["packaging"] else ""


def _system_file(directory: str) -> Callable[[View], str]:
    return lambda v: _in(v[directory], v["ext_name"] + ".conf") if v["system_files"] else ""


def _node_script(v: View) -> str:
    return _script(v["node_script"])(v) if v["node_script"] else ""


def _flagged(v: View) -> bool:
    return v["restart_method"] == "systemd_flag"


EEX_OFF = "eex_templates: false"
PACKAGE_OFF = "packaging: false"
SYSTEM_OFF = "system_files: false"
FLAG_OFF = "restart_method other than systemd_flag"
STRATEGY_OFF = "config_strategies without "
SCRIPTS = "scripts_output_dir"  # the answer that places the scripts

# In the order the install plan lists (installs, enables, removes) them.
FILES: tuple[File, ...] = (
    File("eex_restart_path_unit", _eex("restart.path.eex"), False, "EEx template", "template_dir", EEX_OFF),
    File("eex_restart_service_unit", _eex("restart.service.eex"), False, "EEx template", "template_dir", EEX_OFF),
    File(
        "eex_runtime_environment_unit", _eex("runtime-environment.service.eex"), False, "EEx template", "template_dir", EEX_OFF
    ),
    File("eex_main_unit", _eex("systemd.service.eex"), False, "EEx template of the service unit", "template_dir", EEX_OFF),
    File("package_build", _package("build"), True, "builds the .deb and .rpm", left_out_by=PACKAGE_OFF),
    File("package_copyright", _package("copyright"), False, "the package's copyright file", left_out_by=PACKAGE_OFF),
    File("package_nfpm", _package("nfpm.yaml"), False, "the nfpm configuration", left_out_by=PACKAGE_OFF),
    File("package_postinstall", _package("postinstall"), True, "maintainer script", left_out_by=PACKAGE_OFF),
    File("package_postremove", _package("postremove"), True, "maintainer script", left_out_by=PACKAGE_OFF),
    File("package_preremove", _package("preremove"), True, "maintainer script", left_out_by=PACKAGE_OFF),
    File(
        "cloud_init_script",
        _script("cloud-init-environment"),
        True,
        "configuration from cloud-init",
        SCRIPTS,
        STRATEGY_OFF + "cloud_init",
    ),
    File("deploy_script", _script("deploy"), True, "deploys a release", SCRIPTS, "deploy_script: false"),
    File("sync_s3_script", _script("sync-config-s3"), True, "configuration from S3", SCRIPTS, STRATEGY_OFF + "s3_sync"),
    File("sync_ssm_script", _script("sync-config-ssm"), True, "configuration from SSM", SCRIPTS, STRATEGY_OFF + "ssm"),
    File(
        "node_script",
        _node_script,
        True,
        "runs a release command against the node",
        SCRIPTS,
        "distribution: none or release",
    ),
    File("sysusers_conf", _system_file("sysusers_dir"), False, "sysusers.d: the user and group", left_out_by=SYSTEM_OFF),
    File("tmpfiles_conf", _system_file("tmpfiles_dir"), False, "tmpfiles.d: the deploy directories", left_out_by=SYSTEM_OFF),
    File(
        "overlap_unit",
        _unit("-overlap.service", lambda v: v["overlap_unit"]),
        False,
        "the next VM beside the serving one (deploy, deploy restart)",
        left_out_by="overlap: false",
    ),
    File(
        "restart_path_unit",
        _unit("-restart.path", _flagged),
        False,
        "watches the restart flag (systemd_flag)",
        left_out_by=FLAG_OFF,
    ),
    File(
        "restart_service_unit",
        _unit("-restart.service", _flagged),
        False,
        "restarts the service (systemd_flag)",
        left_out_by=FLAG_OFF,
    ),
    File(
        "runtime_environment_unit",
        _unit("-runtime-environment.service", lambda v: v["runtime_environment_unit"]),
        False,
        "writes the runtime environment before the service starts",
        left_out_by="runtime_environment_service_script left empty",
    ),
    File(
        "socket_unit",
        _unit(".socket", lambda v: v["socket_unit"]),
        False,
        "the socket unit (listen_sockets)",
        left_out_by="listen_sockets: []",
    ),
    File("main_unit", _unit(".service"), False, "the service unit"),
    File("install_script", lambda v: v["install_script"], True, "installs the files on a server"),
)


def files(view: View) -> dict[str, str]:
    """What the template's file names read: each flag's path, "" when it is not written."""
    return {file.flag: file.path(view) for file in FILES}


def written(view: View) -> list[tuple[File, str]]:
    """The files these answers write, each with its path."""
    return [(file, path) for file, path in ((file, file.path(view)) for file in FILES) if path]


def template_name(flag: str) -> str:
    """The file under template/ that renders row `flag`."""
    return f"{{% if files.{flag} %}}{{{{ files.{flag} }}}}{{% endif %}}{TEMPLATE_SUFFIX}"


def renamed(previous: View, view: View) -> list[tuple[str, str]]:
    """(old path, new path) of each file both answer sets write, under another path now."""
    old, new = files(previous), files(view)
    return [(old[flag], new[flag]) for flag in old if old[flag] and new[flag] and old[flag] != new[flag]]
