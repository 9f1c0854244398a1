"""What every built-in tool shares: its result type, GNU-style option parsing and error wording, lines.

There is no file system behind these tools: a file operand other than ``-`` gets coreutils'
``NAME: FILE: No such file or directory``, so an agent learns the truth rather than an empty answer.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class ProgramResult:
    """What a program wrote and how it exited."""

    stdout: str = ""
    stderr: str = ""
    exit_code: int = 0


class ToolError(Exception):
    """Ends a tool with ``message`` on stderr (a newline is added) and ``exit_code``; keeps any stdout so far."""

    def __init__(self, message: str, exit_code: int = 1, stdout: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.exit_code = exit_code
        self.stdout = stdout


Tool = Callable[[Sequence[str], str], ProgramResult]


def tool(function: Tool) -> Tool:
    """Turn a ``ToolError`` raised by ``function`` into the result a failing program returns."""

    @functools.wraps(function)
    def run(argv: Sequence[str], stdin: str) -> ProgramResult:
        try:
            return function(argv, stdin)
        except ToolError as error:
            return ProgramResult(error.stdout, f"{error.message}\n", error.exit_code)

    return run


@dataclass(frozen=True)
class Option:
    """One option: its short letter, long name, whether it takes a value, and the key results use."""

    key: str
    short: str | None = None
    long: str | None = None
    value: bool = False
    optional_value: bool = False


def usage_error(program: str, message: str, exit_code: int = 1, usage: str | None = None) -> ToolError:
    """GNU's shape: the complaint, an optional usage line, then where to read more."""
    lines = [f"{program}: {message}", *([usage] if usage else []), f"Try '{program} --help' for more information."]
    return ToolError("\n".join(lines), exit_code)


def getopt(
    program: str, args: Sequence[str], options: Sequence[Option], *, exit_code: int = 1, usage: str | None = None
) -> tuple[list[tuple[str, str]], list[str]]:
    """GNU getopt_long with argument permutation: options anywhere until ``--``; unique long prefixes."""
    shorts = {option.short: option for option in options if option.short}
    found: list[tuple[str, str]] = []
    operands: list[str] = []
    index = 0
    while index < len(args):
        arg = args[index]
        index += 1
        if arg == "--":
            operands.extend(args[index:])
            break
        if arg.startswith("--"):
            index = _long_option(program, arg, args, index, options, found, (exit_code, usage))
        elif arg.startswith("-") and arg != "-":
            index = _short_options(program, arg, args, index, shorts, found, (exit_code, usage))
        else:
            operands.append(arg)
    return found, operands


_Failure = tuple[int, str | None]


def _long_option(
    program: str,
    arg: str,
    args: Sequence[str],
    index: int,
    options: Sequence[Option],
    found: list[tuple[str, str]],
    failure: _Failure,
) -> int:
    name, has_value, value = arg[2:].partition("=")
    exact = [option for option in options if option.long == name]
    matches = exact or [option for option in options if option.long and option.long.startswith(name)]
    if len(matches) != 1:
        what = "unrecognized" if not matches else "ambiguous"
        raise usage_error(program, f"{what} option '--{name}'", *failure)
    option = matches[0]
    if has_value and not (option.value or option.optional_value):
        raise usage_error(program, f"option '--{option.long}' doesn't allow an argument", *failure)
    if option.value and not has_value:
        if index >= len(args):
            raise usage_error(program, f"option '--{option.long}' requires an argument", *failure)
        value, index = args[index], index + 1
    found.append((option.key, value))
    return index


def _short_options(
    program: str,
    arg: str,
    args: Sequence[str],
    index: int,
    shorts: dict[str, Option],
    found: list[tuple[str, str]],
    failure: _Failure,
) -> int:
    for position, letter in enumerate(arg[1:], start=1):
        option = shorts.get(letter)
        if option is None:
            raise usage_error(program, f"invalid option -- '{letter}'", *failure)
        if not option.value:
            found.append((option.key, ""))
            continue
        rest = arg[position + 1 :]
        if rest:
            found.append((option.key, rest))
        elif index < len(args):
            found.append((option.key, args[index]))
            index += 1
        else:
            raise usage_error(program, f"option requires an argument -- '{letter}'", *failure)
        break
    return index


def numeric_options(args: Sequence[str], template: str, takes_value: frozenset[str]) -> list[str]:
    """Rewrite obsolete ``-NUM`` options (``head -5``, ``grep -2``) as ``template.format(NUM)``, leaving a
    ``-NUM`` alone where it is the value of the option before it (``head -n -3``)."""
    out: list[str] = []
    for position, arg in enumerate(args):
        previous = args[position - 1] if position else ""
        if re.fullmatch(r"-\d+", arg) and previous not in takes_value and "--" not in args[:position]:
            out.append(template.format(arg[1:]))
        else:
            out.append(arg)
    return out


def read_operands(program: str, operands: Sequence[str], stdin: str, *, exit_code: int = 1) -> str:
    """The text the operands name: stdin for none or ``-``; a named file is an error (no file system)."""
    if not operands:
        return stdin
    missing = [name for name in operands if name != "-"]
    if missing:
        raise ToolError(f"{program}: {missing[0]}: No such file or directory", exit_code)
    return stdin


def lines_with_ends(text: str) -> list[str]:
    """Split on ``\\n`` only, keeping each line's newline; a last line without one keeps none."""
    return re.findall(r"[^\n]*\n|[^\n]+$", text)


def split_lines(text: str) -> list[str]:
    """Lines without their newlines; a final newline does not make an empty last line."""
    return [line.rstrip("\n") for line in lines_with_ends(text)]


def join_lines(lines: Sequence[str]) -> str:
    """Each line followed by a newline, as line-oriented tools print them."""
    return "".join(f"{line}\n" for line in lines)


def parse_count(program: str, text: str, what: str) -> int:
    """A decimal count as coreutils reads one, or its ``invalid number of ...`` error."""
    digits = text.lstrip("+-")
    if not digits.isascii() or not digits.isdigit():
        raise ToolError(f"{program}: invalid number of {what}: {quote(text)}")
    return int(text)


def quote(text: str) -> str:
    """Coreutils' quoting of a value in a message, in a UTF-8 locale: \u2018text\u2019."""
    return f"\u2018{text}\u2019"
