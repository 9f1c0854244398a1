"""The Executor: the only role that writes, and only through the write gate.

It turns the Observer's plan into one write of the catalogue (``agents.roles.writes``), made concrete as a
canonical command, and hands it to a ``WriteGate`` with its rationale, expected effect, verification reads
and risk class. Only an approved request runs, with the write handle, exactly as rendered from the
approved command; then the verification reads run. A rejection's reason goes back to the Observer.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Protocol

from agents.environment import CloudEnvironment
from agents.roles import prompts
from agents.roles.decide import Context, StepRecord, decide
from agents.roles.inventory import Inventory
from agents.roles.schema import choice, obj, string
from agents.roles.tools import trim
from agents.roles.writes import VERBS, WriteUnavailable, command_shell, verification_reads


@dataclass(frozen=True)
class WriteProposal:
    """What the gate is asked to approve: the exact command and what a reviewer needs to judge it."""

    command: dict[str, Any]
    rendered: str
    rationale: str
    expected_effect: str
    verification: tuple[str, ...]
    risk: str

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "verification": list(self.verification)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> WriteProposal:
        return cls(**{**data, "verification": tuple(data["verification"])})


@dataclass(frozen=True)
class GateDecision:
    """``pending``: the request is recorded and people have not decided yet; the run pauses and asks again
    later with ``ticket`` (the gate's name for the request) once they have."""

    approved: bool
    reason: str = ""
    execute: Any = None  # the gate's handle to run the approved command exactly once (None: run directly)
    retry: bool = True  # False: nobody decided in time; another proposal now would only wait the same way
    pending: bool = False
    ticket: str = ""


class WriteBlocked(Exception):
    """Raised by a gate's ``execute`` when the last check before the write refuses it (nothing ran)."""


class WriteGate(Protocol):
    """Where writes wait for a person (the platform's ActionRequest) or for a declared benchmark policy."""

    def submit(self, proposal: WriteProposal, ticket: str = "") -> GateDecision: ...


@dataclass(frozen=True)
class ExecutionResult:
    proposal: WriteProposal | None
    approved: bool
    output: str
    verification: str
    reason: str = ""
    retry: bool = True


def executor_propose(
    ctx: Context, *, read_env: CloudEnvironment, inventory: Inventory, target: str, goal: str, evidence: str
) -> tuple[WriteProposal | None, str]:
    """The write the Executor proposes for the plan, made concrete; (None, why not) when there is none."""
    verbs = "\n".join(f"- {verb.name}: {verb.description}" for verb in VERBS.values())
    schema = obj({"verb": choice(list(VERBS)), "target": choice(inventory.services), "rationale": string(120)})
    user = prompts.EXECUTOR_CHOOSE.format(target=target, goal=goal, evidence=evidence, verbs=verbs)
    choice_made = decide(ctx, role="executor", system=prompts.EXECUTOR_SYSTEM, user=user, schema=schema)
    if choice_made is None:
        return None, "the Executor produced no valid write"
    verb = VERBS[choice_made["verb"]]
    try:
        command = verb.derive(read_env, inventory, choice_made["target"])
    except WriteUnavailable as error:
        ctx.sink(StepRecord(role="executor", phase="act", action=choice_made, error=str(error)))
        return None, str(error)
    proposal = WriteProposal(
        command,
        command_shell(command),
        choice_made["rationale"],
        verb.expected_effect,
        tuple(verification_reads(command)),
        verb.risk,
    )
    return proposal, ""


def executor_apply(
    ctx: Context,
    *,
    read_env: CloudEnvironment,
    write_env: CloudEnvironment,
    proposal: WriteProposal,
    decision: GateDecision,
) -> ExecutionResult:
    """Record the gate's decision on ``proposal``; run it if approved (through the gate's one-shot handle), verify."""
    ctx.sink(
        StepRecord(
            role="executor",
            phase="act",
            action={
                "proposal": proposal.command,
                "rendered": proposal.rendered,
                "approved": decision.approved,
                "reason": decision.reason,
            },
        )
    )
    if not decision.approved:
        return ExecutionResult(proposal, False, "", "", reason=decision.reason, retry=decision.retry)
    ctx.budget.charge_tool()
    try:
        output = decision.execute() if callable(decision.execute) else write_env.exec_shell(proposal.rendered)
    except WriteBlocked as error:
        ctx.sink(StepRecord(role="executor", phase="act", action={"blocked": proposal.rendered}, error=str(error)))
        return ExecutionResult(proposal, False, "", "", reason=f"blocked before it ran: {error}")
    checks = "\n".join(f"$ {read}\n{trim(read_env.exec_shell(read), 600)}" for read in proposal.verification)
    ctx.sink(
        StepRecord(
            role="executor", phase="observe", action={"executed": proposal.rendered}, tool_result=f"{output}\n{checks}"
        )
    )
    return ExecutionResult(proposal, True, str(output), checks)


def executor_run(
    ctx: Context,
    *,
    read_env: CloudEnvironment,
    write_env: CloudEnvironment,
    gate: WriteGate,
    inventory: Inventory,
    target: str,
    goal: str,
    evidence: str,
) -> ExecutionResult:
    """Propose one write for the plan, wait for the gate, run it if approved, verify it (in one go)."""
    proposal, why_not = executor_propose(
        ctx, read_env=read_env, inventory=inventory, target=target, goal=goal, evidence=evidence
    )
    if proposal is None:
        return ExecutionResult(None, False, "", "", reason=why_not)
    decision = gate.submit(proposal)
    return executor_apply(ctx, read_env=read_env, write_env=write_env, proposal=proposal, decision=decision)
