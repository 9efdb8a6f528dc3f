"""The sysusers.d and tmpfiles.d files, applied by the real systemd-sysusers and systemd-tmpfiles.

Each scenario installs the rendered staging root (rel/systemd) into a scratch
root shaped like a merged-/usr server (lib -> usr/lib, a minimal /etc user
database), then runs `systemd-sysusers --root` and `systemd-tmpfiles --root --create`
on it: nothing on the host changes.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from rendering import render_template
from system_tools import require, require_tool
from unit_template.system_files import staging_dir, sysusers_lines

STAGING = "rel/systemd"
SYSUSERS = "rel/systemd/lib/sysusers.d/foo-bar.conf"
TMPFILES = "rel/systemd/lib/tmpfiles.d/foo-bar.conf"
# A server before the template's files arrive: root, plus a human deploy account.
PASSWD = "root:x:0:0:root:/root:/bin/bash\ndeploy:x:1500:1500:Deploy:/home/deploy:/bin/bash\n"
GROUP = "root:x:0:\ndeploy:x:1500:\n"
SHADOW = "root:*:19000:0:99999:7:::\ndeploy:*:19000:0:99999:7:::\n"
GSHADOW = "root:*::\ndeploy:!::\n"


@dataclass(frozen=True)
class Account:
    uid: int
    gid: int
    shell: str


@dataclass(frozen=True)
class Server:
    """A scratch root after systemd-sysusers and systemd-tmpfiles ran on it."""

    root: Path

    def user(self, name: str) -> Account:
        for line in (self.root / "etc/passwd").read_text().splitlines():
            fields = line.split(":")
            if fields[0] == name:
                return Account(int(fields[2]), int(fields[3]), fields[6])
        raise AssertionError(f"no user {name} in {self.root}/etc/passwd")

    def group(self, name: str) -> tuple[int, list[str]]:
        for line in (self.root / "etc/group").read_text().splitlines():
            fields = line.split(":")
            if fields[0] == name:
                return int(fields[2]), [m for m in fields[3].split(",") if m]
        raise AssertionError(f"no group {name} in {self.root}/etc/group")

    def owner(self, path: str) -> tuple[int, int, str]:
        """uid, gid and octal mode of a path on the server."""
        info = (self.root / path.lstrip("/")).stat()
        return info.st_uid, info.st_gid, f"{stat.S_IMODE(info.st_mode):04o}"

    def exists(self, path: str) -> bool:
        return (self.root / path.lstrip("/")).exists()


def require_root() -> None:
    require(os.geteuid() == 0, "systemd-tmpfiles must run as root to set owners")


def scratch_root(root: Path) -> Path:
    (root / "etc").mkdir(parents=True)
    (root / "usr/lib").mkdir(parents=True)
    (root / "lib").symlink_to("usr/lib")
    for name, text in (("passwd", PASSWD), ("group", GROUP), ("shadow", SHADOW), ("gshadow", GSHADOW)):
        (root / "etc" / name).write_text(text)
    return root


def install(project: Path, root: Path) -> None:
    """What `cp -r rel/systemd/. /` does on the server (through its lib -> usr/lib symlink)."""
    shutil.copytree(project / STAGING, root, dirs_exist_ok=True, symlinks=False)


def run(*command: str) -> None:
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    assert result.returncode == 0, f"{command}: {result.stdout}{result.stderr}"


def set_up_server(project: Path, root: Path) -> Server:
    require_root()
    sysusers, tmpfiles = require_tool("systemd-sysusers"), require_tool("systemd-tmpfiles")
    install(project, scratch_root(root))
    run(sysusers, f"--root={root}")
    run(tmpfiles, f"--root={root}", "--create")
    return Server(root)


def server_for(tmp: Path, answers: dict[str, Any]) -> Server:
    return set_up_server(render_template(tmp / "project", answers), tmp / "root")


# systemd 231 manages the runtime dir but not state/logs/configuration: tmpfiles.d must make those.
OLD_SYSTEMD = {
    "deploy_user": "deploy",
    "restart_method": "systemd_flag",
    "configuration_directory_mode": "770",
    "dirs": ["runtime", "configuration", "state", "logs", "tmp"],
    "systemd_version": 231,
    "state_directory_mode": "700",
}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Server:
    return server_for(tmp_path_factory.mktemp("old-systemd"), OLD_SYSTEMD)


def test_sysusers_creates_the_app_user_without_a_login_shell(server: Server) -> None:
    assert server.user("foo-bar").shell.endswith("/nologin")


def test_sysusers_gives_the_app_user_the_app_group(server: Server) -> None:
    assert server.user("foo-bar").gid == server.group("foo-bar")[0]


def test_sysusers_keeps_the_deploy_user_out_of_the_app_group(server: Server) -> None:
    """It gets restart.flag alone: no reading the release, the configuration or the state."""
    assert server.group("foo-bar")[1] == []


def test_sysusers_leaves_an_existing_deploy_user_as_it_was(server: Server) -> None:
    assert server.user("deploy") == Account(1500, 1500, "/bin/bash")


@pytest.mark.parametrize("path", ["/srv/foo-bar/releases", "/srv/foo-bar/bin"])
def test_tmpfiles_gives_the_deploy_tree_to_root_readable_by_the_app(server: Server, path: str) -> None:
    assert server.owner(path) == (0, server.group("foo-bar")[0], "0750")


@pytest.mark.parametrize("path", ["/srv/foo-bar", "/srv/foo-bar/flags"])
def test_tmpfiles_lets_the_deploy_user_through_to_flags_dir_but_write_nothing(server: Server, path: str) -> None:
    assert server.owner(path) == (0, server.group("foo-bar")[0], "0751")


def test_tmpfiles_gives_restart_flag_to_the_deploy_user_alone(server: Server) -> None:
    assert server.owner("/srv/foo-bar/flags/restart.flag") == (1500, 0, "0600")


def test_tmpfiles_gives_a_restart_flag_root_made_back_to_the_deploy_user(server: Server) -> None:
    """After an older deploy script touched it as root: the next install's tmpfiles run fixes it."""
    flag = server.root / "srv/foo-bar/flags/restart.flag"
    os.chown(flag, 0, 0)
    flag.chmod(0o644)
    run(require_tool("systemd-tmpfiles"), f"--root={server.root}", "--create")
    assert server.owner("/srv/foo-bar/flags/restart.flag") == (1500, 0, "0600")


