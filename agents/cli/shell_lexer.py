"""Tokens of a bash command line, with every expansion refused rather than performed.

Quote removal follows bash: single quotes keep everything literal; double quotes keep everything but
``\\$``, ``\\```, ``\\"``, ``\\\\`` and backslash-newline; a backslash outside quotes escapes the next
character. What bash would expand, substitute or redirect (``$VAR``, ``$(...)``, backticks, ``{a,b}``,
``~``, ``<``, ``>``, ``&``, ``( )``) raises ``ShellSyntaxError`` instead: nothing is ever interpreted.
Here-document bodies are read after the line that opens them, as bash reads them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_BLANKS = " \t"
_WORD_END = " \t\n|&;()<>"
_SPECIAL_PARAMETERS = "@*#?$!-0123456789"
_SEQUENCE = re.compile(r"-?\w+\.\.-?\w+(\.\.-?\d+)?")
_ASSIGNMENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\+?=")


class ShellSyntaxError(ValueError):
    """A line this shell will not run. ``str(error)`` is what the agent sees, in bash's wording."""


def unsupported(construct: str) -> ShellSyntaxError:
    """The refusal for a construct a real shell would interpret."""
    return ShellSyntaxError(f"bash: {construct} not supported in this shell")


@dataclass
class HereDoc:
    """A here-document: its delimiter, whether that was quoted (body literal), and the body once read."""

    delimiter: str
    quoted: bool
    strip_tabs: bool
    body: str = ""


@dataclass(frozen=True)
class Token:
    """``word`` (text after quote removal), ``op`` (| || && ; and newline), ``heredoc``, ``herestring``
    (the next word is its text) or ``stderr`` (text is ``&1`` or ``/dev/null``)."""

    kind: str
    text: str
    line: int
    unquoted: bool = False
    assignment: bool = False
    doc: HereDoc | None = None


@dataclass
class _Word:
    chars: list[tuple[str, bool]] = field(default_factory=list)

    def add(self, text: str, quoted: bool) -> None:
        self.chars.extend((char, quoted) for char in text)

    @property
    def text(self) -> str:
        return "".join(char for char, _ in self.chars)

    @property
    def unquoted(self) -> bool:
        return not any(quoted for _, quoted in self.chars)

    @property
    def assignment(self) -> bool:
        """``NAME=``, unquoted up to the ``=``: in command position bash would set a variable."""
        equals = next((index for index, (char, quoted) in enumerate(self.chars) if char == "=" and not quoted), -1)
        prefix = self.chars[: equals + 1]
        return equals > 0 and all(not q for _, q in prefix) and bool(_ASSIGNMENT.fullmatch(self.text[: equals + 1]))


