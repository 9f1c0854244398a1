"""AIOpsLab's call syntax: parse one interface call (``exec_shell("kubectl get pods -n x")``,
``submit(["geo"])``) and run it against an environment and its episode.

Parsing goes through Python's ``ast`` and accepts literal arguments only; nothing is ever evaluated. A
call may be wrapped in a markdown code block, as agents answer. Malformed input raises ``CallError``
whose text is what the agent sees, worded as AIOpsLab words it ("Error parsing response: ...").
Running a call never raises for a wrong argument shape either: the agent gets an error string back.
"""

from __future__ import annotations

import ast
import inspect
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from agents.environment import CloudEnvironment
    from agents.sim.grading import Grade

MAX_CALL_CHARS = 100_000
FENCE = "```"
_FENCED_BLOCK = re.compile(r"```[^\n`]*\n(.*?)```", re.DOTALL)
_INLINE_BLOCK = re.compile(r"```(.*?)```", re.DOTALL)
# AIOpsLab takes an exec_shell command verbatim between its outer quotes, so agents get away with unescaped
# inner quotes there; this pattern keeps that leniency for exec_shell alone, after ast has refused the text.
_LENIENT_SHELL = re.compile(r"""^exec_shell\(\s*(?:command\s*=\s*)?(?P<q>["'])(?P<command>.*)(?P=q)\s*\)$""", re.DOTALL)
_FORMAT_HINT = (
    "Format validation failure. Only have one pair of three ticks in your block and check the ticks. "
    'Correct example:\n```\nexec_shell("kubectl get pods -n <namespace>")\n```'
)


