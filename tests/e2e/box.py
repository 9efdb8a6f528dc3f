"""A throwaway systemd in its own namespaces, over a copy-on-write view of the host.

The technique and the safety rules come from shared/reference/systemd-and-beam.md:
``unshare --pid --fork --mount --uts --ipc --cgroup --net`` runs BOOT_SCRIPT, which mounts an
overlay of ``/`` whose upper layer lives on a tmpfs, marks it, pivots into it and execs
systemd. Every command that touches the box runs through ``nsenter`` into that systemd's
namespaces, after ``guard()`` has checked that the target really is the box. Teardown is
SIGKILL to the box's PID 1: everything inside dies and its mounts vanish.

Beyond the recipe, the box has its own network namespace (loopback only): its services'
ports and epmd never meet the host's, nor those of another box running at the same time.
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import os
import signal
import subprocess
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

MARKER = "/run/systemd/container"
SYSTEMD = "/lib/systemd/systemd"
BOX_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
# Host units that have no business in the box: consoles, a database, timers.
MASKED_UNITS = (
    "console-getty.service",
    "getty@tty1.service",
    "serial-getty@.service",
    "container-getty@.service",
    "postgresql.service",
    "e2scrub_reap.service",
    "apt-daily.timer",
    "apt-daily-upgrade.timer",
    "dpkg-db-backup.timer",
    "e2scrub_all.timer",
    "fstrim.timer",
    "man-db.timer",
    "systemd-pstore.service",
)

BOOT_SCRIPT = r"""
set -eu
T="$1"; NAME="$2"; MASKED="$3"; shift 3
ip link set lo up
mount --make-rprivate /
mount -t tmpfs -o mode=0700 e2e-box "$T"
mkdir "$T/upper" "$T/work" "$T/root"
R="$T/root"
mount -t overlay overlay -o "lowerdir=/,upperdir=$T/upper,workdir=$T/work" "$R"
mount --rbind /dev "$R/dev"
mount --rbind /sys "$R/sys"
mount -t proc proc "$R/proc"
mount -t tmpfs -o mode=0755 tmpfs "$R/run"
mount -t tmpfs -o mode=1777 tmpfs "$R/tmp"
mkdir -p "$R/run/systemd" "$R/etc/systemd/system" "$R/oldroot"
printf '%s\n' "$NAME" >"$R/run/systemd/container"
for unit in $MASKED; do ln -sfn /dev/null "$R/etc/systemd/system/$unit"; done
cd "$R"
pivot_root . oldroot
umount -l /oldroot
export container="$NAME"
exec "$@" </dev/null
"""


class BoxError(RuntimeError):
    """The box is not there, or is not what it claims to be: nothing was run."""


@dataclass
class CommandResult:
    args: list[str]
    returncode: int
    stdout: str
    stderr: str

    def ok(self) -> bool:
        return self.returncode == 0


@dataclass
class Box:
    """A booted throwaway systemd; ``pid`` is its PID 1 seen from the host."""

    name: str
    pid: int
    unshare: subprocess.Popen[bytes]
    mount_dir: Path
    own_mnt_ns: str = field(default_factory=lambda: os.readlink("/proc/self/ns/mnt"))
    killed: bool = False
    boot_seconds: float = 0.0

    def guard(self) -> None:
        """Refuse to go on unless pid is a systemd, child of our unshare, in other namespaces, marked."""
        if self.killed:
            raise BoxError("the box has been torn down")
        proc = Path(f"/proc/{self.pid}")
        try:
            comm = (proc / "comm").read_text().strip()
            if comm != "systemd":
                raise BoxError(f"pid {self.pid} is {comm!r}, not systemd")
            if parent_pid(self.pid) != self.unshare.pid:
                raise BoxError(f"pid {self.pid} is not the child of unshare {self.unshare.pid}")
            if os.readlink(proc / "ns/mnt") == self.own_mnt_ns:
                raise BoxError("the box shares the host's mount namespace")
            marker = (proc / "root" / MARKER.lstrip("/")).read_text().strip()
        except OSError as error:
            raise BoxError(f"box pid {self.pid} is gone or unreadable: {error}") from error
        if marker != self.name:
            raise BoxError(f"marker {MARKER} says {marker!r}, not {self.name!r}")

    def run(
        self,
        args: Sequence[str],
        *,
        input: str | bytes | None = None,
        check: bool = True,
        timeout: float = 60,
        env: dict[str, str] | None = None,
    ) -> CommandResult:
        """Run a command inside the box, as root, in all its namespaces."""
        self.guard()
        command = ["nsenter", "-t", str(self.pid), "-a", "-r", "-w", "env", "-i", *box_env(env), *args]
        data = input.encode() if isinstance(input, str) else input
        done = subprocess.run(command, input=data, capture_output=True, timeout=timeout, check=False)
        result = CommandResult(
            list(args), done.returncode, done.stdout.decode(errors="replace"), done.stderr.decode(errors="replace")
        )
        if check and not result.ok():
            raise subprocess.CalledProcessError(result.returncode, list(args), result.stdout, result.stderr)
        return result

    def sh(self, script: str, **kwargs: object) -> CommandResult:
        return self.run(["/bin/sh", "-euc", script], **kwargs)  # type: ignore[arg-type]

    def write_file(self, path: str, content: str | bytes, mode: str = "0644") -> None:
        data = content.encode() if isinstance(content, str) else content
        self.run(["/bin/sh", "-euc", 'mkdir -p "$(dirname "$1")"; cat >"$1"; chmod "$2" "$1"', "sh", path, mode], input=data)

    def read_file(self, path: str) -> str:
        return self.run(["cat", path]).stdout

    def copy_tree_in(self, source: Path, target: str) -> None:
        """Unpack a host directory into the box with tar, like a user unpacking a release."""
        self.guard()
        self.run(["mkdir", "-p", target])
        packed = subprocess.run(["tar", "-C", str(source), "-cf", "-", "."], capture_output=True, check=True)
        self.run(["tar", "-C", target, "--no-same-owner", "-xf", "-"], input=packed.stdout)

    def systemctl(self, *args: str, check: bool = True, timeout: float = 60) -> CommandResult:
        return self.run(["systemctl", *args], check=check, timeout=timeout)

    def show(self, unit: str, *props: str) -> dict[str, str]:
        out = self.systemctl("show", unit, *(f"--property={p}" for p in props)).stdout
        return dict(line.split("=", 1) for line in out.splitlines() if "=" in line)

    def journal(self, unit: str | None = None, lines: int = 200) -> str:
        args = ["journalctl", "--no-pager", "-n", str(lines), "-o", "short-monotonic"]
        if unit:
            args += ["-u", unit]
        try:
            return self.run(args, check=False, timeout=30).stdout
        except (BoxError, subprocess.TimeoutExpired) as error:
            return f"(no journal: {error})"

    def journal_showing(self, unit: str, text: str, timeout: float = 15) -> str:
        """The unit's journal once it shows `text` (or at the timeout): a line the service logs
        on its own, after the command that caused it returned, reaches the journal a moment later."""
        deadline = time.monotonic() + timeout
        journal = self.journal(unit)
        while text not in journal and time.monotonic() < deadline:
            time.sleep(0.2)
            journal = self.journal(unit)
        return journal

    def kill(self) -> None:
        """SIGKILL to the namespace's PID 1; idempotent, never raises."""
        if self.killed:
            return
        self.killed = True
        # Only while it is still our unshare's child: never a recycled pid.
        with contextlib.suppress(OSError):
            if parent_pid(self.pid) == self.unshare.pid:
                os.kill(self.pid, signal.SIGKILL)
        with contextlib.suppress(ProcessLookupError):
            self.unshare.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.unshare.wait(timeout=15)
        with contextlib.suppress(OSError):
            self.mount_dir.rmdir()


