"""Go ``text/template`` source read into nodes, with Go's parse errors.

The lexer follows Go's: actions between ``{{`` and ``}}``, ``{{- `` and `` -}}`` trimming the
whitespace beside them, ``{{/* comments */}}``, and inside an action fields (``.a.b``), variables
(``$x``), strings, raw strings, characters, numbers, keywords, function names, ``|``, parentheses,
``:=`` and ``=``. The parser builds the tree: text, actions, ``if``/``range``/``with`` with ``else``
(and ``else if``/``else with``), ``define``/``template``/``block``, ``break``/``continue``.
Positions are byte offsets into the source, for Go's ``output:LINE:COL`` in errors.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from agents.cli.jsonpath import go_quote, go_unquote

_SPACE = " \t\r\n"
_KEYWORDS = frozenset({"if", "else", "end", "range", "with", "define", "template", "block", "break", "continue"})
_TERM_STARTS = frozenset({"bool", "char", "dot", "field", "ident", "nil", "number", "string", "variable", "("})
_NUMBER = re.compile(r"[+-]?(0[xX][0-9a-fA-F_]+|0[bB][01_]+|0[oO][0-7_]+|(\d[\d_]*)?\.?\d*([eE][+-]?\d+)?)")


class TemplateSyntaxError(ValueError):
    """A template Go refuses to parse; ``str()`` is Go's message after ``template: output:LINE: ``."""

    def __init__(self, message: str, line: int) -> None:
        super().__init__(message)
        self.line = line


@dataclass(frozen=True)
class Token:
    kind: str  # field, dot, variable, string, number, char, bool, nil, ident, keyword, pipe, (, ), decl, assign, comma
    text: str
    pos: int
    spaced: bool  # whitespace came just before it
    value: Any = None


# --- nodes ---------------------------------------------------------------------------------------
@dataclass
class Operand:
    """A term (field, variable, constant, function name or parenthesized pipeline) and its field chain."""

    kind: str  # field, dot, variable, constant, nil, ident, pipeline
    pos: int
    text: str
    value: Any = None  # a constant's value, a variable's or function's name, a nested Pipeline
    chain: tuple[str, ...] = ()


@dataclass
class Command:
    args: list[Operand]
    pos: int

    @property
    def text(self) -> str:
        return " ".join(arg.text for arg in self.args)


@dataclass
class Pipeline:
    commands: list[Command]
    pos: int
    declare: tuple[str, ...] = ()
    assign: bool = False

    @property
    def text(self) -> str:
        return " | ".join(command.text for command in self.commands)


@dataclass
class Text:
    text: str


@dataclass
class Action:
    pipeline: Pipeline
    pos: int


@dataclass
class Branch:
    """``if``, ``range`` or ``with``: its pipeline, body and ``else`` part."""

    kind: str
    pipeline: Pipeline
    pos: int
    body: list[Any] = field(default_factory=list)
    otherwise: list[Any] = field(default_factory=list)


@dataclass
class Invoke:
    """``{{template "name" pipeline}}``."""

    name: str
    pipeline: Pipeline | None
    pos: int
    text: str


@dataclass
class Loop:
    """``{{break}}`` or ``{{continue}}``."""

    kind: str
    pos: int


@dataclass
class Parsed:
    """A template's nodes and the templates it defines."""

    nodes: list[Any]
    defined: dict[str, list[Any]]


# --- lexer ---------------------------------------------------------------------------------------
@dataclass
class _Action:
    tokens: list[Token]
    pos: int


def line_of(source: str, pos: int) -> int:
    return source.count("\n", 0, pos) + 1


