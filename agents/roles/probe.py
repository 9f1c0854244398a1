"""The Probe: read-only investigation, whose extraction of facts is code (the analyzers) rather than prose.

A Probe is given only a read-only environment handle, so whatever the model writes it cannot change the
cluster; and it chooses its reads from an enumeration of read calls, so it cannot even name a write.

- The survey (``probe_survey``) is the first Probe of every run: the namespace-wide reads an SRE starts
  with, each turned into findings by ``agents.analyzers``; every read is recorded with its raw output.
- A question (``probes_run``) sends one Probe per focus service: each round the model picks one read of
  that service (the reads that fit its findings listed first), the read's output goes through the
  analyzers, and the Probe reports the findings and the key lines of what it read.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from agents.analyzers.findings import Finding, dedupe
from agents.analyzers.logs import log_read, logs_findings
from agents.analyzers.survey import Read, survey_run
from agents.environment import CloudEnvironment
from agents.roles import prompts
from agents.roles.decide import Ask, Context, StepRecord, decide_all
from agents.roles.evidence import findings_text
from agents.roles.inventory import Inventory
from agents.roles.schema import choice, obj
from agents.roles.tools import run_read, trim

RAW_CHARS = 6000  # what a trajectory keeps of each raw read
EXCERPT_LINES = 8
_KEY_LINE = re.compile(
    r"^\s*(State|Reason|Exit Code|Last State|Restart Count|Ready|Image|Command|Args|TargetPort|Endpoints|"
    r"Replicas|Node-Selectors|Selector|Status|Message|Warning|Error|ClaimName)\b"
)
# Which of a service's reads suit which signals (the order a Probe's choices are listed in).
READ_FITS = {
    "describe pod": {"crash_loop", "pending", "unschedulable", "not_ready", "restarts", "oom_killed", "image_pull"},
    "describe deployment": {"zero_replicas", "replicas_unavailable", "rollout_changed"},
    "describe service": {"target_port_mismatch", "no_endpoints", "selector_matches_nothing"},
    "--previous": {"crash_loop", "restarts", "panic", "terminated"},
    "logs deployment": {"log_errors", "db_error", "auth_error", "callers_fail", "address_mismatch", "panic"},
    "get_logs": {"log_errors", "db_error", "auth_error", "startup_errors"},
}


class ReadOnlyRequired(TypeError):
    """A Probe was handed a handle that can write: refused before anything runs."""


@dataclass(frozen=True)
class Evidence:
    """A Probe's report: the findings of its reads and the key lines of reads that gave none."""

    question: str
    findings: tuple[Finding, ...]
    notes: tuple[str, ...]
    reads: tuple[str, ...]

    def as_text(self) -> str:
        found = "; ".join(finding.line() for finding in self.findings[:3])
        notes = "; ".join(self.notes[:4])
        return f"Q: {self.question} -> {found or notes or 'nothing new'}"


def _require_read_only(env: CloudEnvironment) -> None:
    if not env.read_only:
        raise ReadOnlyRequired("a Probe takes only a read-only environment handle")


def probe_survey(ctx: Context, env: CloudEnvironment, inventory: Inventory) -> tuple[list[Finding], str]:
    """Survey the namespace; every read is recorded as a Probe step. The findings, and a raw table of the
    pods for the Observer when the analyzers find nothing."""
    _require_read_only(env)
    ctx.budget.charge_tool()

    def record(read: Read) -> None:
        action = {"read": read.call, "survey": True, "findings": [finding.line() for finding in read.findings]}
        ctx.sink(StepRecord(role="probe", phase="act", action=action, tool_result=trim(read.output, RAW_CHARS)))

    survey = survey_run(env, inventory.namespace, inventory.selectors, on_read=record)
    table_call = f"kubectl get pods -n {inventory.namespace} -o wide"
    table = env.exec_shell(table_call)
    record(Read(table_call, table))
    return survey.findings, trim(table, 1200)


