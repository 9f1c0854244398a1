"""POSIX regular expressions (basic and extended, with GNU's extensions) translated to Python's ``re``.

grep, sed and awk speak POSIX: in a basic expression ``\\(``, ``\\{``, ``\\|``, ``\\+`` are the operators and
the bare characters are literal; brackets hold classes like ``[[:space:]]`` and a backslash is literal
inside them; ``\\<`` and ``\\>`` are word edges. Errors carry GNU's wording (``Unmatched ( or \\(``).
"""

from __future__ import annotations

import re

_CLASSES = {
    "alpha": "a-zA-Z",
    "digit": "0-9",
    "alnum": "a-zA-Z0-9",
    "upper": "A-Z",
    "lower": "a-z",
    "space": " \\t\\n\\r\\f\\v",
    "blank": " \\t",
    "punct": re.escape("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"),
    "xdigit": "0-9A-Fa-f",
    "cntrl": "\\x00-\\x1f\\x7f",
    "print": "\\x20-\\x7e",
    "graph": "\\x21-\\x7e",
    "word": "\\w",
}
# Escapes that mean the same in GNU regex and Python.
_SHARED_ESCAPES = frozenset("wWsSbBdD123456789")
_BRE_OPERATORS = {"(": "(", ")": ")", "{": "{", "}": "}", "|": "|", "+": "+", "?": "?"}


class PatternError(ValueError):
    """A pattern GNU regex would reject; ``str(error)`` is GNU's message (``Unmatched [, [^, [:, [., or [=``)."""


def translate(pattern: str, *, extended: bool) -> str:
    """The Python equivalent of a POSIX ``pattern`` (ERE when ``extended``, else BRE)."""
    out: list[str] = []
    index = 0
    while index < len(pattern):
        char = pattern[index]
        if char == "\\":
            index = _escape(pattern, index, out, extended=extended)
        elif char == "[":
            index = _bracket(pattern, index, out)
        else:
            out.append(_plain(char, pattern, index, out, extended=extended))
            index += 1
    return "".join(out)


def compile_pattern(pattern: str, *, extended: bool, ignore_case: bool = False) -> re.Pattern[str]:
    """Translate and compile, turning Python's complaints into GNU's."""
    translated = translate(pattern, extended=extended)
    try:
        return re.compile(translated, re.IGNORECASE if ignore_case else 0)
    except re.error as error:
        raise PatternError(gnu_message(str(error))) from None


def gnu_message(python_message: str) -> str:
    """GNU regex's complaint for what Python's ``re`` said about a translated pattern."""
    if "missing )" in python_message:
        return "Unmatched ( or \\("
    if "unbalanced parenthesis" in python_message:
        return "Unmatched ) or \\)"
    if "unterminated character set" in python_message:
        return "Unmatched [, [^, [:, [., or [="
    if "repeat" in python_message:
        return "Invalid preceding regular expression"
    if "group reference" in python_message or "unknown group" in python_message:
        return "Invalid back reference"
    return "Invalid regular expression"


def _escape(pattern: str, index: int, out: list[str], *, extended: bool) -> int:
    if index + 1 >= len(pattern):
        raise PatternError("Trailing backslash")
    char = pattern[index + 1]
    if not extended and char in _BRE_OPERATORS:
        out.append(_BRE_OPERATORS[char])
    elif char == "<":
        out.append("\\b(?=\\w)")
    elif char == ">":
        out.append("\\b(?<=\\w)")
    elif char in _SHARED_ESCAPES:
        out.append("\\" + char)
    elif char == "n":
        out.append("\\n")
    elif char == "t":
        out.append("\\t")
    else:
        out.append(re.escape(char))
    return index + 2


def _plain(char: str, pattern: str, index: int, out: list[str], *, extended: bool) -> str:
    previous = out[-1] if out else ""
    at_start = not out or previous in ("(", "|")
    if char == "*" and (at_start or previous == "^"):
        return "\\*"
    if extended:
        return re.escape(char) if char in "+?{" and at_start else char
    if char in _BRE_OPERATORS:
        return re.escape(char)
    if char == "^" and not at_start:
        return "\\^"
    if char == "$" and not _at_end(pattern, index):
        return "\\$"
    return char


def _at_end(pattern: str, index: int) -> bool:
    rest = pattern[index + 1 :]
    return rest == "" or rest.startswith(("\\)", "\\|"))


def _bracket(pattern: str, index: int, out: list[str]) -> int:
    """Copy the bracket expression at ``index`` as a Python character class; return the index after it."""
    position = index + 1
    parts = ["["]
    if pattern[position : position + 1] == "^":
        parts.append("^")
        position += 1
    first = True
    while position < len(pattern):
        char = pattern[position]
        if char == "]" and not first:
            out.append("".join(parts) + "]")
            return position + 1
        if char == "[" and pattern[position + 1 : position + 2] in (":", ".", "="):
            position = _bracket_class(pattern, position, parts)
        else:
            parts.append("\\" + char if char in "]\\[&~|^" else char)
            position += 1
        first = False
    raise PatternError("Unmatched [, [^, [:, [., or [=")


def _bracket_class(pattern: str, position: int, parts: list[str]) -> int:
    kind = pattern[position + 1]
    end = pattern.find(kind + "]", position + 2)
    if end < 0:
        raise PatternError("Unmatched [, [^, [:, [., or [=")
    name = pattern[position + 2 : end]
    if kind == ":":
        if name not in _CLASSES:
            raise PatternError("Invalid character class name")
        parts.append(_CLASSES[name])
    else:
        parts.append(re.escape(name))
    return end + 2