class _Lexer:
    def __init__(self, source: str) -> None:
        self.source = source

    def error(self, message: str, pos: int) -> TemplateSyntaxError:
        return TemplateSyntaxError(message, line_of(self.source, pos))

    def items(self) -> list[Text | _Action]:
        """Text and actions, trim markers applied, comments dropped."""
        source, pos = self.source, 0
        items: list[Text | _Action] = []
        trim_next = False
        while pos <= len(source):
            start = source.find("{{", pos)
            text = source[pos:] if start < 0 else source[pos:start]
            if trim_next:
                text = text.lstrip(_SPACE)
            left_trim = start >= 0 and source[start + 2 : start + 3] == "-" and source[start + 3 : start + 4] in _SPACE
            if left_trim and source[start + 3 : start + 4]:
                text = text.rstrip(_SPACE)
            if text:
                items.append(Text(text))
            if start < 0:
                break
            inner = start + (4 if left_trim and source[start + 3 : start + 4] else 2)
            if source.startswith("/*", inner):
                pos, trim_next = self._comment(inner)
                continue
            tokens, pos, trim_next = self._action(inner)
            items.append(_Action(tokens, start))
        return items

    def _comment(self, inner: int) -> tuple[int, bool]:
        source = self.source
        end = source.find("*/", inner + 2)
        if end < 0:
            raise self.error("unclosed comment", inner)
        after = end + 2
        if source.startswith("}}", after):
            return after + 2, False
        if source[after : after + 1] in _SPACE and source.startswith("-}}", after + 1):
            return after + 4, True
        raise self.error("comment ends before closing delimiter", after)

    def _action(self, pos: int) -> tuple[list[Token], int, bool]:
        source, spaced = self.source, False
        tokens: list[Token] = []
        while True:
            if pos >= len(source):
                raise self.error("unclosed action", pos)
            char = source[pos]
            if char in _SPACE:
                end = pos
                while end < len(source) and source[end] in _SPACE:
                    end += 1
                if source.startswith("-}}", end):
                    return tokens, end + 3, True
                pos, spaced = end, True
                continue
            if source.startswith("}}", pos):
                return tokens, pos + 2, False
            token, pos = self._token(pos, spaced)
            tokens.append(token)
            spaced = False

    def _token(self, pos: int, spaced: bool) -> tuple[Token, int]:
        source = self.source
        char = source[pos]
        simple = {"|": "pipe", "(": "(", ")": ")", ",": "comma"}
        if char in simple:
            return Token(simple[char], char, pos, spaced), pos + 1
        if source.startswith(":=", pos):
            return Token("decl", ":=", pos, spaced), pos + 2
        if char == "=":
            return Token("assign", "=", pos, spaced), pos + 1
        if char in "\"`'":
            return self._quoted(pos, spaced)
        if char == "$":
            end = self._terminated(self._word_end(pos + 1))
            return Token("variable", source[pos:end], pos, spaced), end
        if char == "." and not source[pos + 1 : pos + 2].isdigit():
            if source[pos + 1 : pos + 2].isalnum() or source[pos + 1 : pos + 2] == "_":
                end = self._terminated(self._word_end(pos + 1))
                return Token("field", source[pos:end], pos, spaced), end
            return Token("dot", ".", pos, spaced), pos + 1
        if char in "+-." or char.isdigit():
            return self._number(pos, spaced)
        if char.isalpha() or char == "_":
            end = self._terminated(self._word_end(pos))
            word = source[pos:end]
            if word in ("true", "false"):
                return Token("bool", word, pos, spaced, word == "true"), end
            kind = "nil" if word == "nil" else "keyword" if word in _KEYWORDS else "ident"
            return Token(kind, word, pos, spaced), end
        if char.isascii() and char.isprintable():
            return Token("char_item", char, pos, spaced), pos + 1
        raise self._bad_character(pos)

    def _bad_character(self, pos: int) -> TemplateSyntaxError:
        char = self.source[pos]
        shown = f" '{char}'" if char.isprintable() else ""
        return self.error(f"bad character U+{ord(char):04X}{shown}", pos)

    def _terminated(self, end: int) -> int:
        """Go ends a word only at a space, ``. , | : ( )`` or the closing delimiter."""
        following = self.source[end : end + 1]
        if (
            following
            and following not in _SPACE
            and following not in ".,|:()"
            and not self.source.startswith("}}", end)
        ):
            raise self._bad_character(end)
        return end

    def _word_end(self, pos: int) -> int:
        while pos < len(self.source) and (self.source[pos].isalnum() or self.source[pos] == "_"):
            pos += 1
        return pos

    def _quoted(self, pos: int, spaced: bool) -> tuple[Token, int]:
        source, quote = self.source, self.source[pos]
        end = pos + 1
        while True:
            if end >= len(source) or (quote != "`" and source[end] == "\n"):
                names = {'"': "unterminated quoted string", "`": "unterminated raw quoted string"}
                raise self.error(names.get(quote, "unterminated character constant"), pos)
            if source[end] == "\\" and quote != "`":
                end += 2
                continue
            if source[end] == quote:
                break
            end += 1
        body, text = source[pos + 1 : end], source[pos : end + 1]
        if quote == "`":
            return Token("string", text, pos, spaced, body), end + 1
        try:
            value = go_unquote(body, quote)
        except ValueError:
            raise self.error(f"unquote string {text} error invalid syntax", pos) from None
        if quote == "'":
            if len(value) != 1:
                raise self.error(f"malformed character constant: {text}", pos)
            return Token("char", text, pos, spaced, ord(value)), end + 1
        return Token("string", text, pos, spaced, value), end + 1

    def _number(self, pos: int, spaced: bool) -> tuple[Token, int]:
        match = _NUMBER.match(self.source, pos)
        end = match.end() if match else pos
        text = self.source[pos:end]
        if end < len(self.source) and (self.source[end].isalnum() or self.source[end] == "_"):
            end = self._word_end(end)
            raise self.error(f"bad number syntax: {self.source[pos:end]!r}".replace("'", '"'), pos)
        try:
            value: int | float = int(text.replace("_", ""), 0)
        except ValueError:
            try:
                value = float(text.replace("_", ""))
            except ValueError:
                raise self.error(f'bad number syntax: "{text}"', pos) from None
        return Token("number", text, pos, spaced, value), end