@dataclass
class _Lane:
    question: str
    focus: tuple[str, ...]
    reads: list[str]
    history: list[tuple[str, str]] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def fitting_reads(inventory: Inventory, focus: Sequence[str], findings: Sequence[Finding]) -> list[str]:
    """The focus services' reads, those that suit the services' findings first."""
    signals = {finding.signal for finding in findings if finding.service in focus}
    reads = [read for service in focus if service in inventory.services for read in inventory.service_reads(service)]
    reads = reads or list(inventory.reads)

    def fit(read: str) -> int:
        return sum(len(signals & fits) for marker, fits in READ_FITS.items() if marker in read)

    position = {read: index for index, read in enumerate(reads)}
    return sorted(reads, key=lambda read: (-fit(read), position[read]))


def probes_run(
    ctx: Context,
    env: CloudEnvironment,
    inventory: Inventory,
    assignments: Sequence[tuple[str, tuple[str, ...]]],
    *,
    rounds: int,
    known: Sequence[Finding] = (),
) -> list[Evidence | None]:
    """Several Probes, one per (question, focus), in lockstep: each round's read choices go to the backend as
    one batch, then the reads run one by one and go through the analyzers. Results in the order of
    ``assignments``; None for a Probe whose every decision was invalid."""
    _require_read_only(env)
    lanes = [_Lane(question, focus, fitting_reads(inventory, focus, known)) for question, focus in assignments]
    active = list(range(len(lanes)))
    chose_any = [False] * len(lanes)
    for _ in range(rounds):
        if not active:
            break
        asks = [_read_ask(lanes[i], known) for i in active]
        decisions = decide_all(ctx, role="probe", asks=asks)
        still: list[int] = []
        for i, decision in zip(active, decisions, strict=True):
            if decision is None:
                continue
            chose_any[i] = True
            _read(ctx, env, inventory, lanes[i], decision["read"], index=i if len(lanes) > 1 else None)
            still.append(i)
        active = still
    return [
        Evidence(lane.question, tuple(dedupe(lane.findings)), tuple(lane.notes), tuple(r for r, _ in lane.history))
        if chose_any[i]
        else None
        for i, lane in enumerate(lanes)
    ]


def _read_ask(lane: _Lane, known: Sequence[Finding]) -> Ask:
    about = [finding for finding in known if finding.service in lane.focus]
    user = prompts.PROBE_READ.format(
        question=lane.question,
        focus=", ".join(lane.focus) or "any",
        findings=findings_text(about, limit=4),
        history="\n".join(f"$ {read}" for read, _ in lane.history) or "(none)",
    )
    return Ask(prompts.PROBE_SYSTEM, user, obj({"read": choice(_unread(lane))}))


def _read(
    ctx: Context, env: CloudEnvironment, inventory: Inventory, lane: _Lane, call: str, *, index: int | None
) -> None:
    ctx.budget.charge_tool()
    output = run_read(env, call)
    found = _analyze(call, output, inventory, lane.focus)
    notes = [] if found else _key_lines(output)
    action = {
        "read": call,
        "findings": [finding.line() for finding in found],
        **({"probe": index} if index is not None else {}),
    }
    ctx.sink(
        StepRecord(role="probe", phase="act", action=action, tool_result=trim(output, ctx.budget.max_tool_output_chars))
    )
    lane.history.append((call, output))
    lane.findings += found
    lane.notes += [f"{call.split(' -n ')[0]}: {line}" for line in notes]


def _analyze(call: str, output: str, inventory: Inventory, focus: tuple[str, ...]) -> list[Finding]:
    """Logs go through the log analyzer; other reads are excerpted (``_key_lines``)."""
    words = call.split()
    if words[:2] == ["kubectl", "logs"] or words[:1] == ["get_logs"]:
        service = words[-1] if words[:1] == ["get_logs"] else next((s for s in focus if s in call), "")
        reading = log_read(output, service=service, services=inventory.services, ports={})
        return [f for f in logs_findings(reading, service=service, source=call) if f.signal != "depends_on"]
    return []


def _key_lines(output: str) -> list[str]:
    lines = [" ".join(line.split()) for line in output.splitlines() if _KEY_LINE.match(line)]
    return list(dict.fromkeys(lines))[:EXCERPT_LINES]


def _unread(lane: _Lane) -> list[str]:
    """The reads this Probe has not made yet (a repeated read only repeats what it already knows)."""
    done = {read for read, _ in lane.history}
    return [read for read in lane.reads if read not in done] or lane.reads