class Lexer:
    """Turns one command string into tokens; raises ``ShellSyntaxError`` on anything it will not run."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.position = 0
        self.line = 1
        self.tokens: list[Token] = []
        self.word: _Word | None = None
        self.awaiting: HereDoc | None = None
        self.pending: list[HereDoc] = []

    def run(self) -> list[Token]:
        while self.position < len(self.source):
            self._step(self.source[self.position])
        self._finish_word()
        if self.awaiting is not None:
            raise self.syntax_error("newline")
        return self.tokens

    def syntax_error(self, token: str) -> ShellSyntaxError:
        lines = self.source.split("\n")
        shown = lines[self.line - 1] if self.line <= len(lines) else ""
        return ShellSyntaxError(
            f"bash: -c: line {self.line}: syntax error near unexpected token `{token}'\n"
            f"bash: -c: line {self.line}: `{shown}'"
        )

    def _step(self, char: str) -> None:
        if char in _BLANKS:
            self._finish_word()
            self.position += 1
        elif char == "\n":
            self._newline()
        elif char == "#" and self.word is None:
            end = self.source.find("\n", self.position)
            self.position = len(self.source) if end < 0 else end
        elif char in "\\'\"$`":
            self._quoting(char)
        elif char in "|&;()<>":
            self._operator(char)
        else:
            self._word().add(char, False)
            self.position += 1

    def _word(self) -> _Word:
        if self.word is None:
            self.word = _Word()
        return self.word

    def _quoting(self, char: str) -> None:
        if char == "\\":
            self._backslash()
        elif char == "'":
            self._single_quoted()
        elif char == '"':
            self._double_quoted()
        elif char == "$":
            self._dollar(self.position, quoted=False)
            self._word().add("$", False)
            self.position += 1
        else:
            raise unsupported("`...` command substitution is")

    def _backslash(self) -> None:
        following = self.source[self.position + 1 : self.position + 2]
        if following == "\n":
            self.line += 1
        elif following:
            self._word().add(following, True)
        else:
            self._word().add("\\", True)
        self.position += 2

    def _single_quoted(self) -> None:
        end = self.source.find("'", self.position + 1)
        if end < 0:
            raise ShellSyntaxError(f"bash: -c: line {self.line}: unexpected EOF while looking for matching `''")
        text = self.source[self.position + 1 : end]
        self._word().add(text, True)
        self.line += text.count("\n")
        self.position = end + 1

    def _double_quoted(self) -> None:
        word = self._word()
        index = self.position + 1
        while index < len(self.source):
            char = self.source[index]
            if char == '"':
                self.position = index + 1
                return
            index = self._double_quoted_char(word, index, char)
        raise ShellSyntaxError(f"bash: -c: line {self.line}: unexpected EOF while looking for matching `\"'")

    def _double_quoted_char(self, word: _Word, index: int, char: str) -> int:
        following = self.source[index + 1 : index + 2]
        if char == "\\" and following in ("$", "`", '"', "\\", "\n"):
            if following == "\n":
                self.line += 1
            else:
                word.add(following, True)
            return index + 2
        if char == "$":
            self._dollar(index, quoted=True)
        elif char == "`":
            raise unsupported("`...` command substitution is")
        elif char == "\n":
            self.line += 1
        word.add(char, True)
        return index + 1

    def _dollar(self, index: int, *, quoted: bool) -> None:
        """Refuse the expansion a ``$`` at ``index`` starts; return when bash would keep it literal."""
        check_dollar(self.source, index, quoted=quoted)

    def _operator(self, char: str) -> None:
        if self.awaiting is not None and self.word is None:
            raise self.syntax_error(self.source[self.position : self.position + 2].rstrip() or char)
        if char == ">" and self.word is not None and self.word.chars == [("2", False)]:
            self.word = None
            self._stderr_redirect()
            return
        self._finish_word()
        pair = self.source[self.position : self.position + 2]
        if char == "(":
            raise unsupported("( ) subshells are")
        if char == ")":
            raise self.syntax_error(")")
        if char == "<":
            self._less_than()
        elif char == ">":
            raise unsupported("<(...) and >(...) process substitution are" if pair == ">(" else _OUTPUT_REDIRECT)
        elif pair in ("||", "&&"):
            self._emit_op(pair)
        elif pair == "|&":
            raise unsupported("|& (piping stderr) is")
        elif pair == ";;":
            raise self.syntax_error(";;")
        elif char == "&":
            raise unsupported("&> redirection is" if pair == "&>" else "& (background jobs) is")
        else:
            self._emit_op(char)

    def _emit_op(self, text: str) -> None:
        if self.awaiting is not None:
            raise self.syntax_error(text)
        self.tokens.append(Token("op", text, self.line))
        self.position += len(text)

    def _less_than(self) -> None:
        rest = self.source[self.position : self.position + 3]
        if rest == "<<<":
            self.tokens.append(Token("herestring", "", self.line))
            self.position += 3
        elif rest.startswith("<<"):
            strip = rest == "<<-"
            self.awaiting = HereDoc("", quoted=False, strip_tabs=strip)
            self.tokens.append(Token("heredoc", "", self.line, doc=self.awaiting))
            self.position += 3 if strip else 2
        elif rest.startswith("<("):
            raise unsupported("<(...) and >(...) process substitution are")
        else:
            raise unsupported("< (input redirection from a file) is")

    def _stderr_redirect(self) -> None:
        """``2>&1`` and ``2>/dev/null`` (also ``2> /dev/null``, ``2>>/dev/null``): the only redirections kept."""
        index = self.position + 1
        if self.source.startswith(">", index):
            index += 1
        elif self.source.startswith("&1", index) and self._ends_word(index + 2):
            self.tokens.append(Token("stderr", "&1", self.line))
            self.position = index + 2
            return
        while self.source[index : index + 1] in (" ", "\t") and index < len(self.source):
            index += 1
        if self.source.startswith("/dev/null", index) and self._ends_word(index + 9):
            self.tokens.append(Token("stderr", "/dev/null", self.line))
            self.position = index + 9
            return
        raise unsupported(_OUTPUT_REDIRECT)

    def _ends_word(self, index: int) -> bool:
        return index >= len(self.source) or self.source[index] in _WORD_END

    def _newline(self) -> None:
        self._finish_word()
        if self.awaiting is not None:
            raise self.syntax_error("newline")
        self.tokens.append(Token("op", "\n", self.line))
        self.position += 1
        self.line += 1
        while self.pending:
            self._read_heredoc(self.pending.pop(0))

    def _finish_word(self) -> None:
        word, self.word = self.word, None
        if word is None:
            return
        _refuse_expansions(word)
        if self.awaiting is not None:
            self.awaiting.delimiter = word.text
            self.awaiting.quoted = not word.unquoted
            self.pending.append(self.awaiting)
            self.awaiting = None
            return
        self.tokens.append(Token("word", word.text, self.line, unquoted=word.unquoted, assignment=word.assignment))

    def _read_heredoc(self, doc: HereDoc) -> None:
        lines: list[str] = []
        while self.position < len(self.source):
            end = self.source.find("\n", self.position)
            end = len(self.source) if end < 0 else end
            text = self.source[self.position : end]
            self.position = end + 1
            self.line += 1
            if doc.strip_tabs:
                text = text.lstrip("\t")
            if text == doc.delimiter:
                break
            lines.append(text + "\n")
        body = "".join(lines)
        doc.body = body if doc.quoted else _expand_heredoc_body(body)


_OUTPUT_REDIRECT = "> and >> (output redirection to a file) are"


def check_dollar(source: str, index: int, *, quoted: bool) -> None:
    """Raise for the expansion the ``$`` at ``source[index]`` starts; bash keeps a lone ``$`` literal."""
    following = source[index + 1 : index + 2]
    if source.startswith("$((", index):
        raise unsupported("$((...)) arithmetic expansion is")
    if following == "(":
        raise unsupported("$(...) command substitution is")
    if following == "{":
        raise unsupported("${...} parameter expansion is")
    if following and (following.isalpha() or following == "_") and following.isascii():
        name = re.match(r"[A-Za-z_][A-Za-z0-9_]*", source[index + 1 :])
        raise unsupported(f"${name.group(0) if name else following} (parameter expansion) is")
    if following and following in _SPECIAL_PARAMETERS:
        raise unsupported(f"${following} (special parameter) is")
    if not quoted and following in ("'", '"'):
        raise unsupported(f"${following}...{following} quoting is")


def _refuse_expansions(word: _Word) -> None:
    chars = word.chars
    if chars and chars[0] == ("~", False):
        raise unsupported("~ (tilde expansion) is")
    for start, (char, quoted) in enumerate(chars):
        if char == "{" and not quoted and _brace_expands(chars, start):
            raise unsupported("{a,b} and {1..9} (brace expansion) are")


def _brace_expands(chars: list[tuple[str, bool]], start: int) -> bool:
    """Whether the unquoted ``{`` at ``start`` opens a list (``{a,b}``) or a sequence (``{1..3}``)."""
    depth, comma = 0, False
    for index in range(start, len(chars)):
        char, quoted = chars[index]
        if quoted:
            continue
        if char == "{":
            depth += 1
        elif char == "," and depth == 1:
            comma = True
        elif char == "}":
            depth -= 1
            if depth == 0:
                inner = chars[start + 1 : index]
                sequence = all(not q for _, q in inner) and _SEQUENCE.fullmatch("".join(c for c, _ in inner))
                return comma or bool(sequence)
    return False


def _expand_heredoc_body(body: str) -> str:
    """An unquoted here-document: backslash escapes apply and every expansion is refused."""
    out: list[str] = []
    index = 0
    while index < len(body):
        char = body[index]
        following = body[index + 1 : index + 2]
        if char == "\\" and following in ("$", "`", "\\", "\n"):
            out.append("" if following == "\n" else following)
            index += 2
            continue
        if char == "$":
            check_dollar(body, index, quoted=True)
        elif char == "`":
            raise unsupported("`...` command substitution is")
        out.append(char)
        index += 1
    return "".join(out)