# --- parser --------------------------------------------------------------------------------------
class _Parser:
    def __init__(self, source: str, functions: frozenset[str]) -> None:
        self.source = source
        self.functions = functions
        self.items: list[Text | _Action] = []
        self.index = 0
        self.defined: dict[str, list[Any]] = {}

    def error(self, message: str, pos: int) -> TemplateSyntaxError:
        return TemplateSyntaxError(message, line_of(self.source, pos))

    def parse(self) -> Parsed:
        self.items = _Lexer(self.source).items()
        nodes, stop = self._list(top=True)
        assert stop is None
        return Parsed(nodes, self.defined)

    def _list(self, *, top: bool = False) -> tuple[list[Any], _Action | None]:
        """Nodes up to an ``{{end}}`` or ``{{else}}`` (returned) or, at the top, the end."""
        nodes: list[Any] = []
        while self.index < len(self.items):
            item = self.items[self.index]
            self.index += 1
            if isinstance(item, Text):
                nodes.append(item)
                continue
            first = item.tokens[0] if item.tokens else None
            if first is None:
                raise self.error("missing value for command", item.pos)
            if first.kind == "keyword" and first.text in ("end", "else"):
                if top:
                    raise self.error(f"unexpected {{{{{first.text}}}}}", item.pos)
                return nodes, item
            nodes.append(self._action(item))
        if not top:
            raise self.error("unexpected EOF", len(self.source))
        return nodes, None

    def _action(self, item: _Action) -> Any:
        first, rest = item.tokens[0], item.tokens[1:]
        if first.kind != "keyword":
            return Action(self._pipeline(item.tokens, item.pos, "command"), item.pos)
        if first.text in ("if", "range", "with"):
            return self._branch(first.text, rest, item.pos)
        if first.text in ("break", "continue"):
            if rest:
                raise self.error(f"unexpected {rest[0].text} in {{{{{first.text}}}}}", item.pos)
            return Loop(first.text, item.pos)
        return self._named(first.text, rest, item.pos)

    def _branch(self, kind: str, tokens: list[Token], pos: int) -> Branch:
        branch = Branch(kind, self._pipeline(tokens, pos, kind), pos)
        branch.body, stop = self._list()
        assert stop is not None
        if stop.tokens[0].text == "else":
            chained = stop.tokens[1:]
            if chained and chained[0].kind == "keyword" and chained[0].text in ("if", "with"):
                branch.otherwise = [self._branch(chained[0].text, chained[1:], stop.pos)]
                return branch
            branch.otherwise, stop = self._list()
            assert stop is not None
            if stop.tokens[0].text != "end":
                raise self.error("expected end; found {{else}}", stop.pos)
        return branch

    def _named(self, keyword: str, tokens: list[Token], pos: int) -> Any:
        if not tokens or tokens[0].kind != "string":
            raise self.error(f"unexpected {tokens[0].text if tokens else 'EOF'} in {keyword} clause", pos)
        name = str(tokens[0].value)
        pipeline = self._pipeline(tokens[1:], pos, keyword) if tokens[1:] else None
        text = self.source[pos : self._action_end(pos)]
        if keyword == "template":
            return Invoke(name, pipeline, tokens[0].pos, text)
        body, stop = self._list()
        assert stop is not None
        if stop.tokens[0].text != "end":
            raise self.error("unexpected {{else}}", stop.pos)
        self.defined[name] = body
        if keyword == "define":
            return Text("")
        return Invoke(name, pipeline, tokens[0].pos, text)

    def _action_end(self, pos: int) -> int:
        end = self.source.find("}}", pos)
        return end + 2 if end >= 0 else len(self.source)

    def _pipeline(self, tokens: list[Token], pos: int, context: str) -> Pipeline:
        declare, assign, tokens = self._declarations(tokens)
        if not tokens:
            raise self.error(f"missing value for {context}", pos)
        commands: list[Command] = []
        current: list[Token] = []
        depth = 0
        for token in [*tokens, Token("pipe", "|", -1, False)]:
            if token.kind == "pipe" and depth == 0:
                if not current:
                    raise self.error("missing value for command", pos)
                commands.append(self._command(current, context))
                current = []
                continue
            depth += (token.kind == "(") - (token.kind == ")")
            if depth < 0:
                raise self.error("unexpected right paren", token.pos)
            current.append(token)
        if depth:
            raise self.error("unclosed left paren", pos)
        for stage, command in enumerate(commands[1:], start=2):
            if command.args[0].kind in ("constant", "dot", "nil"):
                raise self.error(f"non executable command in pipeline stage {stage}", pos)
        return Pipeline(commands, tokens[0].pos, declare, assign)

    def _declarations(self, tokens: list[Token]) -> tuple[tuple[str, ...], bool, list[Token]]:
        for index, token in enumerate(tokens[:4]):
            if token.kind in ("decl", "assign"):
                names = [t for t in tokens[:index] if t.kind != "comma"]
                if names and all(t.kind == "variable" for t in names):
                    return tuple(t.text for t in names), token.kind == "assign", tokens[index + 1 :]
        return (), False, tokens

    def _command(self, tokens: list[Token], context: str) -> Command:
        """One command's operands; a token that cannot start one is unexpected "in" the pipeline's
        context when it comes first, "in operand" after (Go's wording)."""
        args: list[Operand] = []
        index = 0
        while index < len(tokens):
            if tokens[index].kind not in _TERM_STARTS:
                where = "operand" if args else context
                raise self.error(f"unexpected {_shown_item(tokens[index])} in {where}", tokens[index].pos)
            operand, index = self._operand(tokens, index)
            args.append(operand)
        return Command(args, tokens[0].pos)

    def _operand(self, tokens: list[Token], index: int) -> tuple[Operand, int]:
        token = tokens[index]
        if token.kind == "(":
            depth, end = 0, index
            for end in range(index, len(tokens)):
                depth += (tokens[end].kind == "(") - (tokens[end].kind == ")")
                if depth == 0:
                    break
            inner = self._pipeline(tokens[index + 1 : end], token.pos, "parenthesized pipeline")
            operand = Operand("pipeline", token.pos, f"({inner.text})", inner)
            index = end + 1
        else:
            operand = self._term(token)
            index += 1
        chain: list[Token] = []
        while index < len(tokens) and tokens[index].kind == "field" and not tokens[index].spaced:
            chain.append(tokens[index])
            index += 1
        if chain:
            operand = self._chained(operand, chain)
        return operand, index

    def _term(self, token: Token) -> Operand:
        if token.kind == "field":
            return Operand("field", token.pos, token.text, chain=(token.text[1:],))
        if token.kind == "dot":
            return Operand("dot", token.pos, ".")
        if token.kind == "variable":
            return Operand("variable", token.pos, token.text, token.text)
        if token.kind in ("string", "number", "char", "bool"):
            value = _Int(token.value) if isinstance(token.value, int) and token.kind != "bool" else token.value
            return Operand("constant", token.pos, token.text, value)
        if token.kind == "nil":
            return Operand("nil", token.pos, "nil")
        if token.kind == "ident":
            if token.text not in self.functions:
                raise self.error(f'function "{token.text}" not defined', token.pos)
            return Operand("ident", token.pos, token.text, token.text)
        raise self.error(f"unexpected {_shown_item(token)} in command", token.pos)

    def _chained(self, operand: Operand, chain: list[Token]) -> Operand:
        names = tuple(token.text[1:] for token in chain)
        text = operand.text + "".join(token.text for token in chain)
        if operand.kind in ("field", "variable", "pipeline"):
            # Go places a chain at its first added field.
            return Operand(operand.kind, chain[0].pos, text, operand.value, operand.chain + names)
        raise self.error(f"unexpected . after term {go_quote(operand.text)}", chain[0].pos)


def _shown_item(token: Token) -> str:
    """A token as Go's parse errors show it (``item.String``): keywords in angle brackets, other text
    Go-quoted, cut to ten characters with ``...``."""
    if token.kind == "keyword":
        return f"<{token.text}>"
    if len(token.text) > 10:
        return f"{go_quote(token.text[:10])}..."
    return go_quote(token.text)


class _Int(int):
    """An integer constant written in the template (Go's ``int``, where data holds ``int64``)."""


def template_int(value: Any) -> bool:
    """Whether ``value`` is an integer constant of the template source."""
    return isinstance(value, _Int)


def parse_template(source: str, functions: frozenset[str]) -> Parsed:
    """The nodes of ``source``, or ``TemplateSyntaxError`` worded as Go words it."""
    return _Parser(source, functions).parse()
