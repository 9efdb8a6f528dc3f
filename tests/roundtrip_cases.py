"""Generated answers for every kind of option, and what systemd must read back for each.

Shared by tests/test_roundtrip.py (rendered with the real copier: refused cleanly or
written as given) and tests/e2e/test_roundtrip.py (the same, loaded into the booted
systemd and read back over D-Bus). Values mix what systemd's man pages allow with
what they do not: quotes, backslashes, prefixes, non-ASCII digits, no-break spaces,
control characters, huge numbers, YAML's null, booleans and numbers.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from copier.errors import UserMessageError
from hypothesis import HealthCheck, Phase, example, settings
from hypothesis import strategies as st

from rendering import OUTPUT_DIR, render_template
from unit_template.systemd_syntax import command_words, limit_pair, split_prefixes, timespan_usec

# A fixed, database-free profile: the same examples on every run and in CI.
settings.register_profile(
    "roundtrip",
    derandomize=True,
    database=None,
    deadline=None,
    phases=(Phase.explicit, Phase.generate),
    suppress_health_check=(HealthCheck.too_slow, HealthCheck.function_scoped_fixture),
)

ODD = ["\u00a0", "\t", "\x01", "\n", "٦", "\uff11", "²", "é", "\\", '"', "'", "%", "$", ";", "#", ":", " "]
noise = st.text(alphabet=st.sampled_from([*"ab0/-_.=@+!~", *ODD]), max_size=10)
yaml_scalars = st.one_of(st.none(), st.booleans(), st.integers(-5, 2**66), st.just(""))

# Exec command lines (systemd.service(5), systemd.syntax(7)).
# Mostly what systemd takes, some of what it does not (a mix of about two to one).
prefix = st.sampled_from(["", "", "", "", "-", "-", "@", ":", "+", "!", "!!", "-+", "@-", "--", "+!", "-!"])
program = st.sampled_from(
    ["/bin/echo", "/bin/echo", "/usr/bin/env", "echo", "true", '"/bin/echo"', "/bin/../bin/echo", "bin/echo", "$X"]
)
plain_arg = st.text(alphabet=st.sampled_from([*"abc#:%$=é-"]), min_size=1, max_size=5)
quoted_arg = st.builds(
    lambda quote, body: f"{quote}{body}{quote}",
    st.sampled_from(['"', "'"]),
    st.lists(st.sampled_from([*"ab c#:%$=", "\\n", "\\\\", "\\x41", "\\t"]), max_size=4).map("".join),
)
odd_arg = st.sampled_from(["\\\\", "\\x41", "\\q", "\\", '"', "'", ";", "\\;", "a\\;b", "a\\ b", "a'b c'd", "%n", "$$X", "${Y}"])
command = st.builds(
    lambda p, exe, args: " ".join([p + exe, *args]),
    prefix,
    program,
    st.lists(st.one_of(plain_arg, plain_arg, quoted_arg, quoted_arg, odd_arg), max_size=3),
)

# Time spans (systemd.time(7)).
time_part = st.builds(
    lambda n, fraction, space, unit: f"{n}{fraction}{space}{unit}",
    st.one_of(st.integers(0, 10**6), st.integers(10**15, 10**21)),
    st.sampled_from(["", "", ".5", ".25", ".125"]),
    st.sampled_from(["", "", " "]),
    st.sampled_from(["", "s", "ms", "us", "min", "m", "h", "d", "w", "M", "y", "sec", "minutes", "S", "xs"]),
)
timespan = st.one_of(
    st.lists(time_part, min_size=1, max_size=2).map(" ".join),
    st.lists(time_part, min_size=1, max_size=2).map(" ".join),
    st.sampled_from(["infinity", "5\u00a0s", "٦s", "1.", "  5s", "5s ", "0"]),
    noise,
    yaml_scalars,
)

# Resource limits (systemd.exec(5)).
limit_one = st.one_of(
    st.integers(0, 2**20).map(str),
    st.sampled_from(["infinity", "0", "18446744073709551615", "99999999999999999999"]),
)
size_one = st.builds(lambda n, s: f"{n}{s}", st.integers(0, 2**12), st.sampled_from(["", "K", "M", "G", "T", "k", "KB"]))
limit = st.one_of(
    limit_one,
    limit_one,
    st.builds(lambda a, b: f"{a}:{b}", limit_one, limit_one),
    st.sampled_from(["٦٥٥٣٥", "\uff11\uff10\uff12\uff14", "²", "1K", " 5", "-1"]),
    st.integers(-1, 2**65),
    noise,
)
size_limit = st.one_of(size_one, st.builds(lambda a, b: f"{a}:{b}", size_one, size_one), limit)

mode = st.one_of(
    st.text(alphabet=st.sampled_from([*"01234567"]), min_size=3, max_size=4),
    st.text(alphabet=st.sampled_from([*"0123456789"]), min_size=1, max_size=5),
    st.integers(0, 800),
    noise,
)

env_var = st.one_of(
    st.builds(lambda name, value: f"{name}={value}", st.sampled_from(["A", "B_2", "PORT", "1X", "my-var", ""]), noise),
    noise,
)

# Paths, with the prefixes each directive allows or does not.
component = st.sampled_from(["srv", "data", "srv", "data", "é", "v-1", "a b", "..", ".", "", "x" * 256, "d%", "e$"])
path = st.builds(
    lambda p, parts: p + "/" + "/".join(parts),
    st.sampled_from(["", "", "", "-", "+", "-+", "+-", "--"]),
    st.lists(component, min_size=1, max_size=3),
)
long_path = st.just("/" + "/".join(["p" * 200] * 21))

unit_name = st.one_of(
    st.builds(
        lambda stem, suffix: stem + suffix,
        st.text(alphabet=st.sampled_from([*"ab-_.:@\\é "]), min_size=1, max_size=8),
        st.sampled_from([".target", ".service", ".socket", ".foo", ""]),
    ),
    st.just("t" * 293 + ".target"),
)
user = st.one_of(
    st.text(alphabet=st.sampled_from([*"abz_-09A.@ "]), min_size=1, max_size=35), st.sampled_from(["ok_user", "x" * 32])
)
word = st.one_of(st.text(alphabet=st.sampled_from([*"abP_.-", *ODD]), min_size=1, max_size=8), yaml_scalars)
relpath = st.one_of(st.lists(component, min_size=1, max_size=2).map("/".join), st.sampled_from(["x/y", ".", "a/"]))


def exec_entry(text: str) -> list[Any]:
    """[path, argv, ignore_errors] as systemd's D-Bus ExecStart*-properties give them."""
    words = command_words(text)
    prefixes, executable = split_prefixes(words[0])
    argv = words[1:] if "@" in prefixes else [executable, *words[1:]]
    return [executable, argv, "-" in prefixes]