def box_env(extra: dict[str, str] | None) -> list[str]:
    env = {"PATH": BOX_PATH, "LANG": "C.UTF-8", "HOME": "/root", "SYSTEMD_PAGER": "", "SYSTEMD_COLORS": "0"}
    env.update(extra or {})
    return [f"{key}={value}" for key, value in env.items()]


def parent_pid(pid: int) -> int:
    stat = Path(f"/proc/{pid}/stat").read_text()
    # The command name may hold spaces and parentheses: the fields after the last ')'.
    return int(stat.rsplit(")", 1)[1].split()[1])


def children(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def die_with_parent() -> None:
    """In the unshare process: SIGKILL when pytest dies, so --kill-child takes the box down too."""
    libc = ctypes.CDLL(None, use_errno=True)
    pr_set_pdeathsig = 1
    libc.prctl(pr_set_pdeathsig, signal.SIGKILL)


def find_box_systemd(unshare_pid: int, timeout: float = 15) -> int:
    """The unshare child once it has exec'd systemd; raise if it never does."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for child in children(unshare_pid):
            with contextlib.suppress(OSError):
                if Path(f"/proc/{child}/comm").read_text().strip() == "systemd":
                    return child
        time.sleep(0.02)
    raise BoxError(f"no systemd appeared under unshare pid {unshare_pid} within {timeout}s")


def boot(name: str, log_dir: Path, timeout: float = 60) -> Box:
    """Boot a box and wait until `systemctl is-system-running` settles; kill it on any failure."""
    started = time.monotonic()
    mount_dir = Path(tempfile.mkdtemp(prefix=f"{name}-", dir="/var/tmp"))
    log_dir.mkdir(parents=True, exist_ok=True)
    command = [
        "unshare",
        "--pid",
        "--fork",
        "--kill-child",
        "--mount",
        "--uts",
        "--ipc",
        "--cgroup",
        "--net",
        "/bin/sh",
        "-c",
        BOOT_SCRIPT,
        "box-boot",
        str(mount_dir),
        name,
        " ".join(MASKED_UNITS),
        SYSTEMD,
        "--system",
        "--unit=multi-user.target",
    ]
    # systemd's own log goes to this host file, opened before the namespaces exist.
    with (log_dir / "boot.log").open("ab") as log:
        unshare = subprocess.Popen(
            command, stdin=subprocess.DEVNULL, stdout=log, stderr=log, start_new_session=True, preexec_fn=die_with_parent
        )
    box: Box | None = None
    try:
        pid = find_box_systemd(unshare.pid)
        box = Box(name=name, pid=pid, unshare=unshare, mount_dir=mount_dir)
        atexit.register(box.kill)
        wait_running(box, timeout)
        box.boot_seconds = time.monotonic() - started
        return box
    except BaseException:
        if box is not None:
            box.kill()
        else:
            with contextlib.suppress(ProcessLookupError):
                unshare.kill()
            with contextlib.suppress(subprocess.TimeoutExpired):
                unshare.wait(timeout=15)
            with contextlib.suppress(OSError):
                mount_dir.rmdir()
        raise


def wait_running(box: Box, timeout: float) -> str:
    """running or degraded: the boot job queue is empty."""
    deadline = time.monotonic() + timeout
    state = ""
    while time.monotonic() < deadline:
        # The system bus may not be up yet at the very start.
        state = box.run(["systemctl", "is-system-running", "--wait"], check=False, timeout=timeout).stdout.strip()
        if state in ("running", "degraded"):
            return state
        time.sleep(0.1)
    raise BoxError(f"the box did not finish booting within {timeout}s (state {state!r})")
