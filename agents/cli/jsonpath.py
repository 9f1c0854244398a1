"""kubectl's JSONPath templates (``-o jsonpath=...``, custom columns), evaluated over API-shaped dicts.

Follows client-go's ``util/jsonpath``: literal text outside braces is printed as is (no escape processing,
as in kubectl), ``{"\\n"}`` quoted strings are unquoted Go-style, ``{range ...}{end}`` iterates over the
results of its expression, several results of one action are joined by a space, maps and lists print as
compact JSON, and errors read as kubectl prints them. The Go value formatting this needs (``fmt.Sprint``,
``%#v``, ``strconv.Quote``, ``json.Marshal``) lives here too, for the table and custom-column printers.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

__all__ = ["JsonPathError", "find_results", "go_json", "go_quote", "go_repr", "go_sprint", "go_unquote", "jsonpath"]


class JsonPathError(ValueError):
    """A template that does not parse or fails on the object; ``str()`` is kubectl's stderr text."""


class _ParseError(Exception):
    pass


class _EvalError(Exception):
    pass


# ---------------------------------------------------------------------------------------------- nodes


@dataclass(frozen=True)
class _Text:
    text: str


@dataclass(frozen=True)
class _Field:
    name: str


@dataclass(frozen=True)
class _Wildcard:
    pass


@dataclass(frozen=True)
class _Recursive:
    pass


@dataclass(frozen=True)
class _Array:
    start: int | None
    end: int | None
    end_derived: bool
    step: int | None


@dataclass(frozen=True)
class _Union:
    branches: tuple[tuple[Any, ...], ...]


@dataclass(frozen=True)
class _Filter:
    left: tuple[Any, ...]
    right: tuple[Any, ...]
    operator: str


@dataclass(frozen=True)
class _Literal:
    value: int | float | bool


@dataclass(frozen=True)
class _Identifier:
    name: str


@dataclass(frozen=True)
class _Action:
    nodes: tuple[Any, ...]


@dataclass
class _Range:
    expression: tuple[Any, ...]
    body: list[Any]


@dataclass(frozen=True)
class _StrayEnd:
    pass


# --------------------------------------------------------------------------------------------- parser

