"""systemd's own rules for the values this template writes, as pure checkers.

Each ``*_error(text)`` returns "" when systemd reads the text as written, else
a message saying what is wrong. Sources: systemd.syntax(7) (quoting, C escapes,
line continuation), systemd.service(5) (command lines and their prefixes),
systemd.exec(5) (paths and their prefixes, resource limits, modes),
systemd.time(7) (time spans), systemd.unit(5) (unit names), sysusers.d(5) and
useradd (user and group names).
"""

from __future__ import annotations

import posixpath
import re

NAME_MAX = 255  # bytes in one path component (a file name)
PATH_MAX = 4096  # bytes in a path, the terminating NUL included
UNIT_NAME_MAX = 255  # characters in a unit name, its suffix included
USER_NAME_MAX = 31  # systemd's and useradd's limit (UT_NAMESIZE - 1)
USEC_INFINITY = 2**64 - 1
RLIM_INFINITY = 2**64 - 1

ASCII_DIGITS = re.compile(r"[0-9]+")

# systemd.syntax(7): the C escapes systemd understands in quoted and unquoted words.
SIMPLE_ESCAPES = {"a": "\a", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v", "s": " "}
SIMPLE_ESCAPES.update({c: c for c in "\\\"'"})
HEX_ESCAPES = {"x": 2, "u": 4, "U": 8}
OCTAL = re.compile(r"[0-7]{3}")
HEX = re.compile(r"[0-9A-Fa-f]+")
WHITESPACE = " \t"


class SyntaxProblem(ValueError):
    """A command line systemd would refuse or read differently."""


def _escape(text: str, i: int) -> tuple[str, int]:
    """The character the escape at text[i] (just after the backslash) stands for, and the next index."""
    if i >= len(text):
        raise SyntaxProblem("ends with a backslash: systemd would continue the line into the next directive")
    c = text[i]
    if c in SIMPLE_ESCAPES:
        return SIMPLE_ESCAPES[c], i + 1
    if c in HEX_ESCAPES:
        digits = text[i + 1 : i + 1 + HEX_ESCAPES[c]]
        if len(digits) != HEX_ESCAPES[c] or not HEX.fullmatch(digits):
            raise SyntaxProblem(f"has an incomplete escape \\{c}{digits}")
        code = int(digits, 16)
        if code == 0 or code > 0x10FFFF:
            raise SyntaxProblem(f"has the escape \\{c}{digits}, which is not a character systemd accepts")
        return chr(code), i + 1 + HEX_ESCAPES[c]
    digits = text[i : i + 3]
    if OCTAL.fullmatch(digits):
        code = int(digits, 8)
        if code == 0:
            raise SyntaxProblem("has the escape \\000 (a NUL), which systemd refuses")
        return chr(code), i + 3
    raise SyntaxProblem(f"has the unknown escape \\{c} (write a literal backslash as \\\\)")


def command_words(text: str) -> list[str]:
    """Split a command line as systemd does (quotes removed, C escapes decoded); raise SyntaxProblem."""
    if text.endswith("\\"):
        raise SyntaxProblem("ends with a backslash: systemd would continue the line into the next directive")
    words: list[str] = []
    i, n = 0, len(text)
    while True:
        while i < n and text[i] in WHITESPACE:
            i += 1
        if i >= n:
            return words
        ends_word = i + 2 >= n or text[i + 2] in WHITESPACE
        if text[i] == ";" and (i + 1 >= n or text[i + 1] in WHITESPACE):
            raise SyntaxProblem("has a lone ; (systemd reads it as a second command; write \\; for the word ;)")
        if text.startswith("\\;", i) and ends_word:
            words.append(";")  # systemd's literal semicolon word
            i += 2
            continue
        word, quote = [], ""
        while i < n:
            c = text[i]
            if quote:
                if c == quote:
                    quote = ""
                    i += 1
                elif c == "\\":
                    decoded, i = _escape(text, i + 1)
                    word.append(decoded)
                else:
                    word.append(c)
                    i += 1
            elif c in WHITESPACE:
                break
            elif c in "\"'":
                quote = c
                i += 1
            elif c == "\\":
                decoded, i = _escape(text, i + 1)
                word.append(decoded)
            else:
                word.append(c)
                i += 1
        if quote:
            raise SyntaxProblem(f"has an unbalanced {quote} quote")
        words.append("".join(word))


# systemd.service(5): the prefixes before the executable, each at most once.
EXEC_PREFIXES = "@-:+!"


def split_prefixes(first: str) -> tuple[str, str]:
    """(prefixes, executable) of a command line's first word; raise SyntaxProblem."""
    i = 0
    while i < len(first) and first[i] in EXEC_PREFIXES:
        i += 1
    prefixes, executable = first[:i], first[i:]
    elevated = prefixes.replace("!!", "!")
    for c in set(elevated):
        if elevated.count(c) > 1:
            raise SyntaxProblem(f"has the prefix {c} twice (systemd allows each of @ - : + ! once, or !!)")
    if "+" in prefixes and "!" in prefixes:
        raise SyntaxProblem("has both the + and ! prefixes (systemd allows one of them)")
    if prefixes.count("!") > 2:
        raise SyntaxProblem("has ! more than twice")
    return prefixes, executable


def executable_error(executable: str, relative_ok: bool = False) -> str:
    """The program to run: an absolute normalised path, or a file name systemd searches for."""
    if not executable:
        return "has no program to run after its prefixes"
    if any(ord(c) < 32 or ord(c) == 127 or c in "\"'\\" for c in executable):
        return "names a program with a control character, a quote or a backslash in it, which systemd refuses"
    if "$" in executable:
        return f"starts with {executable!r}: the program to run may not be a variable"
    if executable.startswith("/"):
        error = path_error(executable, plain=False)
        return f"runs {executable!r}, which {error}" if error else ""
    if "/" in executable and not relative_ok:
        return (
            f"runs {executable!r}: the program must be an absolute path (/usr/bin/x) "
            "or a plain name systemd searches for in its PATH (x)"
        )
    error = relative_path_error(executable)
    return f"runs {executable!r}, which {error}" if error else ""


def whole_quoted_command(text: str) -> str | None:
    """The text inside the quotes of a command line that is one quoted word holding a space
    (`"!/opt/app/bin/app start"`): systemd takes all of it as the program. None otherwise."""
    stripped = text.strip()
    if len(stripped) < 2 or stripped[0] not in "\"'" or stripped[-1] != stripped[0]:
        return None
    try:
        words = command_words(stripped)
    except SyntaxProblem:
        return None
    if len(words) != 1 or not any(c in WHITESPACE for c in words[0]):
        return None
    return stripped[1:-1]


def command_error(text: str, relative_ok: bool = False) -> str:
    """A whole command line as one Exec*= value."""
    if not text.strip():
        return "must be a command line, not empty"
    try:
        words = command_words(text)
        if not words:
            return "must be a command line, not empty"
        prefixes, executable = split_prefixes(words[0])
    except SyntaxProblem as problem:
        return str(problem)
    if "@" in prefixes and len(words) < 2:
        return "has the @ prefix, which needs the argv[0] to pass as its second word"
    return executable_error(executable, relative_ok)


def command_prefix_error(text: str) -> str:
    """A command put before another (exec_start_wrap): itself a valid command line."""
    return command_error(text)


def _bytes(text: str) -> int:
    return len(text.encode("utf-8", "surrogatepass"))


UNSAFE_PATH_CHARS = " \"'\\%$"


def _components_error(text: str, plain: bool = True) -> str:
    long = [part for part in text.split("/") if _bytes(part) > NAME_MAX]
    if long:
        return f"has a component of {_bytes(long[0])} bytes: a file name is at most {NAME_MAX} bytes"
    if _bytes(text) >= PATH_MAX:
        return f"is {_bytes(text)} bytes long: a path is at most {PATH_MAX - 1} bytes"
    if plain and any(c in text for c in UNSAFE_PATH_CHARS):
        return "must not contain spaces, quotes, backslashes, % or $"
    return ""


def path_error(text: str, plain: bool = True) -> str:
    """An absolute path systemd accepts as written: normalised, within the kernel's lengths;
    ``plain``: also none of the characters a unit file would need quoted or escaped."""
    if not text.startswith("/"):
        return "must be an absolute path (starting with /)"
    if posixpath.normpath(text) != text or text.startswith("//"):
        return "must be a normalised absolute path (no //, /./, /../ or trailing /)"
    return _components_error(text, plain)


def relative_path_error(text: str) -> str:
    """A path below a base (RuntimeDirectory= and friends, files in the repo)."""
    if not text or text.startswith("/"):
        return "must be a relative path (no leading /)"
    if text in (".", "..") or posixpath.normpath(text) != text or text.split("/")[0] == "..":
        return "must be a normalised relative path below its base (not ., no //, ./, ../ or trailing /)"
    return _components_error(text)


def prefixed_path_error(text: str, prefixes: tuple[str, ...]) -> str:
    """A path after one of the prefixes its directive allows ("" = none)."""
    for prefix in sorted(prefixes, key=len, reverse=True):
        if prefix and text.startswith(prefix) and text[len(prefix) :].startswith("/"):
            return path_error(text[len(prefix) :])
    if text.startswith("/"):
        return path_error(text)
    allowed = ", ".join(repr(p) for p in prefixes if p)
    return f"must be an absolute path, optionally after one of the prefixes {allowed}"


# systemd.unit(5): unit names are made of these characters; @ only before an instance.
UNIT_CHARS = re.compile(r"[A-Za-z0-9:_.\\-]+")
UNIT_SUFFIXES = ("service", "socket", "target", "device", "mount", "automount", "swap", "path", "timer", "slice", "scope")


def unit_prefix_error(stem: str, longest_suffix: str = ".service") -> str:
    """A unit name without its suffix (service_name), given the longest suffix the template adds."""
    if not stem or not UNIT_CHARS.fullmatch(stem) or "\\" in stem:
        return "must be a systemd unit name (letters, digits, _, ., : and -; no @)"
    if stem.startswith("-"):
        return "must not start with - (systemctl would read the unit's name as an option)"
    base, dot, suffix = stem.rpartition(".")
    if dot and base and suffix in UNIT_SUFFIXES:
        return f"must be given without .{suffix}: the template adds the unit suffixes ({base}.{suffix}, not {stem}.{suffix})"
    longest = len(stem) + len(longest_suffix)
    if longest > UNIT_NAME_MAX:
        return (
            f"is {len(stem)} characters: with {longest_suffix!r} the unit name would be {longest}, "
            f"and systemd allows at most {UNIT_NAME_MAX}"
        )
    return ""


def unit_name_error(name: str) -> str:
    """A full unit name, as After= takes it."""
    stem, dot, suffix = name.rpartition(".")
    if not dot or suffix not in UNIT_SUFFIXES:
        return f"must be a unit name ending in a unit type, such as cloud-init.target, not {name!r}"
    prefix, at, instance = stem.partition("@")
    if not prefix or not UNIT_CHARS.fullmatch(prefix) or (at and (not instance or not UNIT_CHARS.fullmatch(instance))):
        return f"must be a unit name such as cloud-init.target (letters, digits, _, ., :, \\ and -), not {name!r}"
    if len(name) > UNIT_NAME_MAX:
        return f"is {len(name)} characters long: systemd allows at most {UNIT_NAME_MAX} in a unit name"
    return ""


USER_NAME = re.compile(r"[a-z_][a-z0-9_-]*")


def user_name_error(name: str) -> str:
    """sysusers.d(5) in strict mode and useradd's default rule, together."""
    if not USER_NAME.fullmatch(name) or len(name) > USER_NAME_MAX:
        return (
            "must be a user or group name useradd accepts "
            f"(lower-case letters, digits, _ and -, starting with a letter or _, at most {USER_NAME_MAX} characters)"
        )
    return ""


# systemd.time(7): the units of a time span, in microseconds.
TIME_UNITS = {
    **dict.fromkeys(("usec", "us", "μs"), 1),
    **dict.fromkeys(("msec", "ms"), 1000),
    **dict.fromkeys(("seconds", "second", "sec", "s", ""), 10**6),
    **dict.fromkeys(("minutes", "minute", "min", "m"), 60 * 10**6),
    **dict.fromkeys(("hours", "hour", "hr", "h"), 3600 * 10**6),
    **dict.fromkeys(("days", "day", "d"), 86400 * 10**6),
    **dict.fromkeys(("weeks", "week", "w"), 7 * 86400 * 10**6),
    **dict.fromkeys(("months", "month", "M"), 2629800 * 10**6),
    **dict.fromkeys(("years", "year", "y"), 31557600 * 10**6),
}
TIME_PART = re.compile(r"([0-9]+)(?:\.([0-9]+))?[ ]*([A-Za-zμ]*)[ ]*")


def timespan_usec(text: str) -> int:
    """A time span in microseconds, as systemd's parse_sec reads it; ValueError if it does not."""
    if text == "infinity":
        return USEC_INFINITY
    if not text or text != text.strip(" "):
        raise ValueError(text)
    total, i = 0, 0
    while i < len(text):
        match = TIME_PART.match(text, i)
        if not match or match.group(3) not in TIME_UNITS:
            raise ValueError(text)
        whole, fraction, unit = match.groups()
        scale = TIME_UNITS[unit]
        total += int(whole) * scale + (int(fraction) * scale // 10 ** len(fraction) if fraction else 0)
        i = match.end()
    if total >= USEC_INFINITY:
        raise ValueError(text)
    return total


def timespan_error(text: str) -> str:
    try:
        timespan_usec(text)
    except ValueError:
        return (
            "must be a time span such as 5, 500ms, 2s, 1min 30s or infinity "
            "(ASCII digits, units from systemd.time(7), at most 584542 years)"
        )
    return ""


SIZE_SUFFIXES = {"": 1, "K": 2**10, "M": 2**20, "G": 2**30, "T": 2**40, "P": 2**50, "E": 2**60}
LIMIT_VALUE = re.compile(r"([0-9]+)([KMGTPE]?)")


def limit_value(text: str, sizes: bool) -> int:
    """One resource limit value (no soft:hard), as systemd's rlimit parser reads it."""
    if text == "infinity":
        return RLIM_INFINITY
    match = LIMIT_VALUE.fullmatch(text)
    if not match or (match.group(2) and not sizes):
        raise ValueError(text)
    value = int(match.group(1)) * SIZE_SUFFIXES[match.group(2)]
    if value >= RLIM_INFINITY:
        raise ValueError(text)
    return value


def limit_pair(text: str, sizes: bool) -> tuple[int, int]:
    """(soft, hard): N means both, soft:hard each; ValueError if systemd would not take it."""
    soft_text, colon, hard_text = text.partition(":")
    soft = limit_value(soft_text, sizes)
    hard = limit_value(hard_text, sizes) if colon else soft
    if soft > hard:
        raise ValueError(text)
    return soft, hard


def limit_error(text: str, sizes: bool) -> str:
    try:
        limit_pair(text, sizes)
    except ValueError:
        suffix = " with an optional K, M, G, T, P or E (powers of 1024)" if sizes else ""
        return f"must be a whole number{suffix}, infinity, or soft:hard with soft at most hard (ASCII digits, below 2^64-1)"
    return ""


MODE = re.compile(r"[0-7]{3,4}")


def mode_error(text: str) -> str:
    return "" if MODE.fullmatch(text) else "must be an octal mode such as 750 or 0027 (3 or 4 digits 0-7)"
