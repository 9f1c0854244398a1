"""printf-style formatting as bash's ``printf`` builtin does it (also awk's ``printf``), and echo's escapes.

The format is reused while arguments remain; a missing argument is an empty string or zero; a number
that does not parse prints as far as it parsed (zero) and is reported as ``ARG: invalid number``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

_SPEC = re.compile(r"%([-+ #0]*)(\d+|\*)?(?:\.(\d+|\*))?([diouxXeEfFgGcsb%])")
_SIMPLE_ESCAPES = {
    "n": "\n",
    "t": "\t",
    "\\": "\\",
    '"': '"',
    "a": "\a",
    "b": "\b",
    "f": "\f",
    "r": "\r",
    "v": "\v",
    "e": "\x1b",
    "E": "\x1b",
}


class FormatError(ValueError):
    """A conversion character printf does not know; ``str(error)`` names it as bash does."""


def expand_escapes(text: str, *, octal_needs_zero: bool = False) -> tuple[str, bool]:
    """Backslash escapes (``\\n``, ``\\t``, ``\\0NNN`` or ``\\NNN``, ``\\xHH``); True when ``\\c`` stopped output."""
    out: list[str] = []
    index = 0
    while index < len(text):
        char = text[index]
        if char != "\\" or index + 1 >= len(text):
            out.append(char)
            index += 1
            continue
        following = text[index + 1]
        if following == "c":
            return "".join(out), True
        expanded, index = _one_escape(text, index, following, octal_needs_zero=octal_needs_zero)
        out.append(expanded)
    return "".join(out), False


def _one_escape(text: str, index: int, following: str, *, octal_needs_zero: bool) -> tuple[str, int]:
    if following in _SIMPLE_ESCAPES:
        return _SIMPLE_ESCAPES[following], index + 2
    octal_pattern = r"0([0-7]{0,3})" if octal_needs_zero else r"([0-7]{1,3})"
    octal = re.match(octal_pattern, text[index + 1 :])
    if octal:
        return chr(int(octal.group(1) or "0", 8)), index + 1 + octal.end()
    hexadecimal = re.match(r"x([0-9A-Fa-f]{1,2})", text[index + 1 :])
    if hexadecimal:
        return chr(int(hexadecimal.group(1), 16)), index + 1 + hexadecimal.end()
    return "\\" + following, index + 2


def format_printf(fmt: str, args: Sequence[str], *, escapes: bool = True) -> tuple[str, list[str]]:
    """Render ``fmt`` with ``args``; also return the arguments that were not valid numbers."""
    out: list[str] = []
    bad: list[str] = []
    remaining = list(args)
    while True:
        consumed, stop = _render_once(fmt, remaining, out, bad, escapes=escapes)
        if stop or not remaining or not consumed:
            return "".join(out), bad


def _render_once(fmt: str, remaining: list[str], out: list[str], bad: list[str], *, escapes: bool) -> tuple[bool, bool]:
    consumed = False
    position = 0
    for match in _SPEC.finditer(fmt):
        text, stop = _literal(fmt[position : match.start()], escapes)
        out.append(text)
        if stop:
            return consumed, True
        position = match.end()
        flags, width, precision, conversion = match.groups()
        if conversion == "%":
            out.append("%")
            continue
        width = _star(width, remaining, bad)
        precision = _star(precision, remaining, bad)
        consumed = consumed or bool(remaining)
        argument = remaining.pop(0) if remaining else None
        rendered, stop = _convert(
            conversion, f"%{flags}{width or ''}{'.' + precision if precision else ''}", argument, bad
        )
        out.append(rendered)
        if stop:
            return consumed, True
    tail = fmt[position:]
    if "%" in tail:
        bad_char = tail[tail.index("%") + 1 : tail.index("%") + 2]
        raise FormatError(f"`{bad_char}': invalid format character" if bad_char else "`%': missing format character")
    text, stop = _literal(tail, escapes)
    out.append(text)
    return consumed, stop


def _literal(text: str, escapes: bool) -> tuple[str, bool]:
    return expand_escapes(text) if escapes else (text, False)


def _star(value: str | None, remaining: list[str], bad: list[str]) -> str | None:
    if value != "*":
        return value
    return str(_integer(remaining.pop(0), bad)) if remaining else "0"


def _convert(conversion: str, spec: str, argument: str | None, bad: list[str]) -> tuple[str, bool]:
    if conversion == "s":
        return (spec + "s") % (argument or ""), False
    if conversion == "b":
        text, stop = expand_escapes(argument or "", octal_needs_zero=True)
        return (spec + "s") % text, stop
    if conversion == "c":
        return (spec + "s") % (argument or "")[:1], False
    if conversion in "diouxX":
        number = _integer(argument, bad) if argument is not None else 0
        return (spec + ("d" if conversion in "iu" else conversion)) % number, False
    number_f = _floating(argument, bad) if argument is not None else 0.0
    return (spec + conversion) % number_f, False


def _integer(argument: str, bad: list[str]) -> int:
    text = argument.strip()
    if len(text) >= 2 and text[0] in "'\"":
        return ord(text[1])
    match = re.match(r"[-+]?(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9]\d*)", text)
    if match is None or match.end() != len(text):
        bad.append(argument)
    if match is None:
        return 0
    return int(match.group(0), 0) if not re.fullmatch(r"[-+]?0[0-7]+", match.group(0)) else int(match.group(0), 8)


def _floating(argument: str, bad: list[str]) -> float:
    match = re.match(r"\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?", argument)
    if match is None or match.end() != len(argument):
        bad.append(argument)
    return float(match.group(0)) if match else 0.0
