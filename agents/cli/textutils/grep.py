"""GNU grep over stdin: the options agents use on kubectl output, with grep's output and exit codes.

Exit 0 when a line was selected, 1 when none was, 2 on an error (a bad pattern, a missing file).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from agents.cli.textutils.common import (
    Option,
    ProgramResult,
    Tool,
    ToolError,
    getopt,
    numeric_options,
    parse_count,
    read_operands,
    split_lines,
    tool,
)
from agents.cli.textutils.posix_regex import PatternError, gnu_message, translate

_USAGE = "Usage: grep [OPTION]... PATTERNS [FILE]..."
_VALUE_OPTIONS = frozenset({"-A", "-B", "-C", "-e", "-f", "-m", "--regexp", "--max-count", "--file"})
_OPTIONS = (
    Option("ignore-case", "i", "ignore-case"),
    Option("ignore-case", "y"),
    Option("no-ignore-case", None, "no-ignore-case"),
    Option("invert", "v", "invert-match"),
    Option("extended", "E", "extended-regexp"),
    Option("fixed", "F", "fixed-strings"),
    Option("basic", "G", "basic-regexp"),
    Option("perl", "P", "perl-regexp"),
    Option("word", "w", "word-regexp"),
    Option("line", "x", "line-regexp"),
    Option("count", "c", "count"),
    Option("number", "n", "line-number"),
    Option("only", "o", "only-matching"),
    Option("quiet", "q", "quiet"),
    Option("quiet", None, "silent"),
    Option("no-messages", "s", "no-messages"),
    Option("no-filename", "h", "no-filename"),
    Option("with-filename", "H", "with-filename"),
    Option("files-with-matches", "l", "files-with-matches"),
    Option("files-without-match", "L", "files-without-match"),
    Option("after", "A", "after-context", value=True),
    Option("before", "B", "before-context", value=True),
    Option("context", "C", "context", value=True),
    Option("regexp", "e", "regexp", value=True),
    Option("file", "f", "file", value=True),
    Option("max-count", "m", "max-count", value=True),
    Option("ignored", "a", "text"),
    Option("ignored", "I"),
    Option("ignored", None, "line-buffered"),
    Option("ignored", None, "color", optional_value=True),
    Option("ignored", None, "colour", optional_value=True),
    Option("recursive", "r", "recursive"),
    Option("recursive", "R", "dereference-recursive"),
)


@dataclass
class _Settings:
    patterns: list[str]
    ignore_case: bool = False
    invert: bool = False
    mode: str = "basic"
    word: bool = False
    line: bool = False
    count: bool = False
    number: bool = False
    only: bool = False
    quiet: bool = False
    prefix: str = ""
    list_files: str = ""
    after: int = 0
    before: int = 0
    max_count: int = -1


def _grep_for(mode: str) -> Tool:
    @tool
    def run(argv: Sequence[str], stdin: str) -> ProgramResult:
        settings, operands = _settings(list(argv[1:]), default_mode=mode)
        text = read_operands("grep", operands, stdin, exit_code=2)
        regex = _compile(settings)
        return _search(settings, regex, split_lines(text))

    return run


def _settings(args: list[str], *, default_mode: str) -> tuple[_Settings, list[str]]:
    args = numeric_options(args, "-C{}", _VALUE_OPTIONS)
    found, operands = getopt("grep", args, _OPTIONS, exit_code=2, usage=_USAGE)
    settings = _Settings(patterns=[], mode=default_mode)
    for key, value in found:
        _apply(settings, key, value)
    if not settings.patterns:
        if not operands:
            raise ToolError(f"{_USAGE}\nTry 'grep --help' for more information.", 2)
        settings.patterns = operands.pop(0).split("\n")
    return settings, operands


def _apply(settings: _Settings, key: str, value: str) -> None:
    flags = {"invert", "word", "line", "count", "number", "only", "quiet"}
    if key in flags:
        setattr(settings, key, True)
    elif key in ("ignore-case", "no-ignore-case"):
        settings.ignore_case = key == "ignore-case"
    elif key in ("extended", "fixed", "basic", "perl"):
        settings.mode = key
    elif key in ("after", "before", "context"):
        number = _context_number(value)
        settings.after = number if key != "before" else settings.after
        settings.before = number if key != "after" else settings.before
    elif key == "max-count":
        settings.max_count = parse_count("grep", value, "matches")
    elif key == "regexp":
        settings.patterns.extend(value.split("\n"))
    elif key == "with-filename":
        settings.prefix = "(standard input)"
    elif key == "no-filename":
        settings.prefix = ""
    elif key in ("files-with-matches", "files-without-match"):
        settings.list_files = key
    elif key == "file":
        raise ToolError(f"grep: {value}: No such file or directory", 2)
    elif key == "recursive":
        raise ToolError("grep: warning: recursive search of stdin\ngrep: there is no file system to search", 2)


def _context_number(value: str) -> int:
    if not value.isascii() or not value.isdigit():
        raise ToolError(f"grep: {value}: invalid context length argument", 2)
    return int(value)


def _compile(settings: _Settings) -> re.Pattern[str]:
    try:
        if settings.mode == "fixed":
            parts = [re.escape(pattern) for pattern in settings.patterns]
        elif settings.mode == "perl":
            parts = list(settings.patterns)
        else:
            parts = [translate(pattern, extended=settings.mode == "extended") for pattern in settings.patterns]
        combined = "|".join(f"(?:{part})" for part in parts)
        if settings.word:
            combined = f"(?<!\\w)(?:{combined})(?!\\w)"
        if settings.line:
            combined = f"^(?:{combined})$"
        return re.compile(combined, re.IGNORECASE if settings.ignore_case else 0)
    except PatternError as error:
        raise ToolError(f"grep: {error}", 2) from None
    except re.error as error:
        raise ToolError(f"grep: {gnu_message(str(error))}", 2) from None


def _search(settings: _Settings, regex: re.Pattern[str], lines: list[str]) -> ProgramResult:
    selected = _selected(settings, regex, lines)
    status = 0 if selected else 1
    if settings.quiet:
        return ProgramResult("", "", status)
    if settings.list_files:
        listed = bool(selected) == (settings.list_files == "files-with-matches")
        return ProgramResult("(standard input)\n" if listed else "", "", status)
    if settings.count:
        prefix = f"{settings.prefix}:" if settings.prefix else ""
        return ProgramResult(f"{prefix}{len(selected)}\n", "", status)
    if settings.only:
        return ProgramResult(_only_matching(settings, regex, lines, selected), "", status)
    return ProgramResult(_with_context(settings, lines, selected), "", status)


def _selected(settings: _Settings, regex: re.Pattern[str], lines: list[str]) -> list[int]:
    chosen: list[int] = []
    for index, line in enumerate(lines):
        if len(chosen) == settings.max_count:
            break
        if (regex.search(line) is not None) != settings.invert:
            chosen.append(index)
    return chosen


def _prefix(settings: _Settings, index: int, separator: str) -> str:
    parts = [settings.prefix] if settings.prefix else []
    if settings.number:
        parts.append(str(index + 1))
    return "".join(f"{part}{separator}" for part in parts)


def _only_matching(settings: _Settings, regex: re.Pattern[str], lines: list[str], selected: list[int]) -> str:
    if settings.invert:
        return ""
    out = []
    for index in selected:
        for match in regex.finditer(lines[index]):
            if match.group(0):
                out.append(f"{_prefix(settings, index, ':')}{match.group(0)}\n")
    return "".join(out)


def _with_context(settings: _Settings, lines: list[str], selected: list[int]) -> str:
    chosen = set(selected)
    shown: set[int] = set()
    for index in selected:
        shown.update(range(max(0, index - settings.before), min(len(lines), index + settings.after + 1)))
    out: list[str] = []
    previous: int | None = None
    for index in sorted(shown):
        if previous is not None and index != previous + 1 and (settings.before or settings.after):
            out.append("--\n")
        separator = ":" if index in chosen else "-"
        out.append(f"{_prefix(settings, index, separator)}{lines[index]}\n")
        previous = index
    return "".join(out)


grep = _grep_for("basic")
egrep = _grep_for("extended")
fgrep = _grep_for("fixed")
