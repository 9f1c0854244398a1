"""The single-agent baseline: one ReAct loop with AIOpsLab's full shell (reads and writes), for comparison.

Same backend, same step budget, same enumerated decoding as the AOI runtime, but one agent and no gate:
its writes go straight to the read-write handle, as AIOpsLab's shell baseline does. That is why it runs
only against the simulator (``run_problem`` refuses it elsewhere): it exists to be measured against.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from agents.environment import CloudEnvironment
from agents.roles import prompts
from agents.roles.decide import Context, StepRecord, decide
from agents.roles.inventory import Inventory, inventory_read
from agents.roles.schema import answer_schema, choice, obj, string, submission_of
from agents.roles.tools import run_read, trim

SUBMIT = "submit"


def baseline_writes(inventory: Inventory) -> list[str]:
    """The write commands the baseline may type, for every service (its shell is not gated)."""
    ns = inventory.namespace
    selectors = dict(inventory.selectors)
    writes = []
    for service in inventory.services:
        writes += [
            f"kubectl rollout restart deployment/{service} -n {ns}",
            f"kubectl scale deployment {service} --replicas=1 -n {ns}",
            f"kubectl rollout undo deployment/{service} -n {ns}",
            f"kubectl delete pod -l {selectors.get(service, f'app={service}')} -n {ns}",
            f"kubectl patch deployment {service} -n {ns} --type=json "
            '-p \'[{"op":"remove","path":"/spec/template/spec/nodeSelector"}]\'',
        ]
    return writes


@dataclass
class BaselineRun:
    """One baseline run; like ``AOIRun``, its state is plain JSON and ``advance`` does one step."""

    state: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def start(cls, *, task: str, namespace: str, incident: str, max_steps: int = 8) -> BaselineRun:
        return cls(
            {
                "task": task,
                "namespace": namespace,
                "incident": incident,
                "max_steps": max_steps,
                "step": 0,
                "history": [],
                "inventory": None,
                "phase": "inventory",
                "submission": None,
                "outcome": None,
                "prompt_versions": {"baseline": prompts.PROMPT_VERSIONS["baseline"]},
            }
        )

    @property
    def done(self) -> bool:
        return bool(self.state["phase"] == "done")

    def finish(self, outcome: str, submission: Any = None) -> None:
        self.state.update(phase="done", outcome=outcome, submission=submission)

    def advance(self, ctx: Context, env: CloudEnvironment) -> bool:
        """One step: read the inventory, or choose and run one command, or answer."""
        if self.state["phase"] == "inventory":
            inventory = inventory_read(env, self.state["namespace"])
            self.state["inventory"] = {
                "services": list(inventory.services),
                "selectors": [list(p) for p in inventory.selectors],
            }
            self.state["phase"] = "act"
        elif self.state["phase"] == "act":
            self._act(ctx, env)
        else:
            self._answer(ctx)
        return self.done

    def _recent_history(self) -> str:
        """The last four commands and their (trimmed) output: what the next decision sees."""
        return "\n".join(f"$ {command}\n{trim(output, 300)}" for command, output in self.state["history"][-4:])

    def _inventory(self) -> Inventory:
        data = self.state["inventory"]
        return Inventory(self.state["namespace"], tuple(data["services"]), tuple(map(tuple, data["selectors"])))

    def _act(self, ctx: Context, env: CloudEnvironment) -> None:
        self.state["step"] += 1
        if self.state["step"] > self.state["max_steps"]:
            self.state["phase"] = "answer"
            return
        inventory = self._inventory()
        commands = [*inventory.reads, *baseline_writes(inventory), SUBMIT]
        history = self._recent_history()
        user = prompts.BASELINE_STEP.format(
            incident=self.state["incident"],
            goal=prompts.TASK_GOALS[self.state["task"]],
            namespace=inventory.namespace,
            history=history or "(none)",
            step=self.state["step"],
            max_steps=self.state["max_steps"],
        )
        decision = decide(
            ctx,
            role="baseline",
            system=prompts.BASELINE_SYSTEM,
            user=user,
            schema=obj({"thought": string(100), "command": choice(commands)}),
        )
        if decision is None:
            self.finish("failed: no valid decision")
            return
        if decision["command"] == SUBMIT:
            self.state["phase"] = "answer"
            return
        ctx.budget.charge_tool()
        output = trim(run_read(env, decision["command"]), ctx.budget.max_tool_output_chars)
        ctx.sink(StepRecord(role="baseline", phase="act", action={"command": decision["command"]}, tool_result=output))
        self.state["history"].append([decision["command"], output])

    def _answer(self, ctx: Context) -> None:
        task = self.state["task"]
        if task == "mitigation":
            self.finish("submitted")
            return
        history = self._recent_history()
        user = prompts.BASELINE_ANSWER.format(
            incident=self.state["incident"], goal=prompts.TASK_GOALS[task], evidence=history or "(none)"
        )
        answer = decide(
            ctx,
            role="baseline",
            system=prompts.BASELINE_SYSTEM,
            user=user,
            schema=answer_schema(task, self._inventory().services),
        )
        if answer is None:
            self.finish("failed: no valid answer")
        else:
            self.finish("answered", submission_of(task, answer))
