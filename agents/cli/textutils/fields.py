"""cut, tr (GNU coreutils) and column -t (util-linux): the column and character tools."""

from __future__ import annotations

import re
from collections.abc import Sequence

from agents.cli.textutils.common import (
    Option,
    ProgramResult,
    ToolError,
    getopt,
    join_lines,
    quote,
    read_operands,
    split_lines,
    tool,
    usage_error,
)

_CUT_OPTIONS = (
    Option("fields", "f", "fields", value=True),
    Option("characters", "c", "characters", value=True),
    Option("characters", "b", "bytes", value=True),
    Option("delimiter", "d", "delimiter", value=True),
    Option("only-delimited", "s", "only-delimited"),
    Option("complement", None, "complement"),
    Option("output-delimiter", None, "output-delimiter", value=True),
    Option("ignored", "n"),
)


def _ranges(spec: str) -> list[tuple[int, int | None]]:
    """A cut list (``1,3-5,7-``, ``-2``) as inclusive 1-based ranges; None is "to the end"."""
    ranges: list[tuple[int, int | None]] = []
    for part in spec.split(","):
        match = re.fullmatch(r"(\d*)(-?)(\d*)", part)
        if match is None or part in ("", "-"):
            message = "invalid range with no endpoint: -" if part == "-" else f"invalid field value {quote(part)}"
            raise usage_error("cut", message)
        low_text, dash, high_text = match.groups()
        low = int(low_text) if low_text else 1
        high = (int(high_text) if high_text else None) if dash else low
        if low == 0 or high == 0:
            raise usage_error("cut", "fields and positions are numbered from 1")
        if high is not None and high < low:
            raise usage_error("cut", "invalid decreasing range")
        ranges.append((low, high))
    return ranges


def _picked(count: int, ranges: list[tuple[int, int | None]], complement: bool) -> list[int]:
    chosen = {
        index
        for low, high in ranges
        for index in range(low, (high if high is not None else count) + 1)
        if index <= count
    }
    return [index for index in range(1, count + 1) if (index in chosen) != complement]


@tool
def cut(argv: Sequence[str], stdin: str) -> ProgramResult:
    """Selected fields (``-d X -f LIST``) or characters (``-c LIST``) of each line."""
    found, operands = getopt("cut", list(argv[1:]), _CUT_OPTIONS)
    text = read_operands("cut", operands, stdin)
    options = dict(found)
    lists = [key for key in ("fields", "characters") if key in options]
    if not lists:
        raise usage_error("cut", "you must specify a list of bytes, characters, or fields")
    if len(lists) > 1:
        raise usage_error("cut", "only one type of list may be specified")
    delimiter = options.get("delimiter", "\t")
    if len(delimiter) != 1:
        raise usage_error("cut", "the delimiter must be a single character")
    ranges = _ranges(options[lists[0]])
    complement = "complement" in options
    out: list[str] = []
    for line in split_lines(text):
        if lists[0] == "characters":
            out.append(
                options.get("output-delimiter", "").join(line[i - 1] for i in _picked(len(line), ranges, complement))
            )
            continue
        if delimiter not in line:
            if "only-delimited" not in options:
                out.append(line)
            continue
        fields = line.split(delimiter)
        joiner = options.get("output-delimiter", delimiter)
        out.append(joiner.join(fields[i - 1] for i in _picked(len(fields), ranges, complement)))
    return ProgramResult(join_lines(out))


_COLUMN_OPTIONS = (
    Option("table", "t", "table"),
    Option("separator", "s", "separator", value=True),
    Option("output-separator", "o", "output-separator", value=True),
    Option("ignored", "x", "fillrows"),
)


@tool
def column(argv: Sequence[str], stdin: str) -> ProgramResult:
    """``column -t``: cells aligned under each other, two spaces apart; without ``-t`` lines pass through."""
    found, operands = getopt("column", list(argv[1:]), _COLUMN_OPTIONS)
    text = read_operands("column", operands, stdin)
    options = dict(found)
    lines = [line for line in split_lines(text) if line.strip()]
    if "table" not in options:
        return ProgramResult(join_lines(lines))
    separators = options.get("separator")
    rows = [re.split(f"[{re.escape(separators)}]+", line) if separators else line.split() for line in lines]
    widths: dict[int, int] = {}
    for row in rows:
        for index, cell in enumerate(row):
            widths[index] = max(widths.get(index, 0), len(cell))
    gap = options.get("output-separator", "  ")
    out = [gap.join(cell.ljust(widths[i]) if i < len(row) - 1 else cell for i, cell in enumerate(row)) for row in rows]
    return ProgramResult(join_lines(out))