@dataclass(frozen=True)
class Call:
    """One parsed interface call: the API's name and its literal arguments."""

    name: str
    args: tuple[Any, ...] = ()
    kwargs: Mapping[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        parts = [repr(arg) for arg in self.args] + [f"{key}={value!r}" for key, value in self.kwargs.items()]
        return f"{self.name}({', '.join(parts)})"


class CallError(ValueError):
    """Input that is not one well-formed call. ``str()`` is the message the agent sees."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"Error parsing response: {reason}")
        self.reason = reason


def _unwrap(text: str) -> str:
    """The code inside the one markdown block of ``text``; ``text`` itself when it has no block."""
    if FENCE not in text:
        return text
    blocks = _FENCED_BLOCK.findall(text) or _INLINE_BLOCK.findall(text)
    if len(blocks) != 1 or text.count(FENCE) != 2:
        raise CallError(_FORMAT_HINT)
    return str(blocks[0])


def _literal(node: ast.expr) -> Any:
    if isinstance(node, ast.Starred):
        raise CallError(f"unpacking (*{ast.unparse(node.value)}) is not allowed in an API call")
    try:
        return ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        raise CallError(
            f"arguments must be literals (quoted strings, numbers, lists, dicts); got `{ast.unparse(node)}`"
        ) from None


def _lenient_shell(code: str) -> Call | None:
    match = _LENIENT_SHELL.match(code)
    if match is None:
        return None
    command = match["command"].replace('\\"', '"').replace("\\'", "'")
    return Call("exec_shell", (command,))


def _parse_expression(code: str) -> tuple[str, ast.Call]:
    """The API name and call node of ``code``, which must be one call of a bare name."""
    try:
        module = ast.parse(code, mode="exec")
    except SyntaxError as exc:
        hint = exc.msg.removeprefix("invalid syntax").lstrip(".: ")
        raise CallError(f"invalid syntax in `{code}`{f' ({hint})' if hint else ''}") from None
    if len(module.body) > 1:
        raise CallError(f"found {len(module.body)} statements; respond with only a single API call per turn")
    statement = module.body[0] if module.body else None
    if not isinstance(statement, ast.Expr) or not isinstance(statement.value, ast.Call):
        raise CallError(f'No API call found! Expected a call such as exec_shell("ls"), got `{code}`')
    call = statement.value
    if not isinstance(call.func, ast.Name):
        raise CallError(f"No API call found! `{ast.unparse(call.func)}` is not an API name")
    return call.func.id, call


def parse_call(text: str) -> Call:
    """Parse one call, bare or in a markdown code block (text outside the block is ignored, as AIOpsLab
    ignores an agent's reasoning). Raises CallError for anything else."""
    if len(text) > MAX_CALL_CHARS:
        raise CallError(f"response of {len(text)} characters; the limit is {MAX_CALL_CHARS}")
    code = _unwrap(text).strip()
    if not code:
        raise CallError("No API call found!")
    try:
        name, node = _parse_expression(code)
    except CallError:
        lenient = _lenient_shell(code) if "\n" not in code else None
        if lenient is None:
            raise
        return lenient
    args = tuple(_literal(arg) for arg in node.args)
    kwargs: dict[str, Any] = {}
    for keyword in node.keywords:
        if keyword.arg is None:
            raise CallError(f"unpacking (**{ast.unparse(keyword.value)}) is not allowed in an API call")
        kwargs[keyword.arg] = _literal(keyword.value)
    call = Call(name, args, MappingProxyType(kwargs))
    command = args[0] if args else kwargs.get("command", "")
    if call.name == "exec_shell" and not isinstance(command, str):
        raise CallError("commands must be quoted strings")
    return call


def script_lines(text: str) -> list[tuple[int, str]]:
    """The lines of a script that hold calls, stripped, with 1-based line numbers: blank lines, ``#``
    comments and bare code fences are left out."""
    lines = ((number, line.strip()) for number, line in enumerate(text.splitlines(), start=1))
    return [(number, line) for number, line in lines if line and not line.startswith(("#", FENCE))]


def parse_script(text: str) -> list[tuple[int, Call | CallError]]:
    """One call per line (``script_lines``); a malformed line yields its CallError in place, so the lines
    after it still run."""
    parsed: list[tuple[int, Call | CallError]] = []
    for number, line in script_lines(text):
        try:
            parsed.append((number, parse_call(line)))
        except CallError as exc:
            parsed.append((number, exc))
    return parsed


class SubmitTarget(Protocol):
    """What ``call_run`` needs of an episode (``agents.sim.episode.Episode`` is one)."""

    steps: int

    @property
    def finished(self) -> bool: ...

    def submit(self, solution: object = None) -> Grade: ...


def _sig(*params: tuple[str, type, object]) -> inspect.Signature:
    return inspect.Signature(
        [
            inspect.Parameter(name, inspect.Parameter.POSITIONAL_OR_KEYWORD, default=default, annotation=kind)
            for name, kind, default in params
        ]
    )


_EMPTY = inspect.Parameter.empty
API_SIGNATURES: Mapping[str, inspect.Signature] = MappingProxyType(
    {
        "get_logs": _sig(("namespace", str, _EMPTY), ("service", str, _EMPTY)),
        "get_metrics": _sig(("namespace", str, _EMPTY), ("duration", int, 5)),
        "read_metrics": _sig(("file_path", str, _EMPTY)),
        "get_traces": _sig(("namespace", str, _EMPTY), ("duration", int, 5)),
        "read_traces": _sig(("file_path", str, _EMPTY)),
        "exec_shell": _sig(("command", str, _EMPTY)),
    }
)
API_NAMES = (*API_SIGNATURES, "submit")


def _bind(call: Call) -> dict[str, Any] | str:
    """The call's arguments by parameter name, or the error the agent sees (Python's wording, as AIOpsLab
    passes Python's TypeError on)."""
    signature = API_SIGNATURES[call.name]
    try:
        bound = signature.bind(*call.args, **call.kwargs)
    except TypeError as exc:
        return f"{call.name}() {exc}"
    bound.apply_defaults()
    for name, value in bound.arguments.items():
        kind = signature.parameters[name].annotation
        if not isinstance(value, kind) or isinstance(value, bool):
            return f"{call.name}() argument '{name}' must be {kind.__name__}, not {type(value).__name__}"
    return dict(bound.arguments)


def _solution(call: Call) -> object:
    """The submitted answer: no argument is None, one is itself; several are kept as a list, as AIOpsLab does."""
    if call.kwargs:
        return next(iter(call.kwargs.values()))
    if len(call.args) > 1:
        return list(call.args)
    return call.args[0] if call.args else None


def _submit(call: Call, episode: SubmitTarget) -> str | Grade:
    if episode.finished:
        return "Error: the episode has already ended; submit() was called before."
    if call.kwargs and (call.args or len(call.kwargs) > 1):
        return "submit() takes one solution, given either positionally or by name"
    return episode.submit(_solution(call))


def call_run(call: Call, *, env: CloudEnvironment, episode: SubmitTarget) -> str | Grade:
    """Dispatch ``call``: an environment API returns its text; ``submit`` ends the episode and returns its
    Grade. A bad name or argument shape returns the error text instead of raising."""
    if call.name == "submit":
        return _submit(call, episode)
    if call.name not in API_SIGNATURES:
        return f"Invalid action: {call.name}. The APIs are: {', '.join(API_NAMES)}."
    arguments = _bind(call)
    if isinstance(arguments, str):
        return arguments
    method: Callable[..., str] = getattr(env, call.name)
    return method(**arguments)


def turn_run(text: str, *, env: CloudEnvironment, episode: SubmitTarget) -> str | Grade:
    """One agent turn: parse ``text`` and run its call. A turn that is no well-formed call still counts as a
    step, as AIOpsLab counts every turn of the agent, and is answered with the parsing error."""
    try:
        call = parse_call(text)
    except CallError as exc:
        if not episode.finished:
            episode.steps += 1
        return str(exc)
    return call_run(call, env=env, episode=episode)
