"""The Probe: read-only investigation of one question, returning structured evidence.

A Probe is given only a read-only environment handle, so whatever the model writes it cannot change the
cluster; and it chooses its reads from an enumeration of read calls, so it cannot even name a write. Each
round is one read; then it reports findings, suspects and confidence under a schema.
"""

from __future__ import annotations

from dataclasses import dataclass

from agents.environment import CloudEnvironment
from agents.roles import prompts
from agents.roles.decide import Context, StepRecord, decide
from agents.roles.inventory import Inventory
from agents.roles.schema import array, choice, obj, string
from agents.roles.tools import run_read, trim


class ReadOnlyRequired(TypeError):
    """A Probe was handed a handle that can write: refused before anything runs."""


@dataclass(frozen=True)
class Evidence:
    question: str
    findings: tuple[str, ...]
    suspects: tuple[str, ...]
    confidence: float
    reads: tuple[str, ...]

    def as_text(self) -> str:
        found = "; ".join(self.findings) or "nothing conclusive"
        suspects = ", ".join(self.suspects) or "none"
        return f"Q: {self.question} -> {found} (suspects: {suspects}; confidence {self.confidence:.2f})"


def probe_run(
    ctx: Context, env: CloudEnvironment, inventory: Inventory, question: str, focus: tuple[str, ...], *, rounds: int
) -> Evidence | None:
    """Investigate ``question`` with at most ``rounds`` reads; None when the Probe could not report."""
    if not env.read_only:
        raise ReadOnlyRequired("a Probe takes only a read-only environment handle")
    reads = list(inventory.reads_for(focus))
    history: list[tuple[str, str]] = []
    for _ in range(rounds):
        decision = decide(
            ctx,
            role="probe",
            system=prompts.PROBE_SYSTEM,
            schema=obj({"read": choice(reads)}),
            user=prompts.PROBE_READ.format(
                question=question, focus=", ".join(focus) or "any", history=_history(history, 300)
            ),
        )
        if decision is None:
            break
        ctx.budget.charge_tool()
        output = trim(run_read(env, decision["read"]), ctx.budget.max_tool_output_chars)
        ctx.sink(StepRecord(role="probe", phase="act", action={"read": decision["read"]}, tool_result=output))
        history.append((decision["read"], output))
    schema = obj(
        {
            "findings": array(string(100), max_items=3),
            "suspects": array(choice(inventory.services), max_items=3),
            "confidence": {"type": "number", "minimum": 0, "maximum": 1},
        }
    )
    report = decide(
        ctx,
        role="probe",
        system=prompts.PROBE_SYSTEM,
        schema=schema,
        user=prompts.PROBE_REPORT.format(question=question, history=_history(history, 700)),
    )
    if report is None:
        return None
    return Evidence(
        question,
        tuple(report["findings"]),
        tuple(report["suspects"]),
        float(report["confidence"]),
        tuple(read for read, _ in history),
    )


def _history(history: list[tuple[str, str]], limit: int) -> str:
    return "\n".join(f"$ {read}\n{trim(output, limit)}" for read, output in history) or "(none)"
