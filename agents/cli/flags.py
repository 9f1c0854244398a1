"""A flag scanner with the rules of spf13/pflag, the library behind kubectl's and helm's command lines.

Both tools share its quirks, and agents lean on them: ``-n ns`` and ``-nns`` and ``-n=ns`` are one flag,
``-it`` is two booleans, a value-taking flag swallows the next argument whatever it looks like
(``--tail -1``), flags may come after positionals, and ``--`` ends flag parsing. Errors carry pflag's
wording without a program prefix; the kubectl and helm parsers add theirs.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

FlagKind = Literal["bool", "string", "int", "list", "array"]
FlagValue = str | bool | int | tuple[str, ...]


class FlagError(ValueError):
    """A command line pflag would reject; ``str(error)`` is pflag's message, such as ``unknown flag: --x``."""


@dataclass(frozen=True)
class Flag:
    """One flag. ``list`` values split on commas (pflag's StringSlice), ``array`` values do not (StringArray).

    ``no_opt_default`` is the value a flag takes when given bare (``--dry-run`` means ``unchanged``);
    booleans always have one."""

    name: str
    short: str | None = None
    kind: FlagKind = "string"
    no_opt_default: str | None = None

    @property
    def bare_value(self) -> str | None:
        """What the flag means without ``=value``, or None when it needs a value."""
        return "true" if self.kind == "bool" else self.no_opt_default

    @property
    def display(self) -> str:
        """How pflag names the flag in a conversion error: ``-p, --previous`` or ``--tail``."""
        return f"-{self.short}, --{self.name}" if self.short else f"--{self.name}"


@dataclass(frozen=True)
class ScannedArgs:
    """Flags by long name, positionals in order, and what followed ``--`` (None when there was none)."""

    flags: Mapping[str, FlagValue]
    positionals: tuple[str, ...]
    after_dashdash: tuple[str, ...] | None


def flag_table(*groups: Iterable[Flag]) -> dict[str, Flag]:
    """Index flags by long name; a later group's flag overrides an earlier one of the same name."""
    return {flag.name: flag for group in groups for flag in group}


def scan_flags(args: Sequence[str], table: Mapping[str, Flag]) -> ScannedArgs:
    """Split ``args`` into flags and positionals, as pflag does (interspersed flags allowed)."""
    shorts = {flag.short: flag for flag in table.values() if flag.short}
    values: dict[str, FlagValue] = {}
    positionals: list[str] = []
    index = 0
    while index < len(args):
        arg = args[index]
        index += 1
        if arg == "--":
            return ScannedArgs(values, tuple(positionals), tuple(args[index:]))
        if arg.startswith("--"):
            index = _long_flag(arg[2:], args, index, table, values)
        elif arg.startswith("-") and arg != "-":
            index = _short_cluster(arg[1:], args, index, shorts, values)
        else:
            positionals.append(arg)
    return ScannedArgs(values, tuple(positionals), None)


def _long_flag(body: str, args: Sequence[str], index: int, table: Mapping[str, Flag], out: dict[str, FlagValue]) -> int:
    name, has_value, value = body.partition("=")
    flag = table.get(name)
    if flag is None or not name:
        raise FlagError(f"unknown flag: --{name}")
    if not has_value:
        bare = flag.bare_value
        if bare is not None:
            value = bare
        elif index < len(args):
            value = args[index]
            index += 1
        else:
            raise FlagError(f"flag needs an argument: --{name}")
    _store(flag, value, out)
    return index


def _short_cluster(
    letters: str, args: Sequence[str], index: int, shorts: Mapping[str, Flag], out: dict[str, FlagValue]
) -> int:
    position = 0
    while position < len(letters):
        letter = letters[position]
        rest = letters[position + 1 :]
        flag = shorts.get(letter)
        if flag is None:
            raise FlagError(f"unknown shorthand flag: {letter!r} in -{letters}")
        if rest.startswith("="):
            _store(flag, rest[1:], out)
            return index
        bare = flag.bare_value
        if bare is not None:
            _store(flag, bare, out)
            position += 1
            continue
        if rest:
            _store(flag, rest, out)
        elif index < len(args):
            _store(flag, args[index], out)
            index += 1
        else:
            raise FlagError(f"flag needs an argument: {letter!r} in -{letters}")
        return index
    return index


def _store(flag: Flag, raw: str, out: dict[str, FlagValue]) -> None:
    if flag.kind == "bool":
        out[flag.name] = _parse_bool(flag, raw)
    elif flag.kind == "int":
        out[flag.name] = _parse_int(flag, raw)
    elif flag.kind in ("list", "array"):
        previous = out.get(flag.name, ())
        items = tuple(raw.split(",")) if flag.kind == "list" else (raw,)
        out[flag.name] = (*previous, *items) if isinstance(previous, tuple) else items
    else:
        out[flag.name] = raw


def _parse_bool(flag: Flag, raw: str) -> bool:
    # Go's strconv.ParseBool accepts exactly these spellings.
    if raw in ("1", "t", "T", "TRUE", "true", "True"):
        return True
    if raw in ("0", "f", "F", "FALSE", "false", "False"):
        return False
    raise FlagError(
        f'invalid argument "{raw}" for "{flag.display}" flag: strconv.ParseBool: parsing "{raw}": invalid syntax'
    )


def _parse_int(flag: Flag, raw: str) -> int:
    text = raw[1:] if raw[:1] in "+-" else raw
    if not text.isascii() or not text.isdigit():
        raise FlagError(
            f'invalid argument "{raw}" for "{flag.display}" flag: strconv.ParseInt: parsing "{raw}": invalid syntax'
        )
    return int(raw)


def find_command(tokens: Sequence[str], table: Mapping[str, Flag]) -> int | None:
    """Index of the first positional, stepping over flags as cobra does when it looks for a subcommand.

    A known flag that takes a value swallows the next arg; an unknown ``--flag`` or two-character
    ``-x`` without ``=`` is assumed to take one too (cobra's guess, kept because kubectl behaves so)."""
    shorts = {flag.short: flag for flag in table.values() if flag.short}
    index = 0
    while index < len(tokens):
        arg = tokens[index]
        if arg == "--":
            return None
        if not arg.startswith("-") or arg == "-":
            return index
        index += 1 + _swallows_next(arg, table, shorts)
    return None


def _swallows_next(arg: str, table: Mapping[str, Flag], shorts: Mapping[str, Flag]) -> int:
    if "=" in arg:
        return 0
    if arg.startswith("--"):
        flag = table.get(arg[2:])
        return 1 if flag is None or flag.bare_value is None else 0
    if len(arg) != 2:
        return 0
    short = shorts.get(arg[1])
    return 1 if short is None or short.bare_value is None else 0
