"""What the simulated kubectl answers with: success and failure results, the executor's Forbidden refusal,
and kubectl's column layout for the tables it prints itself (``top``, ``rollout history``)."""

from __future__ import annotations

from collections.abc import Sequence

from agents.cli.kubectl_args import KubectlCommand
from agents.cli.shell import ProgramResult
from agents.sim.kubectl.lookup import namespace_of

EXECUTOR = 'User "system:serviceaccount:aoi:executor"'


def fail(message: str, code: int = 1) -> ProgramResult:
    return ProgramResult(stdout="", stderr=message if message.endswith("\n") else message + "\n", exit_code=code)


def ok(text: str) -> ProgramResult:
    return ProgramResult(stdout=text if not text or text.endswith("\n") else text + "\n")


def forbidden(command: KubectlCommand) -> ProgramResult:
    """The API server's refusal of a verb or kind the executor's role does not grant."""
    plural = command.resources[0].type.plural if command.resources else command.verb
    return fail(
        f"Error from server (Forbidden): {plural} is forbidden: {EXECUTOR} cannot {command.verb} resource "
        f'"{plural}" in the namespace "{namespace_of(command)}"'
    )


def columns(rows: Sequence[Sequence[str]]) -> str:
    widths = [max(len(str(row[index])) for row in rows) for index in range(len(rows[0]))]
    return "\n".join(
        "   ".join(str(cell).ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip() for row in rows
    )
