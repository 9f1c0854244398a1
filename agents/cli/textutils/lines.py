"""head, tail and wc (GNU coreutils), on stdin."""

from __future__ import annotations

import re
from collections.abc import Sequence

from agents.cli.textutils.common import (
    Option,
    ProgramResult,
    getopt,
    lines_with_ends,
    numeric_options,
    parse_count,
    read_operands,
    tool,
)

_HEAD_OPTIONS = (
    Option("lines", "n", "lines", value=True),
    Option("bytes", "c", "bytes", value=True),
    Option("ignored", "q", "quiet"),
    Option("ignored", None, "silent"),
    Option("ignored", "v", "verbose"),
)
_TAIL_OPTIONS = (
    *_HEAD_OPTIONS,
    Option("ignored", "f", "follow", optional_value=True),
    Option("ignored", "F"),
    Option("ignored", None, "retry"),
    Option("ignored", "s", "sleep-interval", value=True),
    Option("ignored", None, "pid", value=True),
)
_WC_OPTIONS = (
    Option("lines", "l", "lines"),
    Option("words", "w", "words"),
    Option("chars", "m", "chars"),
    Option("bytes", "c", "bytes"),
    Option("max-line-length", "L", "max-line-length"),
)


_VALUE_OPTIONS = frozenset({"-n", "-c", "--lines", "--bytes", "-s", "--sleep-interval", "--pid"})


def _obsolete_count(args: list[str]) -> list[str]:
    """``head -5`` is ``head -n 5``."""
    return numeric_options(args, "-n{}", _VALUE_OPTIONS)


@tool
def head(argv: Sequence[str], stdin: str) -> ProgramResult:
    """The first lines (``-n N``; ``-n -N``: all but the last N) or bytes (``-c``)."""
    found, operands = getopt("head", _obsolete_count(list(argv[1:])), _HEAD_OPTIONS)
    text = read_operands("head", operands, stdin)
    mode, count_text = "lines", "10"
    for key, value in found:
        if key != "ignored":
            mode, count_text = key, value
    count = parse_count("head", count_text, mode)
    if mode == "bytes":
        data = text.encode()
        kept = data[:count] if not count_text.startswith("-") else data[: max(0, len(data) + count)]
        return ProgramResult(kept.decode(errors="ignore"))
    lines = lines_with_ends(text)
    kept_lines = lines[:count] if not count_text.startswith("-") else lines[: max(0, len(lines) + count)]
    return ProgramResult("".join(kept_lines))


@tool
def tail(argv: Sequence[str], stdin: str) -> ProgramResult:
    """The last lines (``-n N``) or from a line on (``-n +N``); ``-f`` is ignored, as on a pipe."""
    args = _obsolete_count(list(argv[1:]))
    if args and re.fullmatch(r"\+\d+", args[0]):
        args[0] = f"-n{args[0]}"
    found, operands = getopt("tail", args, _TAIL_OPTIONS)
    text = read_operands("tail", operands, stdin)
    mode, count_text = "lines", "10"
    for key, value in found:
        if key != "ignored":
            mode, count_text = key, value
    count = abs(parse_count("tail", count_text, mode))
    from_start = count_text.startswith("+")
    if mode == "bytes":
        data = text.encode()
        kept = data[max(0, count - 1) :] if from_start else data[len(data) - count :] if count else b""
        return ProgramResult(kept.decode(errors="ignore"))
    lines = lines_with_ends(text)
    kept_lines = lines[max(0, count - 1) :] if from_start else lines[len(lines) - count :] if count else []
    return ProgramResult("".join(kept_lines))


@tool
def wc(argv: Sequence[str], stdin: str) -> ProgramResult:
    """Counts of lines, words, characters, bytes; one count alone is printed bare, several in width 7."""
    found, operands = getopt("wc", list(argv[1:]), _WC_OPTIONS)
    text = read_operands("wc", operands, stdin)
    wanted = {key for key, _ in found} or {"lines", "words", "bytes"}
    counts = {
        "lines": text.count("\n"),
        "words": len(text.split()),
        "chars": len(text),
        "bytes": len(text.encode()),
        "max-line-length": max((len(line.rstrip("\n")) for line in lines_with_ends(text)), default=0),
    }
    shown = [counts[key] for key in ("lines", "words", "chars", "bytes", "max-line-length") if key in wanted]
    if len(shown) == 1:
        return ProgramResult(f"{shown[0]}\n")
    return ProgramResult(" ".join(f"{count:7d}" for count in shown) + "\n")
