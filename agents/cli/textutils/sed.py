"""A GNU sed subset on stdin: ``s///`` (flags g, p, N, I), ``p``, ``d``, ``q``/``Q``, ``=``, ``y``, ``a``/``i``/``c``,
with line, ``$``, ``/re/`` and range addresses and ``!``. ``-n``, ``-e``, ``-E``/``-r``.

Commands that touch files (``w``, ``r``, ``R``, ``W``, ``e`` and the ``s`` flags ``w``/``e``) are refused:
there is no file system, and ``e`` would run a command. Errors read like GNU sed's.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from agents.cli.textutils.common import Option, ProgramResult, ToolError, getopt, join_lines, split_lines, tool
from agents.cli.textutils.posix_regex import PatternError, compile_pattern

_OPTIONS = (
    Option("quiet", "n", "quiet"),
    Option("quiet", None, "silent"),
    Option("expression", "e", "expression", value=True),
    Option("extended", "E", "regexp-extended"),
    Option("extended", "r"),
    Option("in-place", "i", "in-place", optional_value=True),
    Option("file", "f", "file", value=True),
    Option("ignored", "s", "separate"),
    Option("ignored", "u", "unbuffered"),
    Option("ignored", None, "posix"),
)
_FILE_COMMANDS = frozenset("wWrRe")


class _SedError(Exception):
    def __init__(self, position: int, message: str) -> None:
        super().__init__(message)
        self.position = position
        self.message = message


@dataclass(frozen=True)
class _Address:
    kind: str  # "line", "last" or "regex"
    line: int = 0
    regex: re.Pattern[str] | None = None

    def matches(self, text: str, number: int, last: bool) -> bool:
        if self.kind == "line":
            return number == self.line
        if self.kind == "last":
            return last
        return self.regex is not None and self.regex.search(text) is not None


@dataclass
class _Command:
    name: str
    first: _Address | None = None
    second: _Address | None = None
    negate: bool = False
    regex: re.Pattern[str] | None = None
    replace: Callable[[re.Match[str]], str] | None = None
    every: bool = False
    occurrence: int = 1
    print_after: bool = False
    text: str = ""
    exit_code: int = 0
    in_range: bool = field(default=False)


class _Parser:
    def __init__(self, script: str, *, extended: bool) -> None:
        self.script = script
        self.position = 0
        self.extended = extended
        self.last_regex: re.Pattern[str] | None = None

    def commands(self) -> list[_Command]:
        commands: list[_Command] = []
        while True:
            self._skip(" \t\n;")
            if self.position >= len(self.script):
                return commands
            commands.append(self._command())
            self._skip(" \t")
            if self.position < len(self.script) and self.script[self.position] not in ";\n":
                raise _SedError(self.position + 1, "extra characters after command")

    def _skip(self, chars: str) -> None:
        while self.position < len(self.script) and self.script[self.position] in chars:
            self.position += 1

    def _peek(self) -> str:
        return self.script[self.position : self.position + 1]

    def _command(self) -> _Command:
        first = self._address()
        second = None
        if first is not None and self._peek() == ",":
            self.position += 1
            second = self._address()
            if second is None:
                raise _SedError(self.position, "unexpected `,'")
        self._skip(" \t")
        negate = self._peek() == "!"
        if negate:
            self.position += 1
            self._skip(" \t")
        name = self._peek()
        self.position += 1
        if not name:
            raise _SedError(self.position, "missing command")
        command = _Command(name, first, second, negate)
        self._arguments(command)
        return command

    def _address(self) -> _Address | None:
        digits = re.match(r"\d+", self.script[self.position :])
        if digits:
            self.position += digits.end()
            return _Address("line", line=int(digits.group(0)))
        if self._peek() == "$":
            self.position += 1
            return _Address("last")
        if self._peek() in ("/", "\\"):
            if self._peek() == "\\":
                self.position += 1
            delimiter = self._peek()
            self.position += 1
            source = self._until(delimiter, "unterminated address regex")
            flags = ""
            while self._peek() in ("I", "M"):
                flags += self._peek()
                self.position += 1
            return _Address("regex", regex=self._regex(source, ignore_case="I" in flags))
        return None

    def _until(self, delimiter: str, message: str) -> str:
        out: list[str] = []
        while self.position < len(self.script):
            char = self.script[self.position]
            if char == "\\" and self.position + 1 < len(self.script):
                following = self.script[self.position + 1]
                out.append(following if following == delimiter else char + following)
                self.position += 2
                continue
            if char == delimiter:
                self.position += 1
                return "".join(out)
            if char == "\n":
                break
            out.append(char)
            self.position += 1
        raise _SedError(self.position, message)

    def _regex(self, source: str, *, ignore_case: bool) -> re.Pattern[str]:
        if source == "":
            if self.last_regex is None:
                raise _SedError(self.position, "no previous regular expression")
            return self.last_regex
        try:
            self.last_regex = compile_pattern(source, extended=self.extended, ignore_case=ignore_case)
        except PatternError as error:
            raise _SedError(self.position, str(error)) from None
        return self.last_regex

    def _arguments(self, command: _Command) -> None:
        name = command.name
        if name in _FILE_COMMANDS:
            raise _SedError(self.position, f"the `{name}' command is not supported here (no file system)")
        if name == "s":
            self._substitution(command)
        elif name == "y":
            self._transliteration(command)
        elif name in ("a", "i", "c"):
            self._skip(" \t")
            if self.script.startswith("\\\n", self.position) or self._peek() == "\\":
                self.position += 2 if self.script.startswith("\\\n", self.position) else 1
            end = self.script.find("\n", self.position)
            end = len(self.script) if end < 0 else end
            command.text, self.position = self.script[self.position : end], end
        elif name in ("q", "Q"):
            self._skip(" \t")
            digits = re.match(r"\d+", self.script[self.position :])
            if digits:
                command.exit_code = int(digits.group(0))
                self.position += digits.end()
        elif name not in ("p", "d", "="):
            raise _SedError(self.position, f"unknown command: `{name}'")

    def _substitution(self, command: _Command) -> None:
        delimiter = self._peek()
        if delimiter in ("", "\n", "\\"):
            raise _SedError(self.position, "unterminated `s' command")
        self.position += 1
        source = self._until(delimiter, "unterminated `s' command")
        template = self._until(delimiter, "unterminated `s' command")
        ignore_case = False
        while self._peek() and self._peek() not in ";\n} \t":
            flag = self._peek()
            self.position += 1
            if flag == "g":
                command.every = True
            elif flag == "p":
                command.print_after = True
            elif flag in ("i", "I"):
                ignore_case = True
            elif flag.isdigit():
                digits = re.match(r"\d+", self.script[self.position - 1 :])
                command.occurrence = int(digits.group(0)) if digits else 1
                self.position += (digits.end() if digits else 1) - 1
            elif flag in ("w", "e"):
                raise _SedError(self.position, f"the `{flag}' flag of `s' is not supported here")
            elif flag not in ("m", "M"):
                raise _SedError(self.position, "unknown option to `s'")
        command.regex = self._regex(source, ignore_case=ignore_case)
        command.replace = _replacement(template, command.regex.groups, self.position)

    def _transliteration(self, command: _Command) -> None:
        delimiter = self._peek()
        self.position += 1
        source = self._until(delimiter, "unterminated `y' command")
        target = self._until(delimiter, "unterminated `y' command")
        if len(source) != len(target):
            raise _SedError(self.position, "strings for `y' command are different lengths")
        command.text = source + "\0" + target


def _replacement(template: str, groups: int, position: int) -> Callable[[re.Match[str]], str]:
    parts: list[str | int] = []
    index = 0
    while index < len(template):
        char = template[index]
        if char == "&":
            parts.append(0)
        elif char == "\\" and index + 1 < len(template):
            index += 1
            following = template[index]
            if following.isdigit():
                if int(following) > groups:
                    raise _SedError(position, f"invalid reference \\{following} on `s' command's RHS")
                parts.append(int(following))
            else:
                parts.append({"n": "\n", "t": "\t"}.get(following, following))
        else:
            parts.append(char)
        index += 1
    return lambda match: "".join(part if isinstance(part, str) else (match.group(part) or "") for part in parts)


def _substitute(command: _Command, text: str) -> tuple[str, bool]:
    if command.regex is None or command.replace is None:
        raise ValueError("an s command always has a regex and a replacement")
    seen = 0
    replace = command.replace

    def one(match: re.Match[str]) -> str:
        nonlocal seen
        seen += 1
        if seen < command.occurrence or (seen > command.occurrence and not command.every):
            return match.group(0)
        return replace(match)

    result = command.regex.sub(one, text)
    return result, seen >= command.occurrence


def _selected(command: _Command, text: str, number: int, last: bool) -> bool:
    if command.first is None:
        return not command.negate
    if command.second is None:
        return command.first.matches(text, number, last) != command.negate
    return _in_range(command, text, number, last) != command.negate


def _in_range(command: _Command, text: str, number: int, last: bool) -> bool:
    if command.first is None or command.second is None:
        raise ValueError("only a command with two addresses has a range")
    if not command.in_range:
        if not command.first.matches(text, number, last):
            return False
        end = command.second
        command.in_range = not (end.kind == "line" and end.line <= number) and not (end.kind == "last" and last)
        return True
    end = command.second
    if (end.kind == "line" and number >= end.line) or end.matches(text, number, last):
        command.in_range = False
    return True


@tool
def sed(argv: Sequence[str], stdin: str) -> ProgramResult:
    """Run a sed script over stdin."""
    found, operands = getopt("sed", list(argv[1:]), _OPTIONS)
    options = dict(found)
    scripts = [value for key, value in found if key == "expression"]
    if "file" in options:
        raise ToolError(f"sed: couldn't open file {options['file']}: No such file or directory")
    if not scripts:
        if not operands:
            raise ToolError("Usage: sed [OPTION]... {script-only-if-no-other-script} [input-file]...", 1)
        scripts = [operands.pop(0)]
    if operands and operands != ["-"]:
        raise ToolError(f"sed: can't read {operands[0]}: No such file or directory", 2)
    if "in-place" in options:
        raise ToolError("sed: no input files", 1)
    try:
        commands = _Parser("\n".join(scripts), extended="extended" in options).commands()
    except _SedError as error:
        raise ToolError(f"sed: -e expression #1, char {error.position}: {error.message}") from None
    out, status = _execute(commands, split_lines(stdin), quiet="quiet" in options)
    return ProgramResult(join_lines(out), "", status)


def _execute(commands: list[_Command], lines: list[str], *, quiet: bool) -> tuple[list[str], int]:
    out: list[str] = []
    for index, line in enumerate(lines):
        number, last = index + 1, index == len(lines) - 1
        text, appended = line, list[str]()
        deleted, stop = False, None
        for command in commands:
            if not _selected(command, text, number, last):
                continue
            text, deleted, stop = _apply(command, text, number, out, appended)
            if deleted or stop is not None:
                break
        if not deleted and not quiet:
            out.append(text)
        out.extend(appended)
        if stop is not None:
            return out, stop
    return out, 0


def _apply(
    command: _Command, text: str, number: int, out: list[str], appended: list[str]
) -> tuple[str, bool, int | None]:
    name = command.name
    if name == "s":
        text, replaced = _substitute(command, text)
        if replaced and command.print_after:
            out.append(text)
    elif name == "p":
        out.append(text)
    elif name == "=":
        out.append(str(number))
    elif name == "y":
        source, target = command.text.split("\0")
        text = text.translate(str.maketrans(source, target))
    elif name == "a":
        appended.append(command.text)
    elif name == "i":
        out.append(command.text)
    elif name == "c":
        if not command.in_range:
            out.append(command.text)
        return text, True, None
    elif name == "d":
        return text, True, None
    elif name in ("q", "Q"):
        return text, name == "Q", command.exit_code
    return text, False, None
