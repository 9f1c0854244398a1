"""sort and uniq (GNU coreutils) in the C locale: keys, numeric orders, uniqueness, counts."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from agents.cli.textutils.common import (
    Option,
    ProgramResult,
    ToolError,
    getopt,
    join_lines,
    parse_count,
    quote,
    read_operands,
    split_lines,
    tool,
)

_ORDER_LETTERS = "bfghnrV"
_SORT_OPTIONS = (
    Option("b", "b", "ignore-leading-blanks"),
    Option("f", "f", "ignore-case"),
    Option("g", "g", "general-numeric-sort"),
    Option("h", "h", "human-numeric-sort"),
    Option("n", "n", "numeric-sort"),
    Option("r", "r", "reverse"),
    Option("V", "V", "version-sort"),
    Option("key", "k", "key", value=True),
    Option("separator", "t", "field-separator", value=True),
    Option("unique", "u", "unique"),
    Option("stable", "s", "stable"),
    Option("output", "o", "output", value=True),
    Option("ignored", "S", "buffer-size", value=True),
    Option("ignored", "T", "temporary-directory", value=True),
    Option("ignored", None, "parallel", value=True),
)
_KEY = re.compile(r"(\d+)(?:\.(\d+))?([bdfghinMRrV]*)(?:,(\d+)(?:\.(\d+))?([bdfghinMRrV]*))?")
_NUMBER = re.compile(r"\s*([-+]?(?:\d+\.?\d*|\.\d+))")
_GENERAL = re.compile(r"\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)")
_HUMAN = re.compile(r"\s*([-+]?(?:\d+\.?\d*|\.\d+))([KMGTPEZY]?)")


@dataclass(frozen=True)
class _Key:
    start_field: int
    start_char: int
    end_field: int | None
    end_char: int
    orders: str


def _parse_key(spec: str, global_orders: str) -> _Key:
    match = _KEY.fullmatch(spec)
    if match is None:
        raise ToolError(f"sort: invalid field specification {quote(spec)}")
    start, start_char, start_orders, end, end_char, end_orders = match.groups()
    if int(start) == 0:
        raise ToolError(f"sort: field number is zero: invalid field specification {quote(spec)}")
    orders = (start_orders or "") + (end_orders or "")
    return _Key(
        start_field=int(start),
        start_char=int(start_char or 1),
        end_field=int(end) if end else None,
        end_char=int(end_char or 0),
        orders=orders or global_orders,
    )


def _field_spans(line: str, separator: str | None) -> list[tuple[int, int]]:
    if separator is None:
        return [(match.start(), match.end()) for match in re.finditer(r"\s*\S+", line)]
    spans, start = [], 0
    for part in line.split(separator):
        spans.append((start, start + len(part)))
        start += len(part) + len(separator)
    return spans


def _key_text(line: str, key: _Key, separator: str | None) -> str:
    spans = _field_spans(line, separator)
    blanks = "b" in key.orders
    if key.start_field > len(spans):
        return ""
    field_start = spans[key.start_field - 1][0]
    if blanks:
        field_start += len(line[field_start:]) - len(line[field_start:].lstrip())
    start = field_start + key.start_char - 1
    if key.end_field is None or key.end_field > len(spans):
        return line[start:]
    end_start, end_stop = spans[key.end_field - 1]
    end = end_stop if key.end_char == 0 else end_start + key.end_char
    return line[start:end]


def _order_value(text: str, orders: str) -> tuple[float | str | tuple[object, ...], ...]:
    if "n" in orders:
        match = _NUMBER.match(text)
        return (float(match.group(1)) if match else 0.0,)
    if "g" in orders:
        match = _GENERAL.match(text)
        return (1, float(match.group(1))) if match else (0, 0.0)
    if "h" in orders:
        match = _HUMAN.match(text)
        if not match:
            return (0.0,)
        return (float(match.group(1)) * 1024.0 ** " KMGTPEZY".index(match.group(2) or " "),)
    if "V" in orders:
        return tuple((0, int(part)) if part.isdigit() else (1, part) for part in re.findall(r"\d+|\D+", text))
    return (text.upper() if "f" in orders else text,)


def _compare(left: Any, right: Any) -> int:
    return int(left > right) - int(left < right)


@tool
def sort(argv: Sequence[str], stdin: str) -> ProgramResult:
    """Lines in order: by keys (``-k``) or whole lines, numeric (``-n``, ``-g``, ``-h``), reversed, unique."""
    found, operands = getopt("sort", list(argv[1:]), _SORT_OPTIONS, exit_code=2)
    text = read_operands("sort", operands, stdin, exit_code=2)
    orders = "".join(key for key, _ in found if len(key) == 1 and key in _ORDER_LETTERS)
    values = {key: value for key, value in found}
    if "output" in values:
        raise ToolError(f"sort: open failed: {values['output']}: Read-only file system", 2)
    separator = values.get("separator")
    if separator is not None and len(separator) != 1:
        raise ToolError(f"sort: multi-character tab {quote(separator)}", 2)
    keys = [_parse_key(value, orders) for key, value in found if key == "key"] or [_Key(1, 1, None, 0, orders)]
    whole_line = not any(key == "key" for key, _ in found)
    compare_keys = _key_comparator(keys, separator, whole_line=whole_line)
    last_resort = "stable" not in values and "unique" not in values

    def compare(left: str, right: str) -> int:
        result = compare_keys(left, right)
        if result or not last_resort:
            return result
        return -_compare(left, right) if "r" in orders else _compare(left, right)

    lines = sorted(split_lines(text), key=functools.cmp_to_key(compare))
    if "unique" in values:
        lines = [line for index, line in enumerate(lines) if index == 0 or compare_keys(lines[index - 1], line)]
    return ProgramResult(join_lines(lines))


def _key_comparator(keys: list[_Key], separator: str | None, *, whole_line: bool) -> Callable[[str, str], int]:
    def compare(left: str, right: str) -> int:
        for key in keys:
            left_text = left if whole_line else _key_text(left, key, separator)
            right_text = right if whole_line else _key_text(right, key, separator)
            result = _compare(_order_value(left_text, key.orders), _order_value(right_text, key.orders))
            if result:
                return -result if "r" in key.orders else result
        return 0

    return compare


_UNIQ_OPTIONS = (
    Option("count", "c", "count"),
    Option("repeated", "d", "repeated"),
    Option("unique", "u", "unique"),
    Option("ignore-case", "i", "ignore-case"),
    Option("skip-fields", "f", "skip-fields", value=True),
    Option("skip-chars", "s", "skip-chars", value=True),
    Option("check-chars", "w", "check-chars", value=True),
)


@tool
def uniq(argv: Sequence[str], stdin: str) -> ProgramResult:
    """Adjacent duplicate lines collapsed; ``-c`` counts, ``-d`` only repeated, ``-u`` only unique."""
    found, operands = getopt("uniq", list(argv[1:]), _UNIQ_OPTIONS)
    if len(operands) > 1:
        raise ToolError(f"uniq: {operands[1]}: Read-only file system")
    text = read_operands("uniq", operands, stdin)
    options = dict(found)
    groups: list[tuple[str, int]] = []
    previous_key: str | None = None
    for line in split_lines(text):
        key = _uniq_key(line, options)
        if groups and key == previous_key:
            groups[-1] = (groups[-1][0], groups[-1][1] + 1)
        else:
            groups.append((line, 1))
        previous_key = key
    out = []
    for line, count in groups:
        if ("repeated" in options and count < 2) or ("unique" in options and count > 1):
            continue
        out.append(f"{count:7d} {line}" if "count" in options else line)
    return ProgramResult(join_lines(out))


def _uniq_key(line: str, options: dict[str, str]) -> str:
    if "skip-fields" in options:
        skip = parse_count("uniq", options["skip-fields"], "fields to skip")
        for _ in range(skip):
            line = re.sub(r"^\s*\S+", "", line, count=1)
    if "skip-chars" in options:
        line = line[parse_count("uniq", options["skip-chars"], "bytes to skip") :]
    if "check-chars" in options:
        line = line[: parse_count("uniq", options["check-chars"], "bytes to compare")]
    return line.lower() if "ignore-case" in options else line