def test_tmpfiles_makes_the_state_dir_old_systemd_cannot_make(server: Server) -> None:
    app = server.user("foo-bar")
    assert server.owner("/var/lib/foo-bar") == (app.uid, app.gid, "0700")


def test_tmpfiles_makes_the_logs_dir_old_systemd_cannot_make(server: Server) -> None:
    app = server.user("foo-bar")
    assert server.owner("/var/log/foo-bar") == (app.uid, app.gid, "0750")


def test_tmpfiles_gives_the_configuration_dir_to_root_never_group_writable(server: Server) -> None:
    """root reads it (EnvironmentFile=, LoadCredential=): configuration_directory_mode 770 loses g+w."""
    assert server.owner("/etc/foo-bar") == (0, server.group("foo-bar")[0], "0750")


def test_tmpfiles_leaves_the_runtime_dir_to_systemd(server: Server) -> None:
    assert not server.exists("/run/foo-bar")


def test_tmpfiles_leaves_the_tmp_dir_to_the_unit(server: Server) -> None:
    """PrivateTmp= hides the host's /var/tmp from the service: ExecStartPre makes it inside."""
    assert not server.exists("/var/tmp/foo-bar")


def test_separate_app_group_becomes_the_app_users_primary_group(tmp_path: Path) -> None:
    server = server_for(tmp_path, {"app_user": "foo-app", "app_group": "foo-grp"})
    assert server.user("foo-app").gid == server.group("foo-grp")[0]


def test_sysusers_creates_a_missing_deploy_user_as_a_system_account(tmp_path: Path) -> None:
    server = server_for(tmp_path, {"deploy_user": "shipper", "restart_method": "systemd_flag"})
    assert (server.user("shipper").shell.endswith("/nologin"), server.group("foo-bar")[1]) == (True, [])


def test_without_a_deploy_user_root_owns_the_deploy_tree(tmp_path: Path) -> None:
    server = server_for(tmp_path, {})
    assert server.owner("/srv/foo-bar/releases") == (0, server.group("foo-bar")[0], "0750")


def test_default_tmpfiles_leaves_app_dirs_to_systemd_239(render) -> None:
    text = (render({"dirs": ["state", "logs", "configuration", "cache"]}) / TMPFILES).read_text()
    assert [line.split()[1] for line in text.splitlines() if line.startswith("d ")] == [
        "/srv/foo-bar",
        "/srv/foo-bar/releases",
        "/srv/foo-bar/bin",
        "/srv/foo-bar/flags",
    ]


def test_system_files_false_writes_neither_file(render) -> None:
    dst = render({"system_files": False})
    assert ((dst / SYSUSERS).exists(), (dst / TMPFILES).exists()) == (False, False)


def test_system_files_go_under_the_units_dir_outside_a_lib_systemd_system_staging_root(render) -> None:
    units = render({"output_dir": "deploy/units"}) / "deploy/units"
    written = sorted(str(path.relative_to(units)) for path in units.rglob("*") if path.is_file())
    assert written == ["foo-bar.service", "sysusers.d/foo-bar.conf", "tmpfiles.d/foo-bar.conf"]


def test_staging_dir_is_a_sibling_of_systemd_under_lib() -> None:
    assert staging_dir("rel/systemd/lib/systemd/system", "sysusers.d") == "rel/systemd/lib/sysusers.d"


def test_same_named_user_and_group_take_one_sysusers_line() -> None:
    values = {"app_user": "foo", "app_group": "foo", "service_name": "foo", "deploy_user": None}
    assert sysusers_lines(values) == ['u foo - "foo service"']
