"""Read the Elixir literals people write in `config :mix_systemd, ...`, without running Elixir.

Readable: atoms, strings, charlists, integers, floats, booleans, nil, lists,
tuples and keyword lists, with comments anywhere. Anything else (a variable,
a function call, a module attribute, string interpolation, an operator, a
sigil, a map) is *unreadable*: reported with the reason, never guessed.

Terms map to Python as: atom -> Atom, string and charlist -> str,
integer -> int, float -> float, true/false -> bool, nil -> None,
list -> list, tuple -> tuple, keyword list -> list of (Atom, value) tuples.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Atom:
    name: str

    def __str__(self) -> str:
        return self.name


class Unreadable(ValueError):
    """A value that is not a literal; the message says what it is."""


@dataclass(frozen=True)
class Token:
    kind: str
    text: str
    start: int
    end: int


TOKEN = re.compile(
    r"""
    (?P<comment>\#[^\n]*)
  | (?P<newline>\n)
  | (?P<space>[ \t\r\f\\]+)
  | (?P<heredoc>\"\"\"[\s\S]*?\"\"\")
  | (?P<key>(?:[a-z_][A-Za-z0-9_]*[?!]?|"(?:\\.|[^"\\])*"):(?=[\s\]\}\)]))
  | (?P<string>"(?:\\[\s\S]|[^"\\])*")
  | (?P<charlist>'(?:\\[\s\S]|[^'\\])*')
  | (?P<atom>:(?:"(?:\\.|[^"\\])*"|[A-Za-z_][A-Za-z0-9_@]*[?!]?))
  | (?P<number>0x[0-9A-Fa-f_]+|0o[0-7_]+|0b[01_]+|\d[\d_]*(?:\.\d[\d_]*(?:[eE][-+]?\d+)?)?)
  | (?P<ident>[a-z_][A-Za-z0-9_]*[?!]?)
  | (?P<alias>[A-Z][A-Za-z0-9_]*)
  | (?P<attribute>@[a-z_][A-Za-z0-9_]*)
  | (?P<sigil>~[A-Za-z])
  | (?P<punct>%\{|[\[\]{}(),])
  | (?P<operator><>|\+\+|--|\|>|=~|==|!=|&&|\|\||<=|>=|->|=>|::|\.\.|[-+*/.|&=<>!^%])
  | (?P<other>.)
    """,
    re.VERBOSE,
)
ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "s": " ", "e": "\x1b", "0": "\0", "a": "\a", "b": "\b", "f": "\f", "v": "\v"}
CLOSING = {"[": "]", "{": "}", "(": ")", "%{": "}"}


def tokenize(source: str) -> list[Token]:
    """Every token but spaces and comments; newlines are kept (they end a config call)."""
    tokens = []
    for match in TOKEN.finditer(source):
        kind = match.lastgroup or "other"
        if kind not in ("comment", "space"):
            tokens.append(Token(kind, match.group(), match.start(), match.end()))
    return tokens


def unquote(body: str) -> str:
    """The text of a string or charlist body; interpolation is unreadable."""
    if re.search(r"(?<!\\)(?:\\\\)*#\{", body):
        raise Unreadable("string interpolation #{...}")
    out = []
    index = 0
    while index < len(body):
        char = body[index]
        if char == "\\" and index + 1 < len(body):
            nxt = body[index + 1]
            out.append(ESCAPES.get(nxt, nxt))
            index += 2
        else:
            out.append(char)
            index += 1
    return "".join(out)


def number(text: str) -> int | float:
    text = text.replace("_", "")
    if text[:2] in ("0x", "0o", "0b"):
        return int(text, {"0x": 16, "0o": 8, "0b": 2}[text[:2]])
    return float(text) if "." in text else int(text)


def heredoc(text: str) -> str:
    """A \"\"\" heredoc: the lines after the opening one, less the closing line's indentation."""
    lines = text[3:-3].split("\n")[1:]
    indent = len(lines[-1]) - len(lines[-1].lstrip()) if lines else 0
    body = "\n".join(line[indent:] for line in lines[:-1])
    return unquote(body + "\n" if lines[:-1] else "")


@dataclass
class Parser:
    tokens: list[Token]
    position: int = 0
    source: str = ""

    def peek(self, skip_newlines: bool = True) -> Token | None:
        index = self.position
        while index < len(self.tokens) and skip_newlines and self.tokens[index].kind == "newline":
            index += 1
        return self.tokens[index] if index < len(self.tokens) else None

    def take(self) -> Token:
        token = self.peek()
        if token is None:
            raise Unreadable("the file ends in the middle of a value")
        self.position = self.tokens.index(token, self.position) + 1
        return token

    def expect(self, text: str) -> None:
        token = self.take()
        if token.text != text:
            raise Unreadable(f"expected {text!r}, found {token.text!r}")

    def value(self) -> Any:
        """One literal, and nothing after it but a separator."""
        result = self.primary()
        following = self.peek()
        if following is not None and following.kind == "operator":
            raise Unreadable(f"an expression with the operator {following.text}")
        return result

    def primary(self) -> Any:
        token = self.take()
        kind, text = token.kind, token.text
        if kind == "string":
            return unquote(text[1:-1])
        if kind == "heredoc":
            return heredoc(text)
        if kind == "charlist":
            return unquote(text[1:-1])
        if kind == "atom":
            name = text[1:]
            return Atom(unquote(name[1:-1]) if name.startswith('"') else name)
        if kind == "number":
            return number(text)
        if kind == "operator" and text == "-" and (nxt := self.peek()) is not None and nxt.kind == "number":
            return -number(self.take().text)
        if kind == "ident" and text in ("true", "false", "nil"):
            return {"true": True, "false": False, "nil": None}[text]
        if text == "[":
            return self.sequence("]", list)
        if text == "{":
            return tuple(self.sequence("}", list))
        raise Unreadable(describe(token, self.peek(skip_newlines=False)))

    def sequence(self, closing: str, build: type[list[Any]]) -> list[Any]:
        items: list[Any] = []
        while True:
            token = self.peek()
            if token is None:
                raise Unreadable(f"missing {closing!r}")
            if token.text == closing:
                self.take()
                return build(items)
            if token.kind == "key":
                self.take()
                items.append((key_atom(token.text), self.value()))
            else:
                items.append(self.value())
            token = self.peek()
            if token is not None and token.text == ",":
                self.take()
            elif token is None or token.text != closing:
                raise Unreadable(f"expected ',' or {closing!r}, found {token.text if token else 'the end'!r}")


def key_atom(text: str) -> Atom:
    name = text[:-1]
    return Atom(unquote(name[1:-1]) if name.startswith('"') else name)


def describe(token: Token, following: Token | None) -> str:
    """What a non-literal is, in words."""
    calls = following is not None and following.text in ("(", ".")
    if token.kind == "ident":
        return f"a function call {token.text}(...)" if calls else f"the variable {token.text}"
    if token.kind == "alias":
        return f"a call into the module {token.text}" if calls else f"the module name {token.text}"
    if token.kind == "attribute":
        return f"the module attribute {token.text}"
    if token.kind == "sigil":
        return f"the sigil {token.text}"
    if token.text == "%{":
        return "a map"
    return f"{token.text!r}, not a literal"


def read_term(source: str) -> Any:
    """One Elixir literal (comments allowed); raises Unreadable otherwise."""
    parser = Parser(tokenize(source))
    result = parser.value()
    if parser.peek() is not None:
        raise Unreadable(f"more after the value: {parser.peek().text!r}")  # type: ignore[union-attr]
    return result


@dataclass
class ConfigRead:
    """What `config :app, ...` calls set: readable values, and why others could not be read."""

    values: dict[str, Any] = field(default_factory=dict)
    unreadable: dict[str, str] = field(default_factory=dict)

    def set(self, key: str, value: Any) -> None:
        self.values[key] = value
        self.unreadable.pop(key, None)

    def fail(self, key: str, why: str) -> None:
        self.unreadable[key] = why
        self.values.pop(key, None)

    def merged(self, later: ConfigRead) -> ConfigRead:
        """Later files win key by key, as Config does for keyword lists."""
        result = ConfigRead(dict(self.values), dict(self.unreadable))
        for key, value in later.values.items():
            result.set(key, value)
        for key, why in later.unreadable.items():
            result.fail(key, why)
        return result


def skip_value(parser: Parser) -> str:
    """Step over an unreadable value: to the next ',' at depth 0 or the end of the statement."""
    depth = 0
    start = parser.position
    while parser.position < len(parser.tokens):
        token = parser.tokens[parser.position]
        if depth == 0 and token.text in (",", ")"):
            break
        if depth == 0 and token.kind == "newline":
            previous = parser.tokens[parser.position - 1] if parser.position > start else None
            if previous is not None and previous.kind != "operator":
                break
        if token.text in CLOSING:
            depth += 1
        elif token.text in CLOSING.values():
            depth -= 1
        parser.position += 1
    skipped = parser.tokens[start : parser.position]
    return parser.source[skipped[0].start : skipped[-1].end] if skipped else ""


def read_keywords(parser: Parser, result: ConfigRead, closing: str | None) -> None:
    """`key: value, ...` up to the end of the call, recording each key."""
    while True:
        token = parser.peek()
        if token is None or token.kind != "key":
            return
        parser.take()
        key = key_atom(token.text).name
        mark = parser.position
        try:
            result.set(key, parser.value())
        except Unreadable as error:
            parser.position = mark
            text = skip_value(parser)
            result.fail(key, f"{error} in `{text}`")
        token = parser.peek(skip_newlines=False)
        if token is None or token.text != ",":
            if closing and token is not None and token.text == closing:
                parser.take()
            return
        parser.take()


def read_config(source: str, app: str = "mix_systemd") -> ConfigRead:
    """Every `config :app, key: value, ...` in a config file, later calls winning."""
    tokens = tokenize(source)
    result = ConfigRead()
    index = 0
    while index < len(tokens):
        token = tokens[index]
        if token.kind != "ident" or token.text != "config":
            index += 1
            continue
        parser = Parser(tokens, index + 1, source)
        paren = parser.peek()
        closing = None
        if paren is not None and paren.text == "(":
            parser.take()
            closing = ")"
        target = parser.peek()
        if target is None or target.kind != "atom" or target.text[1:] != app:
            index += 1
            continue
        parser.take()
        comma = parser.peek()
        if comma is None or comma.text != ",":
            index = parser.position
            continue
        parser.take()
        bracket = parser.peek()
        if bracket is not None and bracket.text == "[":
            parser.take()
            read_keywords(parser, result, "]")
        else:
            read_keywords(parser, result, closing)
        index = max(parser.position, index + 1)
    return result
