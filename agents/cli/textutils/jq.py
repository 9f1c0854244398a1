"""jq on stdin: options, the JSON input stream, output formatting, and jq's exit codes and error text.

Exit codes as jq's: 2 for usage and input parse errors, 3 for a program that does not compile, 5 for a
runtime error (outputs before it are kept), 1/4 under ``-e`` for a false/null or absent last output.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from agents.cli.textutils.common import ProgramResult, ToolError, tool
from agents.cli.textutils.jq_lang import JqCompileError, compile_program
from agents.cli.textutils.jq_values import JqError, normalise, truthy

_LETTERS = {
    "r": "raw",
    "j": "join",
    "c": "compact",
    "s": "slurp",
    "n": "null-input",
    "e": "exit-status",
    "S": "sort-keys",
    "a": "ascii",
    "R": "raw-input",
    "M": "ignored",
    "C": "ignored",
}
_LONG = {
    "raw-output": "raw",
    "join-output": "join",
    "compact-output": "compact",
    "slurp": "slurp",
    "null-input": "null-input",
    "exit-status": "exit-status",
    "sort-keys": "sort-keys",
    "ascii-output": "ascii",
    "raw-input": "raw-input",
    "tab": "tab",
    "monochrome-output": "ignored",
    "color-output": "ignored",
}
_USAGE_HINT = (
    "Use jq --help for help with command-line options,\nor see the jq manpage, or online docs  at https://jqlang.org"
)


@dataclass
class _Options:
    flags: set[str] = field(default_factory=set)
    program: str | None = None
    files: list[str] = field(default_factory=list)
    variables: dict[str, Any] = field(default_factory=dict)
    indent: int = 2


def _options(args: Sequence[str]) -> _Options:
    options = _Options()
    index = 0
    while index < len(args):
        arg = args[index]
        index += 1
        if arg in ("--arg", "--argjson"):
            index = _variable(options, arg, args, index)
        elif arg == "--indent":
            if index >= len(args) or not args[index].isdigit():
                raise ToolError(f"jq: --indent takes one parameter\n{_USAGE_HINT}", 2)
            options.indent, index = int(args[index]), index + 1
        elif arg.startswith("--") and len(arg) > 2:
            if arg[2:] not in _LONG:
                raise ToolError(f"jq: Unknown option: {arg}\n{_USAGE_HINT}", 2)
            options.flags.add(_LONG[arg[2:]])
        elif arg.startswith("-") and len(arg) > 1:
            for letter in arg[1:]:
                if letter not in _LETTERS:
                    raise ToolError(f"jq: Unknown option: {arg}\n{_USAGE_HINT}", 2)
                options.flags.add(_LETTERS[letter])
        elif options.program is None:
            options.program = arg
        else:
            options.files.append(arg)
    return options


def _variable(options: _Options, flag: str, args: Sequence[str], index: int) -> int:
    if index + 1 >= len(args):
        raise ToolError(f"jq: error: {flag} takes two parameters (e.g. {flag} varname value)\n{_USAGE_HINT}", 2)
    name, raw = args[index], args[index + 1]
    if flag == "--arg":
        options.variables[name] = raw
    else:
        try:
            options.variables[name] = json.loads(raw)
        except ValueError:
            raise ToolError(f"jq: Invalid JSON text passed to --argjson\n{_USAGE_HINT}", 2) from None
    return index + 2


@dataclass(frozen=True)
class _Input:
    value: Any
    line: int


def _inputs(text: str, options: _Options) -> Iterator[_Input]:
    if "null-input" in options.flags:
        yield _Input(None, -1)
        return
    if "raw-input" in options.flags:
        lines = text.split("\n")[:-1] if text.endswith("\n") else text.split("\n")
        values: list[Any] = [text] if "slurp" in options.flags else lines
        for number, value in enumerate(values, start=1):
            yield _Input(value, number)
        return
    parsed = list(_json_stream(text)) if "slurp" in options.flags else None
    if parsed is not None:
        yield _Input([item.value for item in parsed], text.count("\n"))
        return
    yield from _json_stream(text)


def _json_stream(text: str) -> Iterator[_Input]:
    decoder = json.JSONDecoder()
    position = 0
    while True:
        while position < len(text) and text[position] in " \t\r\n":
            position += 1
        if position >= len(text):
            return
        try:
            value, position = decoder.raw_decode(text, position)
        except json.JSONDecodeError as error:
            kind = "numeric literal" if text[position : position + 1] in "-0123456789" else "literal"
            raise ToolError(
                f"jq: parse error: Invalid {kind} at line {error.lineno}, column {error.colno}", 2
            ) from None
        line = text.count("\n", 0, position) + (1 if text[position : position + 1] == "\n" else 0)
        yield _Input(value, line)


def _render(value: Any, options: _Options) -> str:
    if isinstance(value, str) and options.flags & {"raw", "join"}:
        return value
    compact = "compact" in options.flags
    indent: str | int | None = None if compact else ("\t" if "tab" in options.flags else options.indent)
    return json.dumps(
        normalise(value),
        indent=indent if indent != 0 else None,
        separators=(",", ":") if compact or indent == 0 else (",", ": "),
        ensure_ascii="ascii" in options.flags,
        sort_keys="sort-keys" in options.flags,
    )


@tool
def jq(argv: Sequence[str], stdin: str) -> ProgramResult:
    """Run a jq program over the JSON values on stdin."""
    options = _options(argv[1:])
    if options.files:
        raise ToolError(f"jq: error: Could not open {options.files[0]}: No such file or directory", 2)
    source = options.program if options.program is not None else "."
    try:
        program = compile_program(source, options.variables)
    except JqCompileError as error:
        raise ToolError(f"jq: error: {error} at <top-level>, line 1:\n{source}\njq: 1 compile error", 3) from None
    out: list[str] = []
    last: list[Any] = []
    ending = "" if "join" in options.flags else "\n"
    try:
        for item in _inputs(stdin, options):
            for value in _run(program, item):
                out.append(_render(value, options) + ending)
                last = [value]
    except ToolError as error:
        error.stdout = "".join(out)
        raise
    return ProgramResult("".join(out), "", _exit_status(options, last))


def _run(program: Any, item: _Input) -> Iterator[Any]:
    where = f"<stdin>:{item.line}" if item.line >= 0 else "<unknown>"
    try:
        yield from program(item.value)
    except JqError as error:
        raise ToolError(f"jq: error (at {where}): {error}", 5) from None
    except (TypeError, ValueError, AttributeError, KeyError, IndexError, OverflowError):
        raise ToolError(f"jq: error (at {where}): this filter cannot be applied to that input", 5) from None


def _exit_status(options: _Options, last: list[Any]) -> int:
    if "exit-status" not in options.flags:
        return 0
    if not last:
        return 4
    return 0 if truthy(last[0]) else 1