def exec_data(data: list[list[Any]]) -> list[list[Any]]:
    """[path, argv, ignore_errors] of each command systemd holds (the rest are its run times)."""
    return [entry[:3] for entry in data]


def one_command(value: str, data: list[list[Any]]) -> bool:
    return exec_data(data) == [exec_entry(value)]


def last_values(assignments: list[str]) -> dict[str, str]:
    """NAME -> value of a list of NAME=value, the last one winning (as systemd's Environment=)."""
    return dict(item.partition("=")[::2] for item in assignments)


def environment_has(expected: dict[str, str]) -> Callable[[Any], bool]:
    return lambda data: all(last_values(data).get(k) == v for k, v in expected.items())


@dataclass(frozen=True)
class Readback:
    """How to read one option's value back over D-Bus: interface, property, expected check."""

    interface: str
    prop: str
    check: Callable[[Any, Any], bool]  # (value as given and accepted, D-Bus data) -> equal?


def _timeout_usec(value: str) -> int:
    """TimeoutStartSec=0 means no timeout (systemd.service(5)): systemd stores it as infinity."""
    usec = timespan_usec(value)
    return 2**64 - 1 if usec == 0 else usec


def _sandbox(value: list[str]) -> Callable[[Any], bool]:
    return lambda data: all(item in data for item in value)


# option -> (strategy of values, extra answers, how systemd must read it back)
OPTION_CASES: dict[str, tuple[st.SearchStrategy[Any], dict[str, Any], Readback]] = {
    "exec_start": (st.one_of(command, noise, yaml_scalars), {}, Readback("Service", "ExecStart", lambda v, d: one_command(v, d))),
    "exec_stop": (st.one_of(command, noise), {}, Readback("Service", "ExecStop", lambda v, d: one_command(v, d))),
    "exec_start_pre": (
        st.lists(st.one_of(command, noise), max_size=2),
        {},
        Readback("Service", "ExecStartPre", lambda v, d: exec_data(d) == [exec_entry(c) for c in v]),
    ),
    "restart_sec": (timespan, {}, Readback("Service", "RestartUSec", lambda v, d: d == timespan_usec(v))),
    "timeout_start_sec": (timespan, {}, Readback("Service", "TimeoutStartUSec", lambda v, d: d == _timeout_usec(v))),
    "limit_nofile": (limit, {}, Readback("Service", "LimitNOFILE", lambda v, d: d == limit_pair(v, False)[1])),
    "limit_core": (size_limit, {}, Readback("Service", "LimitCORESoft", lambda v, d: d == limit_pair(v, True)[0])),
    "umask": (mode, {}, Readback("Service", "UMask", lambda v, d: d == int(v, 8))),
    "runtime_directory_mode": (
        mode,
        {"dirs": ["runtime"]},
        Readback("Service", "RuntimeDirectoryMode", lambda v, d: d == int(v, 8)),
    ),
    "runtime_directory": (relpath, {"dirs": ["runtime"]}, Readback("Service", "RuntimeDirectory", lambda v, d: d == [v])),
    "env_vars": (
        st.lists(env_var, max_size=3),
        {},
        Readback("Service", "Environment", lambda v, d: environment_has(last_values(v))(d)),
    ),
    "env_lang": (word, {}, Readback("Service", "Environment", lambda v, d: environment_has({"LANG": v} if v else {})(d))),
    "mix_env": (word, {}, Readback("Service", "Environment", lambda v, d: environment_has({"MIX_ENV": v})(d))),
    "read_only_paths": (st.lists(path, max_size=2), {}, Readback("Service", "ReadOnlyPaths", lambda v, d: _sandbox(v)(d))),
    "read_write_paths": (
        st.lists(st.one_of(path, long_path), max_size=2),
        {},
        # each one rendered optional ("-"): a path missing on the server does not fail the start
        Readback("Service", "ReadWritePaths", lambda v, d: _sandbox([p if p.startswith("-") else "-" + p for p in v])(d)),
    ),
    "inaccessible_paths": (
        st.lists(path, max_size=2),
        {},
        Readback("Service", "InaccessiblePaths", lambda v, d: _sandbox(v)(d)),
    ),
    "env_files": (
        st.lists(path, max_size=2),
        {},
        Readback("Service", "EnvironmentFiles", lambda v, d: all([p.lstrip("-"), p.startswith("-")] in d for p in v)),
    ),
    "unit_after_targets": (st.lists(unit_name, max_size=2), {}, Readback("Unit", "After", lambda v, d: set(v) <= set(d))),
    "app_user": (user, {}, Readback("Service", "User", lambda v, d: d == v)),
    "syslog_identifier": (word, {}, Readback("Service", "SyslogIdentifier", lambda v, d: d == v)),
    "working_dir": (st.one_of(path, long_path), {}, Readback("Service", "WorkingDirectory", lambda v, d: d == v)),
}

