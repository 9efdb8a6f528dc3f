"""Drive the real interactive `copier copy` in a pseudo-terminal."""

from __future__ import annotations

import contextlib
import os
import sys
import time
from pathlib import Path

import pexpect
import pyte

from rendering import ROOT

COPIER = str(Path(sys.executable).parent / "copier")
# copier's microphone, colour codes, then the question's help text
PROMPT = "\U0001f3a4(?:\x1b\\[[0-9;]*m)*\\s*([^\r\n\x1b]+)"
CLEAR_LINE = "\x15"  # Ctrl-U: drop the pre-filled default


def spawn_copier(args: list[str], log: Path, cwd: Path | None = None, columns: int = 250) -> pexpect.spawn:
    """The real `copier` with args, in a terminal `columns` wide; what it shows goes to log."""
    child = pexpect.spawn(
        COPIER,
        args,
        cwd=str(cwd) if cwd else None,
        encoding="utf-8",
        timeout=60,
        dimensions=(60, columns),
        # No cursor-position requests: a key typed while one is pending could be taken as its reply.
        env={**os.environ, "TERM": "xterm-256color", "NO_COLOR": "1", "PROMPT_TOOLKIT_NO_CPR": "1"},
    )
    child.logfile_read = log.open("w")
    return child


def spawn_copy(dst: Path, columns: int = 250) -> pexpect.spawn:
    """`copier copy --trust` of the working tree into dst, in a terminal `columns` wide;
    what it shows goes to <dst's parent>/terminal.log."""
    args = ["copy", "--trust", "--vcs-ref", "HEAD", str(ROOT), str(dst)]
    return spawn_copier(args, dst.parent / "terminal.log", columns=columns)


def screen_lines(log: Path, columns: int) -> list[str]:
    """What a terminal `columns` wide shows after the output in log (tall enough to keep it all)."""
    screen = pyte.Screen(columns, 2000)
    with log.open(newline="") as output:
        pyte.Stream(screen).feed(output.read())
    return [line.rstrip() for line in screen.display]


def expect_on_screen(child: pexpect.spawn, text: str, timeout: float = 60) -> None:
    """Wait until `text` is on the terminal's screen, as a person would read it.

    prompt_toolkit redraws a line by writing only the characters that changed, so a
    message that replaces a similar one never reaches the output in one piece.
    Reads only what copier prints while it waits for the person (nothing it asks next).
    """
    _rows, columns = child.getwinsize()
    log = Path(child.logfile_read.name)
    deadline = time.monotonic() + timeout
    while True:
        with contextlib.suppress(pexpect.TIMEOUT):
            child.read_nonblocking(size=65536, timeout=0.2)
        child.logfile_read.flush()
        screen = pyte.Screen(columns, 2000)
        with log.open(newline="") as output:
            pyte.Stream(screen).feed(output.read())
        if text in "".join(screen.display):
            return
        if time.monotonic() > deadline:
            raise pexpect.TIMEOUT(f"not on the screen after {timeout}s: {text!r}")
