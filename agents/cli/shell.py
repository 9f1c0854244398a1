"""The shell behind ``exec_shell``: command lines parsed and run as argv lists, never handed to a shell.

A line is pipelines (``a | b``) joined by ``;``, ``&&``, ``||`` or newlines, with here-documents and
here-strings as a stage's stdin and ``2>&1`` / ``2>/dev/null`` kept. Everything else a real shell would
expand or redirect is refused before anything runs (``agents.cli.shell_lexer``).

This is the security boundary of a Probe (DESIGN invariant 3): with ``read_only=True`` every stage of
every pipeline is classified (``agents.cli.access``) before the first one runs, and a line holding any
stage that is not a known read runs nothing at all.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal, Protocol

from agents.cli.access import Access, AccessDecision, blocked_command_message, command_access, read_only_refusal
from agents.cli.shell_lexer import Lexer, ShellSyntaxError, Token, unsupported
from agents.cli.textutils import BUILTIN_PROGRAMS
from agents.cli.textutils.common import ProgramResult

__all__ = [
    "CommandLine",
    "Pipeline",
    "Program",
    "ProgramResult",
    "ShellOutcome",
    "ShellSyntaxError",
    "Stage",
    "parse_command_line",
    "run_command_line",
]

# Reserved words bash would treat as compound commands when they stand in command position, unquoted.
_COMPOUND_WORDS = frozenset(
    {"if", "then", "else", "elif", "fi", "case", "esac", "for", "select", "while", "until", "do", "done"}
    | {"function", "time", "coproc", "[[", "]]", "!"}
)
_REFUSED_EXIT = 1
_SYNTAX_EXIT = 2


@dataclass(frozen=True)
class Stage:
    """One command of a pipeline. ``stdin`` is a here-document's or here-string's text, which wins over
    the pipe; ``stderr_redirect`` is ``&1`` (merged into stdout) or ``/dev/null`` (dropped)."""

    argv: tuple[str, ...]
    stdin: str | None = None
    stderr_redirect: Literal["&1", "/dev/null"] | None = None
    line: int = field(default=1, compare=False)


@dataclass(frozen=True)
class Pipeline:
    """Stages whose stdout feeds the next one's stdin: ``a | b | c``."""

    stages: tuple[Stage, ...]


@dataclass(frozen=True)
class CommandLine:
    """A parsed line: pipelines and the ``;``/``&&``/``||`` between them (newlines read as ``;``)."""

    source: str
    pipelines: tuple[Pipeline, ...]
    operators: tuple[str, ...]

    @property
    def stages(self) -> tuple[Stage, ...]:
        """Every stage of every pipeline, in order."""
        return tuple(stage for pipeline in self.pipelines for stage in pipeline.stages)


class Program(Protocol):
    """A command the shell can run: kubectl, helm, a text tool. Gets its argv and stdin, returns its output."""

    def __call__(self, argv: Sequence[str], stdin: str) -> ProgramResult: ...


@dataclass(frozen=True)
class ShellOutcome:
    """What running a line did. ``refused``: nothing ran. ``wrote``: a stage that is not a known read ran.
    ``argvs``: every parsed stage's argv, whether it ran or not, for the record."""

    output: str
    exit_code: int
    refused: bool
    wrote: bool
    argvs: tuple[tuple[str, ...], ...]


def parse_command_line(command: str) -> CommandLine:
    """Parse ``command`` or raise ``ShellSyntaxError`` (bash's wording) for what this shell will not run."""
    lexer = Lexer(command)
    tokens = lexer.run()
    return _Parser(tokens, lexer).parse(command)


class _Parser:
    def __init__(self, tokens: list[Token], lexer: Lexer) -> None:
        self.tokens = tokens
        self.lexer = lexer
        self.position = 0

    def parse(self, source: str) -> CommandLine:
        pipelines: list[Pipeline] = []
        operators: list[str] = []
        self._skip_newlines()
        while self._peek() is not None:
            pipelines.append(self._pipeline())
            separator = self._next()
            if separator is None:
                break
            operator = ";" if separator.text == "\n" else separator.text
            if operator in ("&&", "||"):
                self._skip_newlines()
                if self._peek() is None:
                    raise self._end_of_file(separator.line)
            else:
                self._skip_newlines()
                if self._peek() is None:
                    break
            operators.append(operator)
        return CommandLine(source, tuple(pipelines), tuple(operators))

    def _pipeline(self) -> Pipeline:
        stages = [self._stage()]
        while self._peek_op("|"):
            bar = self.tokens[self.position]
            self.position += 1
            self._skip_newlines()
            if self._peek() is None:
                raise self._end_of_file(bar.line)
            stages.append(self._stage())
        return Pipeline(tuple(stages))

    def _stage(self) -> Stage:
        first = self._peek()
        argv: list[str] = []
        stdin: str | None = None
        stderr: Literal["&1", "/dev/null"] | None = None
        while (token := self._peek()) is not None and token.kind != "op":
            self.position += 1
            if token.kind == "word":
                if not argv:
                    _refuse_command_word(token)
                argv.append(token.text)
            elif token.kind == "heredoc" and token.doc is not None:
                stdin = token.doc.body
            elif token.kind == "herestring":
                stdin = self._herestring()
            elif token.kind == "stderr":
                stderr = "&1" if token.text == "&1" else "/dev/null"
        if not argv:
            if first is not None and first.kind != "op":
                raise unsupported("a redirection without a command is")
            raise self._unexpected(first)
        line = first.line if first is not None else 1
        return Stage(tuple(argv), stdin, stderr, line)

    def _herestring(self) -> str:
        word = self._peek()
        if word is None or word.kind != "word":
            raise self._unexpected(word)
        self.position += 1
        return word.text + "\n"

    def _unexpected(self, token: Token | None) -> ShellSyntaxError:
        if token is None:
            return self._end_of_file(self.lexer.line)
        self.lexer.line = token.line
        return self.lexer.syntax_error("newline" if token.text == "\n" else token.text)

    def _end_of_file(self, line: int) -> ShellSyntaxError:
        return ShellSyntaxError(f"bash: -c: line {line}: syntax error: unexpected end of file")

    def _peek(self) -> Token | None:
        return self.tokens[self.position] if self.position < len(self.tokens) else None

    def _peek_op(self, text: str) -> bool:
        token = self._peek()
        return token is not None and token.kind == "op" and token.text == text

    def _next(self) -> Token | None:
        token = self._peek()
        if token is not None:
            self.position += 1
        return token

    def _skip_newlines(self) -> None:
        while self._peek_op("\n"):
            self.position += 1


