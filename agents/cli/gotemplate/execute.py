"""Go ``text/template`` execution over JSON values, as kubectl runs ``-o go-template``.

kubectl uses the default missing-key option: a missing map key is Go's invalid value (printed
``<no value>``, false, and a field of it is invalid again), a field of a JSON null or of anything but
a map is an error. Errors carry Go's context (``output:LINE:COL``, ``at <node>``) for the message.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from agents.cli.gotemplate.functions import (
    FUNCTIONS,
    MISSING,
    FunctionError,
    arity,
    go_type,
    shown,
    truth,
)
from agents.cli.gotemplate.parse import Action, Branch, Command, Invoke, Loop, Operand, Parsed, Pipeline, Text

_NO_FINAL: Any = object()
_MAX_DEPTH = 100


class ExecError(Exception):
    """A failure while executing; ``str()`` is Go's ``template: output:L:C: executing ... : reason``."""


@dataclass
class _Jump(Exception):
    kind: str  # break or continue


class Executor:
    """Runs one parsed template over ``data`` (``$``), writing through ``write``."""

    def __init__(self, parsed: Parsed, source: str, data: Any, write: Callable[[str], None]) -> None:
        self.parsed = parsed
        self.source = source
        self.write = write
        self.variables: list[tuple[str, Any]] = [("$", data)]
        self.depth = 0

    def run(self) -> None:
        self._walk(self.parsed.nodes, self.variables[0][1])

    # --- errors --------------------------------------------------------------------------------
    def _error(self, pos: int, context: str, reason: str) -> ExecError:
        line = self.source.count("\n", 0, pos) + 1
        column = pos - self.source.rfind("\n", 0, pos) - 1
        return ExecError(f'template: output:{line}:{column}: executing "output" at <{context}>: {reason}')

    # --- nodes ---------------------------------------------------------------------------------
    def _walk(self, nodes: list[Any], dot: Any) -> None:
        for node in nodes:
            if isinstance(node, Text):
                self.write(node.text)
            elif isinstance(node, Action):
                # A variable an action declares lives to the end of the enclosing block.
                value = self._pipeline(node.pipeline, dot)
                if not node.pipeline.declare:
                    self.write(shown(value))
            elif isinstance(node, Branch):
                self._branch(node, dot)
            elif isinstance(node, Invoke):
                self._invoke(node, dot)
            elif isinstance(node, Loop):
                raise _Jump(node.kind)

    def _scoped(self, nodes: list[Any], dot: Any) -> None:
        mark = len(self.variables)
        try:
            self._walk(nodes, dot)
        finally:
            del self.variables[mark:]

    def _branch(self, node: Branch, dot: Any) -> None:
        mark = len(self.variables)
        try:
            if node.kind == "range":
                self._range(node, dot)
                return
            value = self._pipeline(node.pipeline, dot)
            if truth(value):
                self._scoped(node.body, value if node.kind == "with" else dot)
            else:
                self._scoped(node.otherwise, dot)
        finally:
            del self.variables[mark:]

    def _range(self, node: Branch, dot: Any) -> None:
        pipeline = node.pipeline
        value = self._run_commands(pipeline, dot)
        if isinstance(value, list):
            entries: list[tuple[Any, Any]] = list(enumerate(value))
        elif isinstance(value, dict):
            entries = [(key, value[key]) for key in sorted(value)]
        elif value is MISSING or value is None:
            entries = []
        else:
            raise self._error(pipeline.pos, pipeline.text, f"range can't iterate over {shown(value)}")
        if not entries:
            self._scoped(node.otherwise, dot)
            return
        for key, element in entries:
            mark = len(self.variables)
            names = pipeline.declare
            if len(names) == 1:
                self.variables.append((names[0], element))
            elif len(names) == 2:
                self.variables += [(names[0], key), (names[1], element)]
            try:
                self._walk(node.body, element)
            except _Jump as jump:
                if jump.kind == "break":
                    break
            finally:
                del self.variables[mark:]

    def _invoke(self, node: Invoke, dot: Any) -> None:
        body = self.parsed.defined.get(node.name)
        if body is None:
            raise self._error(node.pos, node.text, f'template "{node.name}" not defined')
        value = self._pipeline(node.pipeline, dot) if node.pipeline else None
        self.depth += 1
        if self.depth > _MAX_DEPTH:
            raise self._error(node.pos, node.text, "exceeded maximum template depth (100000)")
        saved, self.variables = self.variables, [("$", value)]
        try:
            self._walk(body, value)
        finally:
            self.variables, self.depth = saved, self.depth - 1

    # --- pipelines -----------------------------------------------------------------------------
    def _pipeline(self, pipeline: Pipeline, dot: Any) -> Any:
        value = self._run_commands(pipeline, dot)
        for name in pipeline.declare:
            if pipeline.assign:
                self._set(name, value, pipeline)
            else:
                self.variables.append((name, value))
        return value

    def _run_commands(self, pipeline: Pipeline, dot: Any) -> Any:
        value = _NO_FINAL
        for command in pipeline.commands:
            value = self._command(command, dot, value)
        return value

    def _set(self, name: str, value: Any, pipeline: Pipeline) -> None:
        for index in range(len(self.variables) - 1, -1, -1):
            if self.variables[index][0] == name:
                self.variables[index] = (name, value)
                return
        raise self._error(pipeline.pos, pipeline.text, f"undefined variable: {name}")

    def _command(self, command: Command, dot: Any, final: Any) -> Any:
        first = command.args[0]
        if first.kind == "ident":
            return self._call(first.text, command, command.args[1:], dot, final)
        if first.kind == "nil":
            raise self._error(first.pos, "nil", "nil is not a command")
        if len(command.args) > 1 or final is not _NO_FINAL:
            if first.kind == "field" and isinstance(dot, dict):
                raise self._error(first.pos, first.text, f"{first.chain[-1]} is not a method but has arguments")
            raise self._error(first.pos, first.text, f"can't give argument to non-function {first.text}")
        return self._operand(first, dot)

    def _operand(self, operand: Operand, dot: Any) -> Any:
        if operand.kind == "constant":
            return operand.value
        if operand.kind == "nil":
            return None
        if operand.kind == "dot":
            return dot
        if operand.kind == "ident":
            return self._call(operand.text, None, [], dot, _NO_FINAL, at=operand)
        if operand.kind == "field":
            return self._chain(dot, operand.chain, operand)
        if operand.kind == "variable":
            return self._chain(self._variable(operand), operand.chain, operand)
        inner = operand.value
        assert isinstance(inner, Pipeline)
        return self._chain(self._pipeline(inner, dot), operand.chain, operand)

    def _variable(self, operand: Operand) -> Any:
        for name, value in reversed(self.variables):
            if name == operand.value:
                return value
        raise self._error(operand.pos, operand.text, f"undefined variable: {operand.value}")

    def _chain(self, receiver: Any, names: tuple[str, ...], operand: Operand) -> Any:
        typed = "map[string]interface {}" if operand.kind == "field" else "interface {}"
        for name in names:
            if receiver is MISSING:
                return MISSING
            if receiver is None:
                raise self._error(operand.pos, operand.text, f"nil pointer evaluating interface {{}}.{name}")
            if not isinstance(receiver, dict):
                raise self._error(operand.pos, operand.text, f"can't evaluate field {name} in type {typed}")
            receiver = receiver.get(name, MISSING)
            typed = "interface {}"
        return receiver

    # --- calls ---------------------------------------------------------------------------------
    def _call(
        self, name: str, command: Command | None, args: list[Operand], dot: Any, final: Any, at: Operand | None = None
    ) -> Any:
        pos, text = (command.pos, command.text) if command else (at.pos if at else 0, name)
        thunks: list[Callable[[], Any]] = [functools.partial(self._operand, arg, dot) for arg in args]
        if final is not _NO_FINAL:
            thunks.append(functools.partial(_constant, final))
        try:
            if name in ("and", "or"):
                return self._logic(name, thunks)
            values = [thunk() for thunk in thunks]
            arity(name, values)
            if name == "not":
                return not truth(values[0])
            if name == "call":
                target = values[0] if values else None
                raise FunctionError(f"non-function {shown(target)} of type {go_type(target)}")
            return FUNCTIONS[name](*values)
        except FunctionError as error:
            raise self._error(pos, text, f"error calling {name}: {error}") from None

    def _logic(self, name: str, thunks: list[Callable[[], Any]]) -> Any:
        if not thunks:
            raise FunctionError(f"wrong number of args for {name}: want at least 1 got 0")
        value: Any = None
        for thunk in thunks:
            value = thunk()
            if truth(value) != (name == "and"):
                return value
        return value


def _constant(value: Any) -> Any:
    return value
