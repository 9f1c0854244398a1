"""Every mitigation problem gets a fix proposed: the Executor is offered the writes that repair what the
analyzers found, so even a model that always takes the first allowed value reaches the gate."""

from __future__ import annotations

import pytest

from agents.roles.executor import GateDecision, WriteProposal
from agents.runtime.simulate import run_problem
from agents.sim.problems import Problem, problem_list
from tests.agents_runtime.models import SchemaModel

MITIGATION = [problem for problem in problem_list(split=None) if problem.task == "mitigation"]


class Recording:
    """A gate that refuses everything and keeps what it was asked."""

    def __init__(self) -> None:
        self.proposals: list[WriteProposal] = []

    def submit(self, proposal: WriteProposal, ticket: str = "") -> GateDecision:
        self.proposals.append(proposal)
        return GateDecision(approved=False, reason="only recording")


@pytest.mark.parametrize("problem", MITIGATION, ids=lambda problem: problem.problem_id)
def test_every_mitigation_problem_reaches_the_gate_with_a_concrete_write(problem: Problem) -> None:
    gate = Recording()

    result = run_problem(problem, backend=SchemaModel(), seed=0, gate=gate)

    assert gate.proposals, result.state["outcome"]
    first = gate.proposals[0]
    assert first.rendered.startswith("kubectl ")
    assert first.rationale
    assert [action for action in result.episode.actions if action.wrote] == []  # refused: nothing ran


def test_the_mitigation_problems_are_all_there() -> None:
    assert len(MITIGATION) >= 10
