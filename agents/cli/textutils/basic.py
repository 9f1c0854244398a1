"""Tools that make or pass text: echo and printf (bash builtins), cat, base64, true, false, sleep."""

from __future__ import annotations

import base64 as b64
import binascii
import re
from collections.abc import Sequence

from agents.cli.textutils.common import (
    Option,
    ProgramResult,
    ToolError,
    getopt,
    lines_with_ends,
    quote,
    read_operands,
    tool,
    usage_error,
)
from agents.cli.textutils.printf import FormatError, expand_escapes, format_printf


@tool
def echo(argv: Sequence[str], stdin: str) -> ProgramResult:
    """bash's echo: leading ``-n``/``-e``/``-E`` words are options, anything else is text."""
    args = list(argv[1:])
    newline, escapes = True, False
    while args and re.fullmatch(r"-[neE]+", args[0]):
        for letter in args.pop(0)[1:]:
            newline = newline and letter != "n"
            escapes = {"e": True, "E": False}.get(letter, escapes)
    text = " ".join(args)
    if escapes:
        text, stopped = expand_escapes(text, octal_needs_zero=True)
        newline = newline and not stopped
    return ProgramResult(text + ("\n" if newline else ""))


@tool
def printf(argv: Sequence[str], stdin: str) -> ProgramResult:
    """bash's printf builtin; ``-v`` (assign to a variable) is refused, as every assignment is here."""
    args = list(argv[1:])
    if args and args[0] == "--":
        args.pop(0)
    if not args:
        raise ToolError("bash: printf: usage: printf [-v var] format [arguments]", 2)
    if args[0].startswith("-v"):
        raise ToolError("bash: printf: -v: variable assignment is not supported in this shell", 2)
    try:
        text, bad = format_printf(args[0], args[1:])
    except FormatError as error:
        raise ToolError(f"bash: printf: {error}", 1) from None
    errors = "".join(f"bash: printf: {argument}: invalid number\n" for argument in bad)
    return ProgramResult(text, errors, 1 if bad else 0)


_CAT_OPTIONS = (
    Option("number", "n", "number"),
    Option("number-nonblank", "b", "number-nonblank"),
    Option("squeeze-blank", "s", "squeeze-blank"),
    Option("show-ends", "E", "show-ends"),
    Option("show-tabs", "T", "show-tabs"),
    Option("show-all", "A", "show-all"),
    Option("show-ends", "e"),
    Option("show-tabs", "t"),
    Option("ignored", "v", "show-nonprinting"),
    Option("ignored", "u"),
)


@tool
def cat(argv: Sequence[str], stdin: str) -> ProgramResult:
    """stdin (or ``-``) through, optionally numbered (``-n``, ``-b``) or with ends and tabs shown."""
    found, operands = getopt("cat", list(argv[1:]), _CAT_OPTIONS)
    text = read_operands("cat", operands, stdin)
    options = {key for key, _ in found}
    if "show-all" in options:
        options |= {"show-ends", "show-tabs"}
    out: list[str] = []
    counter = 0
    previous_blank = False
    for line in lines_with_ends(text):
        body, end = (line[:-1], "\n") if line.endswith("\n") else (line, "")
        blank = body == ""
        if "squeeze-blank" in options and blank and previous_blank:
            continue
        previous_blank = blank
        if "show-tabs" in options:
            body = body.replace("\t", "^I")
        if "show-ends" in options and end:
            body += "$"
        numbered = not blank if "number-nonblank" in options else "number" in options
        if numbered:
            counter += 1
            body = f"{counter:6d}\t{body}"
        out.append(body + end)
    return ProgramResult("".join(out))


_BASE64_OPTIONS = (
    Option("decode", "d", "decode"),
    Option("ignore-garbage", "i", "ignore-garbage"),
    Option("wrap", "w", "wrap", value=True),
)


@tool
def base64(argv: Sequence[str], stdin: str) -> ProgramResult:
    """Encode stdin as base64 (wrapped at 76 columns, ``-w 0`` for none) or decode it (``-d``)."""
    found, operands = getopt("base64", list(argv[1:]), _BASE64_OPTIONS)
    text = read_operands("base64", operands, stdin)
    options = dict(found)
    if "decode" in options:
        return _decode(text, ignore_garbage="ignore-garbage" in options)
    wrap_text = options.get("wrap", "76")
    if not wrap_text.isdigit():
        raise ToolError(f"base64: invalid wrap size: {quote(wrap_text)}")
    encoded = b64.b64encode(text.encode()).decode()
    wrap = int(wrap_text)
    if wrap:
        encoded = "\n".join(encoded[i : i + wrap] for i in range(0, len(encoded), wrap))
    return ProgramResult(encoded + "\n" if encoded else "")


def _decode(text: str, *, ignore_garbage: bool) -> ProgramResult:
    data = re.sub(r"[^A-Za-z0-9+/=]", "", text) if ignore_garbage else re.sub(r"\s", "", text)
    try:
        decoded = b64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        raise ToolError("base64: invalid input") from None
    return ProgramResult(decoded.decode(errors="replace"))


@tool
def true(argv: Sequence[str], stdin: str) -> ProgramResult:
    """Succeed, whatever the arguments."""
    return ProgramResult()


@tool
def false(argv: Sequence[str], stdin: str) -> ProgramResult:
    """Fail with status 1, whatever the arguments."""
    return ProgramResult(exit_code=1)


@tool
def sleep(argv: Sequence[str], stdin: str) -> ProgramResult:
    """Check the interval and return at once: time belongs to the caller's clock, not to this process."""
    operands = list(argv[1:])
    if not operands:
        raise usage_error("sleep", "missing operand")
    for operand in operands:
        if not re.fullmatch(r"(\d+\.?\d*|\.\d+)[smhd]?", operand):
            raise usage_error("sleep", f"invalid time interval {quote(operand)}")
    return ProgramResult()