case = st.sampled_from(sorted(OPTION_CASES)).flatmap(lambda name: st.tuples(st.just(name), OPTION_CASES[name][0]))


@dataclass
class Outcome:
    """One generated answer rendered with copier: refused (the message) or the unit written."""

    option: str
    given: Any
    refused: str | None
    unit_text: str | None
    value: Any = None  # the option's value as the template resolved it


def render_case(option: str, given: Any, service_name: str) -> Outcome:
    """Render one answer with the real copier, in a fresh project; check a refusal wrote nothing."""
    # distribution: release adds no line of its own (local would prepend its cookie command
    # to ExecStartPre= and its variables to Environment=): what is read back is the answer's.
    answers = {
        "service_name": service_name,
        "deploy_dir": f"/srv/{service_name}",
        "systemd_version": 252,
        "distribution": "release",
    }
    answers.update(OPTION_CASES[option][1])
    answers[option] = given
    work = Path(tempfile.mkdtemp(prefix="roundtrip."))
    try:
        project = work / "foo_bar"
        try:
            render_template(project, answers)
        except UserMessageError as error:
            written = sorted(p.name for p in project.rglob("*"))
            assert written == ["mix.exs"], f"{option}={given!r} was refused after writing {written}"
            return Outcome(option, given, str(error), None)
        text = (project / OUTPUT_DIR / f"{service_name}.service").read_text(encoding="utf-8")
        return Outcome(option, given, None, text, accepted_value(option, given))
    finally:
        shutil.rmtree(work, ignore_errors=True)


def accepted_value(option: str, given: Any) -> Any:
    """What an accepted answer stands for: normalise.py's reading of it (a number as its digits...)."""
    from unit_template.normalise import normalise
    from unit_template.options import OPTIONS

    return normalise(OPTIONS[option], given)


def refused_cleanly(outcome: Outcome) -> bool:
    """A refusal names the option it refuses, as `option: ...`."""
    return outcome.refused is not None and f"{outcome.option}: " in outcome.refused


# One answer per option that systemd must take, so every option is read back at least once.
EXPLICIT: dict[str, Any] = {
    "exec_start": '@/bin/echo argv0 "a b" %n $X \\x41',
    "exec_stop": "-/bin/sh -c 'echo a: b #c'",
    "exec_start_pre": ["!/bin/echo pre", "/usr/bin/find /srv -name x -exec echo {} \\;", "kill -0 1"],
    "restart_sec": "1min 30.5s",
    "timeout_start_sec": "0",
    "limit_nofile": "1024:524288",
    "limit_core": "1G",
    "umask": "0027",
    "runtime_directory_mode": "0750",
    "runtime_directory": "shop/app",
    "env_vars": ["A=b c", 'B="q"', "C=back\\slash", "D=%d"],
    "env_lang": "yes",
    "mix_env": "prod",
    "read_only_paths": ["-/srv/é", "+/data"],
    "read_write_paths": ["-+/srv/x"],
    "inaccessible_paths": ["/srv/secret"],
    "env_files": ["-/etc/x.env", "/etc/y.env"],
    "unit_after_targets": ["a\\x2db.target", "foo@bar.service"],
    "app_user": "ok_user",
    "syslog_identifier": "shop.web@1",
    "working_dir": "/srv/é/w",
}


def with_explicit_examples(test: Callable[..., Any]) -> Callable[..., Any]:
    """The test, run first on EXPLICIT's answers (hypothesis @example), then on generated ones."""
    for item in sorted(EXPLICIT.items()):
        test = example(item)(test)
    return test