_TR_OPTIONS = (
    Option("delete", "d", "delete"),
    Option("squeeze", "s", "squeeze-repeats"),
    Option("complement", "c", "complement"),
    Option("complement", "C"),
    Option("truncate", "t", "truncate-set1"),
)
_TR_CLASSES = {
    "alpha": "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ",
    "digit": "0123456789",
    "alnum": "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
    "upper": "ABCDEFGHIJKLMNOPQRSTUVWXYZ",
    "lower": "abcdefghijklmnopqrstuvwxyz",
    "space": " \t\n\r\f\v",
    "blank": " \t",
    "punct": "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~",
    "xdigit": "0123456789ABCDEFabcdef",
    "cntrl": "".join(chr(code) for code in (*range(32), 127)),
}
_TR_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "\\": "\\", "a": "\a", "b": "\b", "f": "\f", "v": "\v"}


def _tr_set(spec: str) -> str:
    """Expand a tr set: escapes, ``a-z`` ranges and ``[:class:]`` names, in order."""
    chars: list[str] = []
    index = 0
    while index < len(spec):
        class_match = re.match(r"\[:(\w+):\]", spec[index:])
        if class_match:
            name = class_match.group(1)
            if name not in _TR_CLASSES:
                raise ToolError(f"tr: invalid character class {quote(name)}")
            chars.extend(_TR_CLASSES[name])
            index += class_match.end()
            continue
        char, index = _tr_char(spec, index)
        if spec[index : index + 1] == "-" and index + 1 < len(spec):
            end, after = _tr_char(spec, index + 1)
            if ord(end) < ord(char):
                raise ToolError(
                    f"tr: range-endpoints of {quote(char + '-' + end)} are in reverse collating sequence order"
                )
            chars.extend(chr(code) for code in range(ord(char), ord(end) + 1))
            index = after
        else:
            chars.append(char)
    return "".join(chars)


def _tr_char(spec: str, index: int) -> tuple[str, int]:
    if spec[index] != "\\" or index + 1 >= len(spec):
        return spec[index], index + 1
    octal = re.match(r"[0-7]{1,3}", spec[index + 1 :])
    if octal:
        return chr(int(octal.group(0), 8)), index + 1 + octal.end()
    following = spec[index + 1]
    return _TR_ESCAPES.get(following, following), index + 2


@tool
def tr(argv: Sequence[str], stdin: str) -> ProgramResult:
    """Translate, delete (``-d``) or squeeze (``-s``) characters; ``-c`` complements the first set."""
    found, operands = getopt("tr", list(argv[1:]), _TR_OPTIONS)
    options = {key for key, _ in found}
    _tr_check_operands(operands, options)
    first = _tr_set(operands[0])
    second = _tr_set(operands[1]) if len(operands) > 1 else ""
    complement = "complement" in options

    def in_first(char: str) -> bool:
        return (char in first) != complement

    if "delete" in options:
        text = "".join(char for char in stdin if not in_first(char))
        return ProgramResult(_squeeze(text, second) if "squeeze" in options and second else text)
    if second:
        text = "".join(_translate_char(char, first, second, complement) for char in stdin)
        return ProgramResult(_squeeze(text, second) if "squeeze" in options else text)
    squeezable = "".join(sorted({char for char in stdin if in_first(char)}))
    return ProgramResult(_squeeze(stdin, squeezable))


def _tr_check_operands(operands: list[str], options: set[str]) -> None:
    needed = 1 if "delete" in options or ("squeeze" in options and len(operands) < 2) else 2
    if "delete" in options and "squeeze" in options:
        needed = 2 if len(operands) > 1 else 1
    if not operands:
        raise usage_error("tr", "missing operand")
    if len(operands) < needed:
        raise usage_error(
            "tr", f"missing operand after {quote(operands[-1])}\nTwo strings must be given when translating."
        )
    if len(operands) > needed:
        raise usage_error("tr", f"extra operand {quote(operands[needed])}")


def _translate_char(char: str, first: str, second: str, complement: bool) -> str:
    if complement:
        return second[-1] if char not in first else char
    position = first.rfind(char)
    if position < 0:
        return char
    return second[position] if position < len(second) else second[-1]


def _squeeze(text: str, squeezable: str) -> str:
    out: list[str] = []
    for char in text:
        if out and out[-1] == char and char in squeezable:
            continue
        out.append(char)
    return "".join(out)
