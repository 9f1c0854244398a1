"""The fault library's answers are the graded answers of problems.csv, for every registered problem."""

import pytest

from agents.sim.apps import app_spec
from agents.sim.episode import episode_start
from agents.sim.faults import fault_get
from agents.sim.problems import problem_registry

GRADED = [problem for problem in problem_registry().values() if problem.task != "mitigation"]


@pytest.mark.parametrize("problem", GRADED, ids=lambda problem: problem.problem_id)
def test_library_answer_matches_the_registry(problem):
    fault = fault_get(problem.fault)

    assert (
        fault.expected_answer(task=problem.task, app=app_spec(problem.app), target=problem.target) == problem.expected
    )


def test_every_registered_problem_sets_up():
    for problem in problem_registry().values():
        episode = episode_start(problem, seed=0)
        assert episode.state.app.namespace == problem.namespace
