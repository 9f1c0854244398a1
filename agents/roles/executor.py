"""The Executor: the only role that writes, and only through the write gate.

It turns the Observer's plan into one write of the catalogue (``agents.roles.writes``), made concrete as a
canonical command, and hands it to a ``WriteGate`` with its rationale, expected effect, verification reads
and risk class. Only an approved request runs, with the write handle, exactly as rendered from the
approved command; then the verification reads run. A rejection's reason goes back to the Observer.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any, Protocol

from agents.analyzers.findings import Finding
from agents.analyzers.ranking import finding_weight
from agents.environment import CloudEnvironment
from agents.roles import prompts
from agents.roles.decide import Context, StepRecord, decide
from agents.roles.evidence import findings_text, ranked_findings
from agents.roles.inventory import Inventory
from agents.roles.schema import choice, obj
from agents.roles.tools import trim
from agents.roles.writes import VERBS, WriteUnavailable, command_shell, verb_strength, verbs_for, verification_reads


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
    ctx: Context,
    *,
    read_env: CloudEnvironment,
    inventory: Inventory,
    target: str,
    goal: str,
    findings: Sequence[Finding] = (),
    targets: Sequence[str] = (),
    strongest_only: bool = False,
) -> tuple[WriteProposal | None, str]:
    """The write the Executor proposes for the plan, made concrete; (None, why not) when there is none.

    Only the verbs that repair the target's findings are offered (the whole catalogue when none does),
    strongest first; ``strongest_only`` keeps those that repair its strongest finding (a first attempt).
    ``targets`` (the plan's target first) are the targets it may name. The rationale a reviewer reads is
    the findings about the chosen target, not the model's prose."""
    about = [finding for finding in ranked_findings(findings) if finding.service == target]
    weights: dict[str, float] = {}
    for finding in about:
        weights[finding.signal] = max(weights.get(finding.signal, 0.0), finding_weight(finding))
    ordered = verbs_for(weights)
    fitting = [name for name in ordered if VERBS[name].addresses & set(weights)]
    if fitting and strongest_only:
        best = verb_strength(fitting[0], weights)
        fitting = [name for name in fitting if verb_strength(name, weights) >= best]
    ordered = fitting or ordered  # the writes that repair what was found; the whole catalogue when none does
    verbs = "\n".join(f"- {name}: {VERBS[name].description}{_fits(name, weights)}" for name in ordered)
    choices = list(dict.fromkeys([target, *targets]))
    schema = obj({"verb": choice(ordered), "target": choice(choices)})
    user = prompts.EXECUTOR_CHOOSE.format(target=target, goal=goal, findings=findings_text(about, limit=4), verbs=verbs)
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
        _rationale(choice_made["target"], goal, findings),
        verb.expected_effect,
        tuple(verification_reads(command)),
        verb.risk,
    )
    return proposal, ""


def _fits(name: str, weights: dict[str, float]) -> str:
    fits = [signal.replace("_", " ") for signal in weights if signal in VERBS[name].addresses]
    return f" (repairs: {', '.join(fits)})" if fits else ""


def _rationale(target: str, goal: str, findings: Sequence[Finding]) -> str:
    about = [finding.line() for finding in ranked_findings(findings) if finding.service == target][:2]
    text = "; ".join(about) or goal
    return text if len(text) <= 300 else text[:297] + "..."


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
    findings: Sequence[Finding] = (),
) -> ExecutionResult:
    """Propose one write for the plan, wait for the gate, run it if approved, verify it (in one go)."""
    proposal, why_not = executor_propose(
        ctx, read_env=read_env, inventory=inventory, target=target, goal=goal, findings=findings
    )
    if proposal is None:
        return ExecutionResult(None, False, "", "", reason=why_not)
    decision = gate.submit(proposal)
    return executor_apply(ctx, read_env=read_env, write_env=write_env, proposal=proposal, decision=decision)
