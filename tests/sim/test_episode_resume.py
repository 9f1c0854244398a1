"""Resuming an episode in another process: the journal replays the calls and proves the cluster is the same."""

from __future__ import annotations

import json
from typing import Any

import pytest

from agents.runtime.simulate import run_problem
from agents.sim.episode import Episode, EpisodeDiverged, episode_journal, episode_resume, episode_start
from agents.sim.problems import problem_get
from tests.agents_runtime.models import SchemaModel, user_service_expert
from tests.agents_runtime.test_injection import cluster_fingerprint

PROBLEM = "k8s_target_port-misconfig-mitigation-1"


def _journal_after_a_run() -> tuple[list[dict[str, Any]], Episode]:
    problem = problem_get(PROBLEM)
    result = run_problem(problem, backend=SchemaModel(user_service_expert), seed=7)
    return json.loads(json.dumps(episode_journal(result.episode))), result.episode


def test_a_resumed_episode_is_the_one_the_agents_left() -> None:
    journal, original = _journal_after_a_run()
    assert any(not entry["read_only"] for entry in journal)  # the fix is in it

    resumed = episode_resume(problem_get(PROBLEM), seed=7, leaks=True, journal=journal)

    assert cluster_fingerprint(resumed.state) == cluster_fingerprint(original.state)
    assert resumed.state.clock.now == original.state.clock.now
    assert resumed.files == original.files
    assert [a.output for a in resumed.actions] == [a.output for a in original.actions]


def test_a_resumed_episode_goes_on_as_the_original_would() -> None:
    problem = problem_get(PROBLEM)
    original = episode_start(problem, seed=3)
    reader = original.environment(read_only=True)
    reader.exec_shell("kubectl get pods -n test-social-network")
    resumed = episode_resume(problem, seed=3, leaks=True, journal=episode_journal(original))

    command = "kubectl describe service user-service -n test-social-network"
    assert resumed.environment(read_only=True).exec_shell(command) == reader.exec_shell(command)


def test_a_journal_that_does_not_match_the_simulator_is_refused() -> None:
    journal, _ = _journal_after_a_run()
    journal[2]["digest"] = "0" * 16
    with pytest.raises(EpisodeDiverged, match="journal entry 2"):
        episode_resume(problem_get(PROBLEM), seed=7, leaks=True, journal=journal)


@pytest.mark.parametrize("api", ["submit", "__class__", "environment", None])
def test_only_interface_calls_are_replayed(api: object) -> None:
    with pytest.raises(EpisodeDiverged, match="not an interface call"):
        episode_resume(problem_get(PROBLEM), seed=0, leaks=True, journal=[{"api": api, "args": [], "digest": ""}])


def test_a_different_seed_diverges() -> None:
    journal, _ = _journal_after_a_run()
    with pytest.raises(EpisodeDiverged):
        episode_resume(problem_get(PROBLEM), seed=8, leaks=True, journal=journal)