def _refuse_command_word(token: Token) -> None:
    if token.unquoted and token.text in ("{", "}"):
        raise unsupported("{ } command groups are")
    if token.unquoted and token.text in _COMPOUND_WORDS:
        raise unsupported(f"`{token.text}` (compound commands and keywords) is")
    if token.assignment:
        raise unsupported(f"{token.text.partition('=')[0]}=... (variable assignment) is")


def run_command_line(command: str, *, programs: Mapping[str, Program], read_only: bool) -> ShellOutcome:
    """Parse, check and run ``command``. Built-in text tools are found before ``programs``.

    Nothing runs when the line does not parse, holds a command AIOpsLab blocks (``kubectl edit``), or,
    with ``read_only``, holds any stage that is not a known read."""
    try:
        line = parse_command_line(command)
    except ShellSyntaxError as error:
        return ShellOutcome(f"{error}\n", _SYNTAX_EXIT, refused=True, wrote=False, argvs=())
    argvs = tuple(stage.argv for stage in line.stages)
    refusal = _refusal(line, read_only=read_only)
    if refusal is not None:
        return ShellOutcome(refusal, _REFUSED_EXIT, refused=True, wrote=False, argvs=argvs)
    return _Runner(programs).run(line, argvs)


def _refusal(line: CommandLine, *, read_only: bool) -> str | None:
    for stage in line.stages:
        blocked = blocked_command_message(stage.argv)
        if blocked is not None:
            return blocked
    if read_only:
        for stage in line.stages:
            decision = command_access(stage.argv)
            if decision.access is not Access.READ:
                return read_only_refusal(decision)
    return None


class _Runner:
    """Runs a parsed, already-checked line with bash's ``&&``/``||``/``;`` semantics."""

    def __init__(self, programs: Mapping[str, Program]) -> None:
        self.programs = programs
        self.wrote = False

    def run(self, line: CommandLine, argvs: tuple[tuple[str, ...], ...]) -> ShellOutcome:
        shown: list[str] = []
        status = 0
        for index, pipeline in enumerate(line.pipelines):
            operator = line.operators[index - 1] if index else ";"
            if (operator == "&&" and status != 0) or (operator == "||" and status == 0):
                continue  # a skipped pipeline leaves the status as it was, as in bash
            result = self._pipeline(pipeline)
            status = result.exit_code
            shown.append(_shown_output(result))
        return ShellOutcome("".join(shown), status, refused=False, wrote=self.wrote, argvs=argvs)

    def _pipeline(self, pipeline: Pipeline) -> ProgramResult:
        stdout, errors, status = "", [], 0
        for stage in pipeline.stages:
            result = self._stage(stage, stdin=stage.stdin if stage.stdin is not None else stdout)
            stdout, stderr, status = result.stdout, result.stderr, result.exit_code
            if stage.stderr_redirect == "&1":
                stdout, stderr = stdout + stderr, ""
            elif stage.stderr_redirect == "/dev/null":
                stderr = ""
            errors.append(stderr)
        return ProgramResult(stdout, "".join(errors), status)

    def _stage(self, stage: Stage, *, stdin: str) -> ProgramResult:
        name = stage.argv[0]
        program = BUILTIN_PROGRAMS.get(name) or self.programs.get(name)
        if program is None:
            return ProgramResult("", f"bash: line {stage.line}: {name}: command not found\n", 127)
        decision: AccessDecision = command_access(stage.argv)
        self.wrote = self.wrote or decision.access is not Access.READ
        return program(stage.argv, stdin)


def _shown_output(result: ProgramResult) -> str:
    """AIOpsLab's rule: a failing or complaining pipeline shows its stderr (its stdout if stderr is empty)."""
    if result.stderr or result.exit_code != 0:
        return result.stderr or result.stdout
    return result.stdout
