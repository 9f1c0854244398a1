"""The AOI runtime: the Observer's loop over Probes, memory and the Executor, one phase per ``advance``.

The run's state is plain JSON (``AOIRun.state``), so a worker can store it after every phase and another
can resume it: ``advance`` does exactly one phase (the survey, one Observer decision, one Probe
investigation, one answer, one plan, one Executor proposal, one gate decision) and says whether the run is
over. The survey's findings (``agents.analyzers``) are the Observer's evidence: its questions are about
them, and its options are listed in the order they support. A gate that cannot
decide at once (people approve in the browser) answers "pending": the run is then ``paused`` in the
``gate`` phase with the gate's ticket, and the next ``advance`` (after people decided) asks the gate again
with it. Handles, backend and gate are passed in on each call, never stored. The submission (the task's
answer, or the fact that a fix ran) is in the state at the end; submitting it to an episode, or setting
the incident's diagnosis, is the caller's business.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from agents.analyzers.findings import Finding, dedupe
from agents.analyzers.ranking import anomalous, label_order, ranked_services
from agents.environment import CloudEnvironment
from agents.roles import prompts
from agents.roles.decide import Context, decide
from agents.roles.evidence import findings_of, findings_text, questions_for, ranked_findings
from agents.roles.executor import ExecutionResult, WriteGate, WriteProposal, executor_apply, executor_propose
from agents.roles.inventory import Inventory, inventory_read
from agents.roles.memory import EvidenceBuffer, Knowledge, retrieve
from agents.roles.probe import probe_survey, probes_run
from agents.roles.schema import answer_schema, choice, obj, options_text, string, submission_of


@dataclass(frozen=True)
class RunLimits:
    observer_steps: int = 5
    probe_rounds: int = 2
    evidence_budget_tokens: int = 500
    fix_attempts: int = 2
    parallel_probes: int = 2  # a question about two services goes to one Probe per service, batched


@dataclass
class Handles:
    """What a phase may touch, handed in by the host (in-process runner, Celery task)."""

    read: CloudEnvironment
    write: CloudEnvironment | None = None
    gate: WriteGate | None = None
    knowledge: Sequence[Knowledge] = ()


@dataclass
class AOIRun:
    """One AOI run. ``state`` is everything needed to resume it."""

    state: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def start(cls, *, task: str, namespace: str, incident: str, limits: RunLimits | None = None) -> AOIRun:
        chosen = limits or RunLimits()
        return cls(
            {
                "task": task,
                "namespace": namespace,
                "incident": incident,
                "phase": "inventory",
                "step": 0,
                "limits": chosen.__dict__.copy(),
                "evidence": EvidenceBuffer(chosen.evidence_budget_tokens).to_dict(),
                "inventory": None,
                "knowledge": [],
                "findings": [],
                "asked": [],
                "probe": None,
                "feedback": "",
                "fix_attempts": 0,
                "submission": None,
                "outcome": None,
                "prompt_versions": dict(prompts.PROMPT_VERSIONS),
            }
        )

    @property
    def done(self) -> bool:
        return bool(self.state["phase"] == "done")

    @property
    def paused(self) -> bool:
        """Waiting for the gate's decision on ``state["ticket"]``; ``advance`` again once it is taken."""
        return bool(self.state.get("ticket")) and self.state["phase"] == "gate"

    @property
    def limits(self) -> RunLimits:
        return RunLimits(**self.state["limits"])

    def advance(self, ctx: Context, handles: Handles) -> bool:
        """Run the next phase; True when the run is over."""
        phase = self.state["phase"]
        getattr(self, f"_phase_{phase}")(ctx, handles)
        return self.done

    def finish(self, outcome: str, submission: Any = None) -> None:
        self.state.update(phase="done", outcome=outcome, submission=submission)

    # --- phases ------------------------------------------------------------------------------------
    def _inventory(self) -> Inventory:
        data = self.state["inventory"]
        return Inventory(data["namespace"], tuple(data["services"]), tuple(map(tuple, data["selectors"])))

    def _evidence(self) -> EvidenceBuffer:
        return EvidenceBuffer.from_dict(self.state["evidence"])

    def _phase_inventory(self, ctx: Context, handles: Handles) -> None:
        inventory = inventory_read(handles.read, self.state["namespace"])
        if not inventory.services:
            self.finish("error: no deployments found in the namespace")
            return
        self.state["inventory"] = {
            "namespace": inventory.namespace,
            "services": list(inventory.services),
            "selectors": [list(pair) for pair in inventory.selectors],
        }
        found = retrieve(handles.knowledge, f"{self.state['incident']} {self.state['task']}")
        self.state["knowledge"] = [f"{item.title}: {item.text}" for item in found]
        self.state["phase"] = "survey"

    def _findings(self) -> list[Finding]:
        return findings_of(self.state.get("findings") or [])

    def _phase_survey(self, ctx: Context, handles: Handles) -> None:
        """The first Probe: the namespace-wide reads, turned into findings by the analyzers."""
        findings, raw = probe_survey(ctx, handles.read, self._inventory())
        self.state.update(findings=[finding.to_dict() for finding in findings], raw=raw, asked=[], phase="decide")
        if findings:
            # Long-term memory is retrieved again, now by what was found, not only by the incident's words.
            query = " ".join(finding.line() for finding in ranked_findings(findings)[:5])
            found = retrieve(handles.knowledge, f"{self.state['incident']} {query}")
            self.state["knowledge"] = [f"{item.title}: {item.text}" for item in found]

    def _suspects(self) -> list[str]:
        return ranked_services(self._findings(), self._inventory().services)

    def _context(self) -> dict[str, str]:
        """What every Observer prompt opens with (``prompts.OBSERVER_CONTEXT``)."""
        return {
            "incident": self.state["incident"],
            "goal": prompts.TASK_GOALS[self.state["task"]],
            "knowledge": "\n".join(self.state["knowledge"]) or "(none)",
            "findings": findings_text(self._findings(), fallback=self.state.get("raw", "")),
            "evidence": self._evidence().text(),
        }

    def _phase_decide(self, ctx: Context, handles: Handles) -> None:
        limits, inventory = self.limits, self._inventory()
        self.state["step"] += 1
        questions = questions_for(self._findings(), inventory.services, asked=self.state.get("asked", []))
        if self.state["step"] > limits.observer_steps or not questions:
            self.state["phase"] = "answer"
            return
        # Before any Probe report the evidence suggests asking; once one came back, answering comes first.
        moves = ["answer", "probe"] if self.state.get("asked") else ["probe", "answer"]
        schema = obj({"next": choice(moves), "question": choice([question.text for question in questions])})
        user = prompts.OBSERVER_NEXT.format(**self._context(), step=self.state["step"], max_steps=limits.observer_steps)
        decision = decide(ctx, role="observer", system=prompts.OBSERVER_SYSTEM, user=user, schema=schema)
        if decision is None:
            self.finish("failed: the Observer produced no valid decision")
        elif decision["next"] == "probe":
            asked = next(question for question in questions if question.text == decision["question"])
            self.state["asked"] = [*self.state.get("asked", []), asked.text]
            self.state.update(phase="probe", probe={"question": asked.text, "focus": list(asked.focus)})
        else:
            self.state["phase"] = "answer"

    def _phase_probe(self, ctx: Context, handles: Handles) -> None:
        request = self.state["probe"]
        question, focus = request["question"], tuple(request["focus"])
        width = self.limits.parallel_probes
        if width > 1 and len(focus) > 1:
            assignments = [(f"{question} [{service}]", (service,)) for service in focus[:width]]
        else:
            assignments = [(question, focus)]
        known = self._findings()
        found = probes_run(
            ctx, handles.read, self._inventory(), assignments, rounds=self.limits.probe_rounds, known=known
        )
        buffer = self._evidence()
        new: list[Finding] = []
        for (asked, _), evidence in zip(assignments, found, strict=True):
            buffer.add(evidence.as_text() if evidence else f"Q: {asked} -> the Probe could not report")
            new += list(evidence.findings) if evidence else []
        if buffer.over_budget:
            self._compress(ctx, buffer)
        merged = dedupe([*known, *new])
        self.state.update(evidence=buffer.to_dict(), findings=[f.to_dict() for f in merged], probe=None, phase="decide")

    def _compress(self, ctx: Context, buffer: EvidenceBuffer) -> None:
        summary = decide(
            ctx,
            role="compressor",
            system=prompts.COMPRESSOR_SYSTEM,
            schema=obj({"summary": string(400)}),
            user=prompts.COMPRESSOR.format(evidence=buffer.text()),
        )
        if summary is not None:
            buffer.replace_with_summary(summary["summary"])

    def _phase_answer(self, ctx: Context, handles: Handles) -> None:
        task, findings = self.state["task"], self._findings()
        suspects = self._suspects()
        labels = label_order(findings, self._inventory().services)
        detection = ("Yes", "No") if anomalous(findings) else ("No", "Yes")
        schema = answer_schema(
            task, suspects, levels=labels.levels, fault_types=labels.fault_types, detection=detection
        )
        notes = {**labels.support, **_detection_notes(findings)}
        user = prompts.OBSERVER_ANSWER.format(**self._context(), options=options_text(schema, notes=notes))
        answer = decide(ctx, role="observer", system=prompts.OBSERVER_SYSTEM, user=user, schema=schema)
        if answer is None:
            self.finish("failed: no valid answer")
        elif task not in ("incident", "mitigation"):
            self.finish("answered", submission_of(task, answer))
        else:
            diagnosis = {key: answer[key] for key in ("component", "system_level", "fault_type")}
            self.state["diagnosis"] = diagnosis
            if task == "mitigation" or anomalous(findings):
                self.state["phase"] = "plan"
            else:
                # A fix is proposed whenever something is wrong; only a healthy namespace needs none.
                self.finish("diagnosed", {"diagnosis": diagnosis, "no_fix": "the analyzers found no anomaly"})

    def _phase_plan(self, ctx: Context, handles: Handles) -> None:
        """The service to fix: the diagnosis' component first; after a refused or failed attempt the Observer
        chooses again, told why."""
        diagnosis = self.state.get("diagnosis") or {}
        if diagnosis and not self.state["feedback"]:
            self._plan_for(diagnosis["component"])
            return
        targets = list(dict.fromkeys([*([diagnosis["component"]] if diagnosis else []), *self._suspects()]))
        feedback = f"Last attempt: {self.state['feedback']}\n" if self.state["feedback"] else ""
        named = (
            ", ".join(diagnosis[key] for key in ("component", "system_level", "fault_type")) if diagnosis else "none"
        )
        user = prompts.OBSERVER_PLAN.format(**self._context(), diagnosis=named, feedback=feedback)
        plan = decide(
            ctx, role="observer", system=prompts.OBSERVER_SYSTEM, user=user, schema=obj({"target": choice(targets)})
        )
        if plan is None:
            self.finish("failed: no valid plan")
            return
        self._plan_for(plan["target"])

    def _plan_for(self, target: str) -> None:
        about = [f.line() for f in ranked_findings(self._findings()) if f.service == target]
        goal = f"repair what the findings show: {about[0]}" if about else "bring the service back to health"
        self.state.update(phase="propose", plan={"target": target, "goal": goal[:300]})

    def _phase_propose(self, ctx: Context, handles: Handles) -> None:
        if handles.write is None or handles.gate is None:
            if self.state.get("diagnosis") and self.state["task"] == "incident":
                self.finish("diagnosed", self._with_diagnosis({"fix_refused": "this run may not write"}))
            else:
                self.finish("failed: no write handle or gate for a mitigation")
            return
        plan = self.state["plan"]
        proposal, why_not = executor_propose(
            ctx,
            read_env=handles.read,
            inventory=self._inventory(),
            target=plan["target"],
            goal=plan["goal"],
            findings=self._findings(),
            targets=[plan["target"]],  # the Observer chose the service; the Executor chooses the write
            strongest_only=not self.state["feedback"],
        )
        if proposal is None:
            self.state["fix_attempts"] += 1
            self._after_fix(ExecutionResult(None, False, "", "", reason=why_not))
            return
        self.state.update(phase="gate", proposal=proposal.to_dict(), ticket="")

    def _phase_gate(self, ctx: Context, handles: Handles) -> None:
        if handles.write is None or handles.gate is None:
            raise RuntimeError("the gate phase needs the write handle and the gate")
        proposal = WriteProposal.from_dict(self.state["proposal"])
        decision = handles.gate.submit(proposal, ticket=self.state.get("ticket") or "")
        if decision.pending:
            self.state["ticket"] = decision.ticket
            return
        result = executor_apply(
            ctx, read_env=handles.read, write_env=handles.write, proposal=proposal, decision=decision
        )
        self.state.update(ticket="", proposal=None)
        self.state["fix_attempts"] += 1
        self._after_fix(result)

    def _after_fix(self, result: ExecutionResult) -> None:
        if result.approved:
            buffer = self._evidence()
            buffer.add(
                f"Fix ran: {result.proposal.rendered if result.proposal else ''}; verification: "
                f"{result.verification[-300:]}"
            )
            self.state["evidence"] = buffer.to_dict()
            executed = result.proposal.rendered if result.proposal else ""
            self.finish("fixed", self._with_diagnosis({"executed": executed}))
        elif result.retry and self.state["fix_attempts"] < self.limits.fix_attempts:
            self.state.update(phase="plan", feedback=result.reason or "rejected")
        elif self.state.get("diagnosis") and self.state["task"] == "incident":
            # The diagnosis of an incident holds even when people turned every proposed fix down; a
            # mitigation's goal is the fix itself.
            self.finish("diagnosed", self._with_diagnosis({"fix_refused": result.reason or "rejected"}))
        else:
            self.finish(f"failed: fix not applied ({result.reason or 'rejected'})")

    def _with_diagnosis(self, submission: dict[str, Any]) -> dict[str, Any]:
        diagnosis = self.state.get("diagnosis")
        return {"diagnosis": diagnosis, **submission} if diagnosis else submission


def _detection_notes(findings: list[Finding]) -> dict[str, list[str]]:
    """What supports each detection answer: the kinds of finding above notice level, or that there are none."""
    kinds = list(dict.fromkeys(f.signal.replace("_", " ") for f in ranked_findings(findings)))
    return {"Yes": kinds} if kinds else {"No": ["no anomaly found"]}
