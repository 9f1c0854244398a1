"""The jq language subset: paths, pipes, commas, literals, string interpolation, array and object
construction, comparisons, arithmetic, ``and``/``or``/``//``, ``if``, ``?``, ``$name`` from ``--arg``, and the
builtins of ``jq_builtins``. A program compiles to a generator function from input to outputs."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator, Mapping
from itertools import product
from typing import Any

from agents.cli.textutils.jq_builtins import BUILTINS, FORMATS
from agents.cli.textutils.jq_values import (
    Filter,
    JqError,
    arithmetic,
    compare,
    dump,
    index,
    iterate,
    slice_of,
    truthy,
)

_TOKEN = re.compile(
    r"""(?P<space>\s+|\#[^\n]*)
      | (?P<format>@[A-Za-z0-9_]+)
      | (?P<field>\.[A-Za-z_][A-Za-z0-9_]*)
      | (?P<var>\$[A-Za-z_][A-Za-z0-9_]*)
      | (?P<number>(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)
      | (?P<string>")
      | (?P<ident>[A-Za-z_][A-Za-z0-9_]*)
      | (?P<op>\.\.|//|==|!=|<=|>=|\|=|\+=|-=|\*=|/=|[.\[\]{}()|,:;?<>+\-*/%=])""",
    re.VERBOSE,
)
_KEYWORDS = frozenset({"and", "or", "if", "then", "elif", "else", "end"})
_UNSUPPORTED = frozenset({"reduce", "foreach", "def", "as", "label", "try", "catch", "import", "include"})
_STRING_ESCAPES = {'"': '"', "\\": "\\", "/": "/", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}

Token = tuple[str, Any, int]


class JqCompileError(ValueError):
    """A program jq would not compile; ``str(error)`` is jq's description of the problem."""


def compile_program(source: str, variables: Mapping[str, Any]) -> Filter:
    """Compile ``source`` into a filter; ``variables`` are the ``$name`` values given with ``--arg``."""
    parser = _Parser(_tokens(source), variables)
    program = parser.pipe()
    if parser.peek()[0] != "end":
        raise parser.unexpected()
    return program


def _tokens(source: str) -> list[Token]:
    tokens: list[Token] = []
    position = 0
    while position < len(source):
        match = _TOKEN.match(source, position)
        if match is None or match.lastgroup is None:
            raise JqCompileError("syntax error, unexpected INVALID_CHARACTER (Unix shell quoting issues?)")
        kind = match.lastgroup
        if kind == "string":
            parts, position = _string(source, position + 1)
            tokens.append(("string", parts, match.start()))
            continue
        if kind != "space":
            tokens.append((kind, match.group(kind), match.start()))
        position = match.end()
    return tokens


def _string(source: str, position: int) -> tuple[list[Any], int]:
    """A string literal's parts after its opening quote: text, or ``("expr", source)`` interpolations."""
    parts: list[Any] = []
    text: list[str] = []
    while position < len(source):
        char = source[position]
        if char == '"':
            parts.append("".join(text))
            return parts, position + 1
        if char != "\\":
            text.append(char)
            position += 1
            continue
        following = source[position + 1 : position + 2]
        if following == "(":
            end = _interpolation_end(source, position + 2)
            parts.extend(["".join(text), ("expr", source[position + 2 : end])])
            text, position = [], end + 1
        elif following == "u" and re.fullmatch(r"[0-9a-fA-F]{4}", source[position + 2 : position + 6]):
            text.append(chr(int(source[position + 2 : position + 6], 16)))
            position += 6
        elif following in _STRING_ESCAPES:
            text.append(_STRING_ESCAPES[following])
            position += 2
        else:
            raise JqCompileError(f"syntax error, invalid escape at line 1, column {position + 1}")
    raise JqCompileError("syntax error, unexpected end of file, expecting QQSTRING_TEXT")


def _interpolation_end(source: str, position: int) -> int:
    depth = 1
    in_string = False
    while position < len(source):
        char = source[position]
        if in_string:
            if char == "\\":
                position += 1
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth == 0:
                return position
        position += 1
    raise JqCompileError("syntax error, unexpected end of file")


def _constant(value: Any) -> Filter:
    return lambda _: iter((value,))


class _Parser:
    def __init__(self, tokens: list[Token], variables: Mapping[str, Any]) -> None:
        self.tokens = tokens
        self.position = 0
        self.variables = variables

    def peek(self) -> Token:
        return self.tokens[self.position] if self.position < len(self.tokens) else ("end", "", -1)

    def accept(self, text: str) -> bool:
        kind, value, _ = self.peek()
        if kind in ("op", "ident") and value == text:
            self.position += 1
            return True
        return False

    def expect(self, text: str) -> None:
        if not self.accept(text):
            raise self.unexpected()

    def unexpected(self) -> JqCompileError:
        kind, value, _ = self.peek()
        shown = "end of file" if kind == "end" else (value if isinstance(value, str) else "QQSTRING_START")
        return JqCompileError(f"syntax error, unexpected {shown} (Unix shell quoting issues?)")

    def pipe(self) -> Filter:
        left = self.comma()
        while self.accept("|"):
            right = self.comma()
            left = _pipe(left, right)
        return left

    def comma(self) -> Filter:
        left = self.alternative()
        while self.accept(","):
            right = self.alternative()
            left = _comma(left, right)
        return left

    def alternative(self) -> Filter:
        left = self.disjunction()
        if self.accept("//"):
            return _alternative(left, self.alternative())
        return left

    def disjunction(self) -> Filter:
        left = self.conjunction()
        while self.accept("or"):
            left = _boolean(left, self.conjunction(), is_and=False)
        return left

    def conjunction(self) -> Filter:
        left = self.comparison()
        while self.accept("and"):
            left = _boolean(left, self.comparison(), is_and=True)
        return left

    def comparison(self) -> Filter:
        left = self.additive()
        kind, value, _ = self.peek()
        if kind == "op" and value in ("==", "!=", "<", "<=", ">", ">="):
            self.position += 1
            right = self.additive()
            return _binary(left, right, _operation(compare, value))
        if kind == "op" and value in ("=", "|=", "+=", "-=", "*=", "/="):
            raise JqCompileError(f"assignment ({value}) is not supported here")
        return left

    def additive(self) -> Filter:
        left = self.multiplicative()
        while (kind_value := self.peek())[0] == "op" and kind_value[1] in ("+", "-"):
            self.position += 1
            left = _binary(left, self.multiplicative(), _operation(arithmetic, kind_value[1]))
        return left

    def multiplicative(self) -> Filter:
        left = self.postfix()
        while (kind_value := self.peek())[0] == "op" and kind_value[1] in ("*", "/", "%"):
            self.position += 1
            left = _binary(left, self.postfix(), _operation(arithmetic, kind_value[1]))
        return left

    def postfix(self) -> Filter:
        term = self.primary()
        while True:
            kind, value, _ = self.peek()
            if kind == "field":
                self.position += 1
                term = _pipe(term, _field(value[1:]))
            elif kind == "op" and value == "." and self._next_is_subscript():
                self.position += 1
                term = _pipe(term, self.subscript_after_dot())
            elif kind == "op" and value == "[":
                term = _pipe(term, self.brackets())
            elif kind == "op" and value == "?":
                self.position += 1
                term = _optional(term)
            else:
                return term

    def _next_is_subscript(self) -> bool:
        following = self.tokens[self.position + 1] if self.position + 1 < len(self.tokens) else ("end", "", -1)
        return following[0] == "string" or (following[0] == "op" and following[1] == "[")

    def subscript_after_dot(self) -> Filter:
        kind, value, _ = self.peek()
        if kind == "string":
            self.position += 1
            key = self._string_filter(value)
            return lambda item: (index(item, k) for k in key(item))
        return self.brackets()

    def brackets(self) -> Filter:
        self.expect("[")
        if self.accept("]"):
            return iterate
        if self.accept(":"):
            end = self.pipe()
            self.expect("]")
            return lambda item: (slice_of(item, None, e) for e in end(item))
        key = self.pipe()
        if self.accept(":"):
            if self.accept("]"):
                return lambda item: (slice_of(item, s, None) for s in key(item))
            end = self.pipe()
            self.expect("]")
            return lambda item: (slice_of(item, s, e) for s in key(item) for e in end(item))
        self.expect("]")
        return lambda item: (index(item, k) for k in key(item))

    def primary(self) -> Filter:
        kind, value, _ = self.peek()
        if kind == "op":
            return self.punctuation(value)
        self.position += 1
        if kind == "field":
            return _field(value[1:])
        if kind == "number":
            return _constant(json.loads(value) if not value.startswith(".") else float(value))
        if kind == "string":
            return self._string_filter(value)
        if kind == "var":
            return self.variable(value[1:])
        if kind == "format":
            return self.format(value)
        if kind == "ident":
            return self.word(value)
        self.position -= 1
        raise self.unexpected()

    def punctuation(self, value: str) -> Filter:
        self.position += 1
        if value == ".":
            if self.peek()[0] == "string" or (self.peek()[0] == "op" and self.peek()[1] == "["):
                return self.subscript_after_dot()
            return lambda item: iter((item,))
        if value == "..":
            return _recurse
        if value == "(":
            inner = self.pipe()
            self.expect(")")
            return inner
        if value == "[":
            if self.accept("]"):
                return lambda _: iter(([],))
            inner = self.pipe()
            self.expect("]")
            return lambda item: iter((list(inner(item)),))
        if value == "{":
            return self.object()
        if value == "-":
            operand = self.postfix()
            return lambda item: (arithmetic("-", 0, v) for v in operand(item))
        self.position -= 1
        raise self.unexpected()

    def word(self, name: str) -> Filter:
        if name in ("true", "false", "null"):
            return _constant({"true": True, "false": False, "null": None}[name])
        if name == "if":
            return self.conditional()
        if name in _UNSUPPORTED:
            raise JqCompileError(f"`{name}` is not supported by this jq")
        if name in _KEYWORDS:
            self.position -= 1
            raise self.unexpected()
        args: list[Filter] = []
        if self.accept("("):
            args.append(self.pipe())
            while self.accept(";"):
                args.append(self.pipe())
            self.expect(")")
        builtin = BUILTINS.get((name, len(args)))
        if builtin is None:
            raise JqCompileError(f"{name}/{len(args)} is not defined")
        return lambda item: builtin(item, *args)

    def variable(self, name: str) -> Filter:
        if name not in self.variables:
            raise JqCompileError(f"${name} is not defined")
        return _constant(self.variables[name])

    def format(self, name: str) -> Filter:
        formatter = FORMATS.get(name[1:])
        if formatter is None:
            raise JqCompileError(f"{name[1:]} is not a valid format")
        return lambda item: iter((formatter(item),))

    def conditional(self) -> Filter:
        condition = self.pipe()
        self.expect("then")
        then = self.pipe()
        if self.accept("elif"):
            otherwise = self.conditional()
        elif self.accept("else"):
            otherwise = self.pipe()
            self.expect("end")
        else:
            self.expect("end")
            otherwise = _identity
        return lambda item: (out for c in condition(item) for out in (then if truthy(c) else otherwise)(item))

    def object(self) -> Filter:
        entries: list[tuple[Filter, Filter]] = []
        while not self.accept("}"):
            if entries:
                self.expect(",")
            entries.append(self.object_entry())
        return lambda item: _objects(entries, item)

    def object_entry(self) -> tuple[Filter, Filter]:
        kind, value, _ = self.peek()
        self.position += 1
        if kind == "var":
            return _constant(value[1:]), self.variable(value[1:])
        if kind == "ident":
            key: Filter = _constant(value)
        elif kind == "string":
            key = self._string_filter(value)
        elif kind == "op" and value == "(":
            key = self.pipe()
            self.expect(")")
        else:
            self.position -= 1
            raise self.unexpected()
        if self.accept(":"):
            # A value stops at "," and "|": jq wants parentheses around a pipe inside an object.
            return key, self.alternative()
        return key, lambda item: (index(item, k) for k in key(item))

    def _string_filter(self, parts: list[Any]) -> Filter:
        pieces: list[Filter] = []
        for part in parts:
            if isinstance(part, tuple):
                pieces.append(_as_text(compile_program(part[1], self.variables)))
            else:
                pieces.append(_constant(part))
        return lambda item: ("".join(combo) for combo in product(*(list(p(item)) for p in pieces)))


def _operation(function: Callable[[str, Any, Any], Any], operator: str) -> Callable[[Any, Any], Any]:
    return lambda left, right: function(operator, left, right)


def _as_text(inner: Filter) -> Filter:
    """An interpolation: strings as they are, other values as JSON."""
    return lambda item: (value if isinstance(value, str) else dump(value) for value in inner(item))


def _identity(item: Any) -> Iterator[Any]:
    yield item


def _field(name: str) -> Filter:
    return lambda item: iter((index(item, name),))


def _pipe(left: Filter, right: Filter) -> Filter:
    return lambda item: (out for middle in left(item) for out in right(middle))


def _comma(left: Filter, right: Filter) -> Filter:
    def both(item: Any) -> Iterator[Any]:
        yield from left(item)
        yield from right(item)

    return both


def _alternative(left: Filter, right: Filter) -> Filter:
    def choose(item: Any) -> Iterator[Any]:
        found = []
        try:
            found = [value for value in left(item) if truthy(value)]
        except JqError:
            found = []
        yield from found or right(item)

    return choose


def _boolean(left: Filter, right: Filter, *, is_and: bool) -> Filter:
    def evaluate(item: Any) -> Iterator[Any]:
        for first in left(item):
            if truthy(first) != is_and:
                yield not is_and
                continue
            for second in right(item):
                yield truthy(second)

    return evaluate


def _binary(left: Filter, right: Filter, operation: Callable[[Any, Any], Any]) -> Filter:
    return lambda item: (operation(a, b) for b in right(item) for a in left(item))


def _optional(inner: Filter) -> Filter:
    def attempt(item: Any) -> Iterator[Any]:
        try:
            yield from inner(item)
        except JqError:
            return

    return attempt


def _recurse(item: Any) -> Iterator[Any]:
    yield item
    if isinstance(item, list | dict):
        for child in iterate(item):
            yield from _recurse(child)


def _objects(entries: list[tuple[Filter, Filter]], item: Any) -> Iterator[dict[str, Any]]:
    choices = [[(key, value) for key in keys(item) for value in values(item)] for keys, values in entries]
    for combination in product(*choices):
        result: dict[str, Any] = {}
        for key, value in combination:
            if not isinstance(key, str):
                raise JqError("Object keys must be strings")
            result[key] = value
        yield result