_TERMINATORS = frozenset(" \t\r\n.,[]$@{}")
_DICT_KEY = re.compile(r"^'([^']*)'$")
_SLICE = re.compile(r"^(-?[0-9]*)(:-?[0-9]*)?(:-?[0-9]*)?$")
_COMPARISON = re.compile(r"^([^!<>=]+)([!<>=]+)(.+?)$", re.DOTALL)
_SIMPLE_ESCAPES = {"a": "\a", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v", "\\": "\\"}


class _Parser:
    """A port of client-go's hand-written JSONPath scanner; one instance per template."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def parse(self) -> list[_Text | _Action]:
        items: list[_Text | _Action] = []
        while self.pos < len(self.text):
            brace = self.text.find("{", self.pos)
            if brace < 0:
                items.append(_Text(self.text[self.pos :]))
                break
            if brace > self.pos:
                items.append(_Text(self.text[self.pos : brace]))
            self.pos = brace + 1
            items.append(_Action(tuple(self._action())))
        return items

    def _next(self) -> str:
        if self.pos >= len(self.text):
            return ""
        char = self.text[self.pos]
        self.pos += 1
        return char

    def _action(self) -> list[Any]:
        nodes: list[Any] = []
        while True:
            rest = self.text[self.pos :]
            if rest.startswith("}"):
                self.pos += 1
                return nodes
            if rest.startswith("[?("):
                nodes.append(self._filter())
            elif rest.startswith(".."):
                nodes.extend(self._recursive(nodes))
            else:
                nodes.extend(self._token(self._next()))

    def _token(self, char: str) -> list[Any]:
        if char in ("", "\r", "\n"):
            raise _ParseError("unclosed action")
        if char in " @$":
            return []
        if char == "[":
            return self._array()
        if char in "\"'":
            return [self._quote(char)]
        if char == ".":
            return [self._field()]
        self.pos -= 1
        if char in "+-" or char.isdigit():
            return [self._number()]
        if char == "_" or char.isalnum():
            return [self._identifier()]
        shown = f" '{char}'" if char.isprintable() else ""
        raise _ParseError(f"unrecognized character in action: U+{ord(char):04X}{shown}")

    def _recursive(self, nodes: list[Any]) -> list[Any]:
        if nodes and isinstance(nodes[-1], _Recursive):
            raise _ParseError("invalid multiple recursive descent")
        self.pos += 2
        following = self.text[self.pos : self.pos + 1]
        if following and (following == "_" or following.isalnum()):
            return [_Recursive(), self._field()]
        return [_Recursive()]

    def _field(self) -> Any:
        start = self.pos
        while self.pos < len(self.text):
            char = self.text[self.pos]
            if char == "\\":
                self.pos += 2
                continue
            if char in _TERMINATORS:
                break
            self.pos += 1
        value = self.text[start : self.pos]
        return _Wildcard() if value == "*" else _Field(value.replace("\\", ""))

    def _number(self) -> _Literal:
        start = self.pos
        if self.text[self.pos : self.pos + 1] in ("+", "-"):
            self.pos += 1
        while self.pos < len(self.text) and (self.text[self.pos] == "." or self.text[self.pos].isdigit()):
            self.pos += 1
        value = self.text[start : self.pos]
        try:
            return _Literal(int(value))
        except ValueError:
            pass
        try:
            return _Literal(float(value))
        except ValueError:
            raise _ParseError(f"cannot parse number {value}") from None

    def _identifier(self) -> Any:
        start = self.pos
        while self.pos < len(self.text) and self.text[self.pos] not in _TERMINATORS:
            self.pos += 1
        value = self.text[start : self.pos]
        if value in ("true", "false"):
            return _Literal(value == "true")
        return _Identifier(value)

    def _quote(self, quote: str) -> _Text:
        start = self.pos - 1
        while True:
            char = self._next()
            if char in ("", "\n"):
                raise _ParseError("unterminated quoted string")
            if char == quote and self.text[self.pos - 2] != "\\":
                break
        value = self.text[start : self.pos]
        try:
            return _Text(_unquote(value[1:-1], quote))
        except ValueError:
            raise _ParseError(f"unquote string {value} error invalid syntax") from None

    def _array(self) -> list[Any]:
        close = self.text.find("]", self.pos)
        newline = self.text.find("\n", self.pos)
        if close < 0 or 0 <= newline < close:
            raise _ParseError("unterminated array")
        inner = self.text[self.pos : close]
        self.pos = close + 1
        if inner == "*":
            inner = ":"
        parts = inner.split(",")
        if len(parts) > 1:
            return [_Union(tuple(_parse_nodes(f"[{part.strip(' ')}]") for part in parts))]
        key = _DICT_KEY.match(inner)
        if key:
            return list(_parse_nodes("." + key.group(1)))
        return [_slice(inner)]

    def _filter(self) -> _Filter:
        self.pos += 3
        start = self.pos
        begun = ended = False
        pair = ""
        while True:
            char = self._next()
            if char in ("", "\n"):
                raise _ParseError("unterminated filter")
            if char in "\"'":
                if not begun:
                    begun, pair = True, char
                elif char == pair and self.text[self.pos - 2] != "\\":
                    ended = True
            elif char == ")" and begun == ended:
                break
        if self._next() != "]":
            raise _ParseError("unclosed array expect ]")
        inner = self.text[start : self.pos - 2]
        comparison = _COMPARISON.match(inner)
        if comparison is None:
            return _Filter(_parse_nodes(inner), (), "exists")
        left, operator, right = comparison.groups()
        return _Filter(_parse_nodes(left), _parse_nodes(right), operator)


def _parse_nodes(text: str) -> tuple[Any, ...]:
    """One action's nodes, for the sub-expressions of unions, dict keys and filters."""
    items = _Parser("{" + text + "}").parse()
    first = items[0]
    return first.nodes if isinstance(first, _Action) else ()


def _slice(text: str) -> _Array:
    match = _SLICE.match(text)
    if match is None:
        raise _ParseError(f"invalid array index {text}")
    raw_start, raw_end, raw_step = (group or "" for group in match.groups())
    start = _index_param(raw_start)
    if raw_end:
        end, derived = _index_param(raw_end[1:]), False
    else:
        end, derived = (start or 0) + 1, True
    return _Array(start, end, derived, _index_param(raw_step[1:]))


def _index_param(text: str) -> int | None:
    if not text:
        return None
    try:
        return int(text)
    except ValueError:
        raise _ParseError(f"array index {text} is not a number") from None


def go_unquote(body: str, quote: str = '"') -> str:
    """Go's ``strconv.Unquote`` of the text between two ``quote`` characters; ``ValueError`` if invalid."""
    return _unquote(body, quote)


def _unquote(body: str, quote: str) -> str:
    """Go's ``strconv.Unquote`` for either quote character (client-go's UnquoteExtend)."""
    out: list[str] = []
    index = 0
    while index < len(body):
        char = body[index]
        if char == quote:
            raise ValueError("unescaped quote")
        if char != "\\":
            out.append(char)
            index += 1
            continue
        decoded, index = _escape(body, index + 1, quote)
        out.append(decoded)
    return "".join(out)


def _escape(body: str, index: int, quote: str) -> tuple[str, int]:
    if index >= len(body):
        raise ValueError("trailing backslash")
    code = body[index]
    if code in _SIMPLE_ESCAPES:
        return _SIMPLE_ESCAPES[code], index + 1
    if code == quote:
        return quote, index + 1
    widths = {"x": 2, "u": 4, "U": 8}
    if code in widths:
        digits = body[index + 1 : index + 1 + widths[code]]
        if len(digits) != widths[code]:
            raise ValueError("short escape")
        return chr(int(digits, 16)), index + 1 + widths[code]
    if code in "01234567":
        digits = body[index : index + 3]
        if len(digits) != 3:
            raise ValueError("short octal escape")
        return chr(int(digits, 8)), index + 3
    raise ValueError("unknown escape")


def _structure(items: Sequence[_Text | _Action]) -> list[Any]:
    """Nest the actions between ``{range ...}`` and ``{end}`` under their range."""
    root: list[Any] = []
    stack: list[_Range] = []
    for item in items:
        target = stack[-1].body if stack else root
        nodes = item.nodes if isinstance(item, _Action) else ()
        if nodes and nodes[0] == _Identifier("range"):
            block = _Range(nodes[1:], [])
            target.append(block)
            stack.append(block)
        elif nodes == (_Identifier("end"),):
            if stack:
                stack.pop()
            else:
                target.append(_StrayEnd())
        else:
            target.append(item)
    return root


# ------------------------------------------------------------------------------------------ evaluator


class _Evaluator:
    """Walks parsed nodes over JSON values; mirrors client-go's evaluation rules and messages."""

    def __init__(self, allow_missing_keys: bool) -> None:
        self.allow_missing_keys = allow_missing_keys

    def execute(self, items: Sequence[Any], current: Any) -> list[list[Any]]:
        groups: list[list[Any]] = []
        for item in items:
            if isinstance(item, _Text):
                groups.append([item.text])
            elif isinstance(item, _Action):
                groups.append(self.walk_all(item.nodes, [current]))
            elif isinstance(item, _Range):
                for value in self.walk_all(item.expression, [current]):
                    groups.extend(self.execute(item.body, value))
            else:
                raise _EvalError("not in range, nothing to end")
        return groups

    def walk_all(self, nodes: Sequence[Any], values: list[Any]) -> list[Any]:
        for node in nodes:
            values = self.walk(node, values)
        return values

    def walk(self, node: Any, values: list[Any]) -> list[Any]:
        if isinstance(node, _Text):
            return [node.text]
        if isinstance(node, _Field):
            return self.field(values, node.name)
        if isinstance(node, _Array):
            return [item for value in values if value is not None for item in _index(value, node)]
        if isinstance(node, _Filter):
            return [item for value in values for item in self.filter(value, node)]
        if isinstance(node, _Literal):
            return [node.value for _ in values]
        if isinstance(node, _Wildcard):
            return [child for value in values for child in _children(value)]
        if isinstance(node, _Recursive):
            return _descend(values)
        if isinstance(node, _Union):
            return [item for branch in node.branches for item in self.walk_all(branch, values)]
        return self.identifier(values, node.name)

    def identifier(self, values: list[Any], name: str) -> list[Any]:
        if name == "range":
            return values
        if name == "end":
            return []
        raise _EvalError(f"unrecognized identifier {name}")

    def field(self, values: list[Any], name: str) -> list[Any]:
        if not values or not name:
            return [value for value in values if value is not None]
        found = [value[name] for value in values if isinstance(value, Mapping) and name in value]
        if not found and not self.allow_missing_keys:
            raise _EvalError(f"{name} is not found")
        return found

    def filter(self, value: Any, node: _Filter) -> list[Any]:
        if not isinstance(value, list):
            raise _EvalError(f"{go_sprint(value)} is not array or slice and cannot be filtered")
        return [item for item in value if self._passes(item, node)]

    def _passes(self, item: Any, node: _Filter) -> bool:
        if node.operator == "exists":
            try:
                return bool(self.walk_all(node.left, [item]))
            except _EvalError:
                return False
        lefts = self.walk_all(node.left, [item])
        if not lefts:
            return False
        rights = self.walk_all(node.right, [item])
        if len(lefts) != 1 or len(rights) != 1:
            raise _EvalError("can only compare one element at a time")
        return _compare(node.operator, lefts[0], rights[0])


def _index(value: Any, node: _Array) -> list[Any]:
    if not isinstance(value, list):
        raise _EvalError(f"{_go_type(value)} is not array or slice")
    length = len(value)
    start = node.start if node.start is not None else 0
    start = start + length if start < 0 else start
    end = node.end if node.end is not None else length
    if end < 0 or (end == 0 and node.end_derived):
        end += length
    if end != start:
        if not 0 <= start < length:
            raise _EvalError(f"array index out of bounds: index {start}, length {length}")
        if end > length:
            raise _EvalError(f"array index out of bounds: index {end - 1}, length {length}")
    step = node.step if node.step and node.step > 0 else 1
    return list(value[start:end:step])


def _children(value: Any) -> list[Any]:
    if isinstance(value, Mapping):
        return [value[key] for key in sorted(value)]
    if isinstance(value, list):
        return list(value)
    if isinstance(value, str):
        return list(value.encode())
    return []


def _descend(values: list[Any]) -> list[Any]:
    found: list[Any] = []
    for value in values:
        children = _children(value) if value is not None else []
        if children:
            found.append(value)
            found.extend(_descend(children))
    return found


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float"
    if isinstance(value, str):
        return "string"
    return "invalid" if value is None else "other"


def _compare(operator: str, left: Any, right: Any) -> bool:
    """Go text/template's eq/ne/lt/le/gt/ge over JSON scalars."""
    left_kind, right_kind = _kind(left), _kind(right)
    if operator in ("==", "!="):
        if left_kind != right_kind:
            if "invalid" not in (left_kind, right_kind):
                raise _EvalError("incompatible types for comparison")
            return operator == "!="
        if left_kind == "other":
            raise _EvalError("invalid type for comparison")
        return bool(left == right) == (operator == "==")
    if left_kind in ("bool", "other", "invalid") or right_kind in ("bool", "other", "invalid"):
        raise _EvalError("invalid type for comparison")
    if left_kind != right_kind:
        raise _EvalError("incompatible types for comparison")
    checks = {"<": left < right, ">": left > right, "<=": left <= right, ">=": left >= right}
    if operator not in checks:
        raise _EvalError(f"unrecognized filter operator {operator}")
    return bool(checks[operator])


# ----------------------------------------------------------------------------------------- public API


def find_results(template: str, obj: Any, *, allow_missing_keys: bool = False) -> list[list[Any]]:
    """The values each part of ``template`` selects from ``obj`` (client-go's FindResults)."""
    try:
        items = _structure(_Parser(template).parse())
    except _ParseError as error:
        raise JsonPathError(f"error: error parsing jsonpath {template}, {error}\n") from None
    try:
        return _Evaluator(allow_missing_keys).execute(items, obj)
    except _EvalError as error:
        raise JsonPathError(_execution_message(template, obj, str(error))) from None


def jsonpath(template: str, obj: Any, *, allow_missing_keys: bool = False, as_json: bool = False) -> str:
    """Print ``obj`` through a kubectl JSONPath template.

    A missing field raises :class:`JsonPathError` unless ``allow_missing_keys`` (kubectl's
    ``--allow-missing-template-keys``, true by default on the command line) is set. ``as_json`` is
    ``-o jsonpath-as-json``: every result group prints as an indented JSON array.
    """
    groups = find_results(template, obj, allow_missing_keys=allow_missing_keys)
    if as_json:
        return "".join(go_json(group, indent=4) + "\n" for group in groups)
    return "".join(" ".join(_result_text(value) for value in group) for group in groups)


def _result_text(value: Any) -> str:
    if isinstance(value, Mapping | list):
        return go_json(value)
    return go_sprint(value)


def _execution_message(template: str, obj: Any, reason: str) -> str:
    return (
        f"error: error executing jsonpath {go_quote(template)}: Error executing template: {reason}. "
        "Printing more information for debugging the template:\n"
        f"\ttemplate was:\n\t\t{template}\n"
        f"\tobject given to jsonpath engine was:\n\t\t{go_repr(obj, top=True)}\n\n\n"
    )


# ------------------------------------------------------------------------------- Go value formatting


def go_sprint(value: Any) -> str:
    """``fmt.Sprint`` of a JSON value as Go holds it (``map[k:v]``, ``[a b]``, ``<nil>``)."""
    if value is None:
        return "<nil>"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return _go_float(value)
    if isinstance(value, Mapping):
        return "map[" + " ".join(f"{key}:{go_sprint(value[key])}" for key in sorted(value)) + "]"
    if isinstance(value, list | tuple):
        return "[" + " ".join(go_sprint(item) for item in value) + "]"
    return str(value)


def go_repr(value: Any, *, top: bool = False) -> str:
    """``fmt.Sprintf("%#v")`` of a JSON value held in ``interface{}`` (as kubectl's error dumps show it)."""
    if value is None:
        return "<nil>" if top else "interface {}(nil)"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return go_quote(value)
    if isinstance(value, float):
        return _go_float(value)
    if isinstance(value, Mapping):
        entries = ", ".join(f"{go_quote(str(key))}:{go_repr(value[key])}" for key in sorted(value))
        return "map[string]interface {}{" + entries + "}"
    if isinstance(value, list | tuple):
        return "[]interface {}{" + ", ".join(go_repr(item) for item in value) + "}"
    return str(value)


def go_quote(text: str) -> str:
    """Go's ``strconv.Quote``: double quotes, backslash escapes, printable Unicode kept as is."""
    named = {'"': '\\"', "\\": "\\\\", "\a": "\\a", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r"}
    named.update({"\t": "\\t", "\v": "\\v"})
    out = []
    for char in text:
        if char in named:
            out.append(named[char])
        elif char.isprintable():
            out.append(char)
        elif ord(char) < 0x80:
            out.append(f"\\x{ord(char):02x}")
        elif ord(char) < 0x10000:
            out.append(f"\\u{ord(char):04x}")
        else:
            out.append(f"\\U{ord(char):08x}")
    return '"' + "".join(out) + '"'


def go_json(value: Any, *, indent: int | None = None) -> str:
    """Go's ``json.Marshal``/``MarshalIndent``: sorted keys, HTML characters escaped, integral floats bare."""
    separators = (",", ":") if indent is None else (",", ": ")
    text = json.dumps(_json_ready(value), indent=indent, sort_keys=True, ensure_ascii=False, separators=separators)
    for char, escaped in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("\u2028", "\\u2028")):
        text = text.replace(char, escaped)
    return text.replace("\u2029", "\\u2029")


def _json_ready(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e21:
        return int(value)
    if isinstance(value, Mapping):
        return {str(key): _json_ready(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_json_ready(item) for item in value]
    return value


def _go_float(value: float) -> str:
    """Go's ``%v`` of a float64: shortest digits, exponent form below 1e-4 or from 1e6 up ("1e+06")."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    if value == 0:
        return "0"
    sign, digits, exponent = Decimal(repr(value)).normalize().as_tuple()
    assert isinstance(exponent, int)
    mantissa = "".join(str(digit) for digit in digits)
    scientific = len(mantissa) + exponent - 1
    prefix = "-" if sign else ""
    if scientific < -4 or scientific >= 6:
        fraction = f".{mantissa[1:]}" if len(mantissa) > 1 else ""
        return f"{prefix}{mantissa[0]}{fraction}e{'-' if scientific < 0 else '+'}{abs(scientific):02d}"
    if scientific < 0:
        return f"{prefix}0.{'0' * (-scientific - 1)}{mantissa}"
    if len(mantissa) <= scientific + 1:
        return prefix + mantissa + "0" * (scientific + 1 - len(mantissa))
    return f"{prefix}{mantissa[: scientific + 1]}.{mantissa[scientific + 1 :]}"


def _go_type(value: Any) -> str:
    if isinstance(value, Mapping):
        return "map[string]interface {}"
    return {"bool": "bool", "int": "int64", "float": "float64", "string": "string"}.get(_kind(value), "interface {}")
