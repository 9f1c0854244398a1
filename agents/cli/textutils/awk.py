"""A small awk: the one-liners agents put after kubectl, and gawk's syntax error for anything more.

Supported programs are rules ``PATTERN { ACTION }`` separated by newlines or ``;``, where PATTERN is
``/re/``, ``!/re/``, ``NR op N``, ``NF op N``, ``$N op value``, ``$N ~ /re/`` or ``$N !~ /re/`` (or absent), and
ACTION is ``print`` or ``printf`` of fields (``$1``, ``$NF``, ``$(NF-1)``), ``NR``, ``NF``, strings and numbers,
comma-separated (joined by a space) or juxtaposed (concatenated). ``BEGIN``/``END`` rules run such actions
before and after the input (``END {print NR}``). ``-F`` sets the field separator. No variables, no
arithmetic, no output redirection, no ``system()``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from agents.cli.textutils.common import Option, ProgramResult, ToolError, getopt, split_lines, tool
from agents.cli.textutils.posix_regex import PatternError, compile_pattern
from agents.cli.textutils.printf import format_printf

_TOKEN = re.compile(
    r"""\s*(?:
        (?P<number>\d+(?:\.\d+)?)
      | (?P<string>"(?:[^"\\]|\\.)*")
      | (?P<regex>/(?:[^/\\]|\\.)*/)
      | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
      | (?P<op>!~|==|!=|<=|>=|[<>~!$(){},;\-+])
    )""",
    re.VERBOSE,
)
_COMPARISONS: dict[str, Callable[[object, object], bool]] = {
    "==": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
    "<": lambda a, b: a < b,  # type: ignore[operator]
    "<=": lambda a, b: a <= b,  # type: ignore[operator]
    ">": lambda a, b: a > b,  # type: ignore[operator]
    ">=": lambda a, b: a >= b,  # type: ignore[operator]
}
_STRING_ESCAPES = {"n": "\n", "t": "\t", "\\": "\\", '"': '"', "/": "/", "r": "\r"}


class _AwkSyntaxError(Exception):
    def __init__(self, offset: int) -> None:
        super().__init__(offset)
        self.offset = offset


@dataclass(frozen=True)
class _Record:
    line: str
    fields: list[str]
    number: int


Value = Callable[[_Record], str]
Pattern = Callable[[_Record], bool]


@dataclass(frozen=True)
class _Rule:
    pattern: Pattern | None
    action: Callable[[_Record], str] | None
    phase: str = "main"  # "BEGIN" and "END" rules run before the first and after the last record


class _Parser:
    def __init__(self, program: str) -> None:
        self.program = program
        self.tokens: list[tuple[str, str, int]] = []
        position = 0
        while position < len(program):
            if program[position].isspace() and program[position] != "\n":
                position += 1
                continue
            if program[position] == "\n":
                self.tokens.append(("op", ";", position))
                position += 1
                continue
            match = _TOKEN.match(program, position)
            if match is None or match.lastgroup is None:
                raise _AwkSyntaxError(position)
            self.tokens.append((match.lastgroup, match.group(match.lastgroup), match.start(match.lastgroup)))
            position = match.end()
        self.index = 0

    def peek(self) -> tuple[str, str, int]:
        return self.tokens[self.index] if self.index < len(self.tokens) else ("end", "", len(self.program))

    def take(self, text: str | None = None) -> tuple[str, str, int]:
        token = self.peek()
        if token[0] == "end" or (text is not None and token[1] != text):
            raise _AwkSyntaxError(token[2])
        self.index += 1
        return token

    def rules(self) -> list[_Rule]:
        rules: list[_Rule] = []
        while self.peek()[0] != "end":
            if self.peek()[1] == ";":
                self.index += 1
                continue
            if self.peek()[1] in ("BEGIN", "END"):
                phase = self.take()[1]
                if self.peek()[1] != "{":
                    raise _AwkSyntaxError(self.peek()[2])
                rules.append(_Rule(None, self.action(), phase))
                continue
            pattern = None if self.peek()[1] == "{" else self.pattern()
            action = self.action() if self.peek()[1] == "{" else None
            rules.append(_Rule(pattern, action))
        return rules

    def pattern(self) -> Pattern:
        kind, text, _ = self.peek()
        if kind == "regex":
            self.index += 1
            regex = _regex(text)
            return lambda record: regex.search(record.line) is not None
        if text == "!" and self.tokens[self.index + 1 : self.index + 2] and self.tokens[self.index + 1][0] == "regex":
            self.index += 1
            inner = self.pattern()
            return lambda record: not inner(record)
        left = self.value()
        operator = self.take()
        if operator[1] in ("~", "!~"):
            if self.peek()[0] != "regex":
                raise _AwkSyntaxError(self.peek()[2])
            matcher = _regex(self.take()[1])
            negate = operator[1] == "!~"
            return lambda record: (matcher.search(left(record)) is not None) != negate
        if operator[1] not in _COMPARISONS:
            raise _AwkSyntaxError(operator[2])
        compare = _COMPARISONS[operator[1]]
        right = self.value()
        return lambda record: compare(*_comparable(left(record), right(record)))

    def action(self) -> Callable[[_Record], str]:
        self.take("{")
        statements: list[Callable[[_Record], str]] = []
        while self.peek()[1] != "}":
            if self.peek()[1] == ";":
                self.index += 1
                continue
            statements.append(self.statement())
        self.take("}")
        return lambda record: "".join(statement(record) for statement in statements)

    def statement(self) -> Callable[[_Record], str]:
        kind, text, offset = self.take()
        if kind != "name" or text not in ("print", "printf"):
            raise _AwkSyntaxError(offset)
        groups: list[list[Value]] = []
        while self.peek()[1] not in (";", "}") and self.peek()[0] != "end":
            if self.peek()[1] == ",":
                self.index += 1
                continue
            groups.append(self.expression())
        values = [_concatenation(group) for group in groups]
        if text == "printf":
            if not values:
                raise _AwkSyntaxError(offset)
            return lambda record: format_printf(
                values[0](record), [value(record) for value in values[1:]], escapes=False
            )[0]
        return lambda record: " ".join(value(record) for value in values) + "\n" if values else record.line + "\n"

    def expression(self) -> list[Value]:
        parts = [self.value()]
        while self.peek()[1] not in (",", ";", "}") and self.peek()[0] != "end":
            parts.append(self.value())
        return parts

    def value(self) -> Value:
        kind, text, offset = self.take()
        if kind == "number":
            return lambda record: text
        if kind == "string":
            literal = _unescape(text[1:-1])
            return lambda record: literal
        if kind == "name" and text in ("NR", "NF"):
            return (lambda record: str(record.number)) if text == "NR" else (lambda record: str(len(record.fields)))
        if text == "$":
            return self.field()
        raise _AwkSyntaxError(offset)

    def field(self) -> Value:
        kind, text, offset = self.take()
        if kind == "number" and text.isdigit():
            number = int(text)
            return lambda record: _field(record, number)
        if kind == "name" and text == "NF":
            return lambda record: _field(record, len(record.fields))
        if text == "(":
            self.take("NF")
            sign = self.take()[1]
            amount = self.take()
            self.take(")")
            if sign not in ("-", "+") or amount[0] != "number" or not amount[1].isdigit():
                raise _AwkSyntaxError(amount[2])
            step = int(amount[1]) * (-1 if sign == "-" else 1)
            return lambda record: _field(record, len(record.fields) + step)
        raise _AwkSyntaxError(offset)


def _regex(text: str) -> re.Pattern[str]:
    try:
        return compile_pattern(text[1:-1].replace("\\/", "/"), extended=True)
    except PatternError as error:
        raise ToolError(f"awk: cmd. line:1: fatal: invalid regexp: {error}: {text}", 2) from None


def _unescape(text: str) -> str:
    return re.sub(r"\\(.)", lambda match: _STRING_ESCAPES.get(match.group(1), match.group(1)), text)


def _field(record: _Record, number: int) -> str:
    if number == 0:
        return record.line
    if number < 0:
        raise ToolError(
            f"awk: cmd. line:1: (FILENAME=- FNR={record.number}) fatal: attempt to access field {number}", 2
        )
    return record.fields[number - 1] if number <= len(record.fields) else ""


def _concatenation(parts: list[Value]) -> Value:
    return lambda record: "".join(part(record) for part in parts)


def _comparable(left: str, right: str) -> tuple[object, object]:
    """awk compares numerically when both sides look like numbers, else as strings."""
    try:
        return float(left), float(right)
    except ValueError:
        return left, right


def _splitter(separator: str | None) -> Callable[[str], list[str]]:
    if separator is None or separator == " ":
        return str.split
    if separator == "\\t" or separator == "t":
        return lambda line: line.split("\t")
    if len(separator) == 1:
        return lambda line: line.split(separator)
    regex = compile_pattern(separator, extended=True)
    return lambda line: regex.split(line)


_OPTIONS = (Option("separator", "F", "field-separator", value=True),)


@tool
def awk(argv: Sequence[str], stdin: str) -> ProgramResult:
    """Run a print/printf-only awk program over stdin."""
    found, operands = getopt("awk", list(argv[1:]), _OPTIONS, exit_code=2)
    if not operands:
        raise ToolError(
            "usage: awk [POSIX or GNU style options] -f progfile [--] file ...\n"
            "usage: awk [POSIX or GNU style options] [--] 'program' file ...",
            2,
        )
    program, files = operands[0], operands[1:]
    if files and files != ["-"]:
        raise ToolError(f"awk: fatal: cannot open file `{files[0]}' for reading: No such file or directory", 2)
    try:
        rules = _Parser(program).rules()
    except _AwkSyntaxError as error:
        caret = " " * min(error.offset, len(program)) + "^"
        raise ToolError(f"awk: cmd. line:1: {program}\nawk: cmd. line:1: {caret} syntax error", 1) from None
    split = _splitter(dict(found).get("separator"))
    out: list[str] = []
    record = _Record("", [], 0)
    _run_rules(rules, "BEGIN", record, out)
    for number, line in enumerate(split_lines(stdin), start=1):
        record = _Record(line, split(line), number)
        _run_rules(rules, "main", record, out)
    _run_rules(rules, "END", record, out)
    return ProgramResult("".join(out))


def _run_rules(rules: list[_Rule], phase: str, record: _Record, out: list[str]) -> None:
    for rule in rules:
        if rule.phase == phase and (rule.pattern is None or rule.pattern(record)):
            out.append(rule.action(record) if rule.action else record.line + "\n")
