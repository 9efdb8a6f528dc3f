"""Compile each Jinja source once: in memory per environment, and on disk across runs.

copier compiles every question's Jinja strings (default, help, validator,
ask...) each time it renders them, in every copier run: about 240 sources and
40 % of a copy's CPU time for this template. Like Jinja's own bytecode cache,
compiled code objects are kept in a private temp directory, keyed by
everything that shapes the compiled code: the source, the environment's
syntax settings, its extensions, filters and tests, the Jinja version and
the Python bytecode format.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import marshal
import os
import stat
import tempfile
from collections.abc import Callable
from pathlib import Path
from types import CodeType
from typing import Any

import jinja2
from jinja2 import Environment

CACHE_ENV = "SYSTEMD_UNIT_TEMPLATE_CACHE"  # a directory, or "off"
SYNTAX = (
    "block_start_string",
    "block_end_string",
    "variable_start_string",
    "variable_end_string",
    "comment_start_string",
    "comment_end_string",
    "line_statement_prefix",
    "line_comment_prefix",
    "trim_blocks",
    "lstrip_blocks",
    "newline_sequence",
    "keep_trailing_newline",
    "optimized",
    "is_async",
)


def environment_key(environment: Environment) -> str:
    """What besides the source decides the compiled code."""
    parts = [
        importlib.util.MAGIC_NUMBER.hex(),
        jinja2.__version__,
        *(repr(getattr(environment, name, None)) for name in SYNTAX),
        repr(callable(environment.autoescape)) + repr(environment.autoescape is True),
        repr(environment.finalize is not None),
        ",".join(sorted(environment.extensions)),
        ",".join(sorted(environment.filters)),
        ",".join(sorted(environment.tests)),
    ]
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()


def private_dir(path: Path) -> Path | None:
    """The cache directory, created 0700; None unless it is ours and private."""
    try:
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
        info = path.lstat()
    except OSError:
        return None
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid() or info.st_mode & 0o077:
        return None
    return path


def cache_dir() -> Path | None:
    setting = os.environ.get(CACHE_ENV, "")
    if setting == "off":
        return None
    default = Path(tempfile.gettempdir(), f"copier-systemd-unit-{os.getuid()}")
    return private_dir(Path(setting) if setting else default)


def load(path: Path) -> CodeType | None:
    with contextlib.suppress(OSError, ValueError, EOFError, TypeError):
        code = marshal.loads(path.read_bytes())
        if isinstance(code, CodeType):
            return code
    return None


def store(path: Path, code: CodeType) -> None:
    with contextlib.suppress(OSError, ValueError):
        partial = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        partial.write_bytes(marshal.dumps(code))
        partial.replace(path)


def cached_compile(environment: Environment, directory: Path | None) -> Callable[..., Any]:
    """A drop-in for environment.compile that reuses compiled string sources."""
    compile_source = environment.compile
    memory: dict[tuple[Any, ...], Any] = {}
    env_key: list[str] = []

    def compile(
        source: Any, name: str | None = None, filename: str | None = None, raw: bool = False, defer_init: bool = False
    ) -> Any:
        if not isinstance(source, str) or raw:
            return compile_source(source, name, filename, raw, defer_init)
        key = (source, name, filename, defer_init)
        if key in memory:
            return memory[key]
        if directory is None:
            memory[key] = compile_source(source, name, filename, raw, defer_init)
            return memory[key]
        if not env_key:  # extensions and filters are all registered by the first compile
            env_key.append(environment_key(environment))
        digest = hashlib.sha256("\0".join([env_key[0], repr(key)]).encode()).hexdigest()
        path = directory / f"{digest}.code"
        code = load(path)
        if code is None:
            code = compile_source(source, name, filename, raw, defer_init)
            store(path, code)
        memory[key] = code
        return code

    return compile
