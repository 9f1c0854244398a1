"""The Probe: read-only investigation of one question, returning structured evidence.

A Probe is given only a read-only environment handle, so whatever the model writes it cannot change the
cluster; and it chooses its reads from an enumeration of read calls, so it cannot even name a write. Each
round is one read; then it reports findings, suspects and confidence under a schema.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from agents.environment import CloudEnvironment
from agents.roles import prompts
from agents.roles.decide import Ask, Context, StepRecord, decide_all
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
    return probes_run(ctx, env, inventory, [(question, focus)], rounds=rounds)[0]


@dataclass
class _Lane:
    question: str
    focus: tuple[str, ...]
    reads: list[str]
    history: list[tuple[str, str]]


def probes_run(
    ctx: Context,
    env: CloudEnvironment,
    inventory: Inventory,
    assignments: Sequence[tuple[str, tuple[str, ...]]],
    *,
    rounds: int,
) -> list[Evidence | None]:
    """Several Probes, one per (question, focus), in lockstep: each round's read choices go to the backend as
    one batch (the embedded model generates a batch of 4 about twice as fast as 4 alone), then the reads
    run one by one, then the reports are batched. Results in the order of ``assignments``."""
    if not env.read_only:
        raise ReadOnlyRequired("a Probe takes only a read-only environment handle")
    lanes = [_Lane(question, focus, list(inventory.reads_for(focus)), []) for question, focus in assignments]
    active = list(range(len(lanes)))
    for _ in range(rounds):
        if not active:
            break
        asks = [
            Ask(
                prompts.PROBE_SYSTEM,
                prompts.PROBE_READ.format(
                    question=lanes[i].question,
                    focus=", ".join(lanes[i].focus) or "any",
                    history=_history(lanes[i].history, 300),
                ),
                obj({"read": choice(_unread(lanes[i]))}),
            )
            for i in active
        ]
        decisions = decide_all(ctx, role="probe", asks=asks)
        still: list[int] = []
        for i, decision in zip(active, decisions, strict=True):
            if decision is None:
                continue
            ctx.budget.charge_tool()
            output = trim(run_read(env, decision["read"]), ctx.budget.max_tool_output_chars)
            action = {"read": decision["read"], **({"probe": i} if len(lanes) > 1 else {})}
            ctx.sink(StepRecord(role="probe", phase="act", action=action, tool_result=output))
            lanes[i].history.append((decision["read"], output))
            still.append(i)
        active = still
    schema = obj(
        {
            "findings": array(string(100), min_items=1, max_items=3),
            "suspects": array(choice(inventory.services), max_items=3),
            "confidence": {"type": "number", "minimum": 0, "maximum": 1},
        }
    )
    reports = decide_all(
        ctx,
        role="probe",
        asks=[
            Ask(
                prompts.PROBE_SYSTEM,
                prompts.PROBE_REPORT.format(question=lane.question, history=_history(lane.history, 700)),
                schema,
            )
            for lane in lanes
        ],
    )
    return [
        None
        if report is None
        else Evidence(
            lane.question,
            tuple(report["findings"]),
            tuple(report["suspects"]),
            float(report["confidence"]),
            tuple(read for read, _ in lane.history),
        )
        for lane, report in zip(lanes, reports, strict=True)
    ]


def _unread(lane: _Lane) -> list[str]:
    """The reads this Probe has not made yet (a repeated read only repeats what it already knows)."""
    done = {read for read, _ in lane.history}
    return [read for read in lane.reads if read not in done] or lane.reads


def _history(history: list[tuple[str, str]], limit: int) -> str:
    return "\n".join(f"$ {read}\n{trim(output, limit)}" for read, output in history) or "(none)"
