"""Parallel Probes: a question about two services goes to one Probe per service, their decisions batched."""

from __future__ import annotations

from collections.abc import Sequence

from agents.llm.base import BatchTokenCallback, ChatRequest, Completion, LLMError, TokenCallback, Usage
from agents.roles.decide import Ask, Context, StepRecord, decide_all
from agents.roles.inventory import inventory_read
from agents.roles.probe import probes_run
from agents.roles.schema import choice, obj
from agents.runtime.aoi import AOIRun, Handles, RunLimits
from agents.sim.episode import episode_start
from agents.sim.problems import problem_get
from tests.agents_runtime.models import SchemaModel

SN = "test-social-network"
PROBLEM = "k8s_target_port-misconfig-localization-1"


class Batching(SchemaModel):
    """The schema-filler that remembers the size of every call (1 for ``complete``)."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.calls: list[int] = []

    def complete(self, request: ChatRequest, *, on_token: TokenCallback | None = None) -> Completion:
        self.calls.append(1)
        return super().complete(request, on_token=on_token)

    def complete_batch(
        self, requests: Sequence[ChatRequest], *, on_token: BatchTokenCallback | None = None
    ) -> list[Completion]:
        self.calls.append(len(requests))
        return [SchemaModel.complete(self, request) for request in requests]


TWO = ("user-service", "compose-post-service")


def probe_two(model: Batching, limits: RunLimits) -> AOIRun:
    """A run brought to the Observer's decision to probe a question about two services, then probed."""
    problem = problem_get(PROBLEM)
    episode = episode_start(problem, seed=0)
    handles = Handles(read=episode.environment(read_only=True))
    ctx = Context(backend=model, sink=lambda step: None)
    run = AOIRun.start(task=problem.task, namespace=problem.namespace, incident="compose fails", limits=limits)
    run.advance(ctx, handles)  # inventory
    run.advance(ctx, handles)  # survey
    run.state.update(phase="probe", probe={"question": "Is either the cause?", "focus": list(TWO)})
    steps: list[StepRecord] = []
    run.advance(Context(backend=model, sink=steps.append), handles)
    run.state["probe_steps"] = [step.action for step in steps if step.role == "probe" and step.phase == "act"]
    return run


def test_a_question_about_two_services_runs_two_probes_whose_decisions_are_batched() -> None:
    model = Batching()
    run = probe_two(model, RunLimits())

    assert {action["probe"] for action in run.state["probe_steps"] if action} == {0, 1}
    assert 2 in model.calls  # the two Probes' read choices went out as one batch
    evidence = " ".join(run.state["evidence"]["items"])
    assert "[user-service]" in evidence
    assert "[compose-post-service]" in evidence
    assert run.state["phase"] == "decide"


def test_one_probe_per_question_when_parallel_probes_is_one() -> None:
    model = Batching()
    run = probe_two(model, RunLimits(parallel_probes=1))

    assert set(model.calls) == {1}
    acts = run.state["probe_steps"]
    assert acts
    assert all(action is not None and "probe" not in action for action in acts)


def test_lanes_are_read_only_and_each_reports_on_its_own() -> None:
    episode = episode_start(problem_get(PROBLEM), seed=0)
    env = episode.environment(read_only=True)
    inventory = inventory_read(env, SN)
    steps: list[StepRecord] = []
    model = Batching(lambda prompt, options: next((o for o in options if o.startswith("kubectl describe")), None))
    ctx = Context(backend=model, sink=steps.append)

    found = probes_run(
        ctx, env, inventory, [("why? [a]", ("user-service",)), ("why? [b]", ("compose-post-service",))], rounds=1
    )

    assert [evidence.question for evidence in found if evidence] == ["why? [a]", "why? [b]"]
    assert model.calls == [2]  # one batched read choice; the reports come from the analyzers, not the model
    assert not any(action.wrote for action in episode.actions)
    reads = [step.action["read"] for step in steps if step.phase == "act" and step.action]
    assert "user-service" in reads[0]
    assert "compose-post-service" in reads[1]


class Flaky:
    """No grammar support; the batch's second answer is broken, its repair is fine."""

    name = model = "flaky"
    supports_json_schema = False

    def __init__(self) -> None:
        self.singles = 0

    def complete(self, request: ChatRequest, *, on_token: TokenCallback | None = None) -> Completion:
        self.singles += 1
        return Completion('{"read": "b"}', Usage(1, 1), 0.0, self.model, self.name)

    def complete_batch(
        self, requests: Sequence[ChatRequest], *, on_token: BatchTokenCallback | None = None
    ) -> list[Completion]:
        texts = ['{"read": "a"}', "sure! here is the read you asked for"]
        return [Completion(text, Usage(1, 1), 0.0, self.model, self.name) for text in texts]


def test_an_invalid_answer_in_a_batch_is_repaired_alone() -> None:
    steps: list[StepRecord] = []
    model = Flaky()
    ctx = Context(backend=model, sink=steps.append)
    asks = [Ask("s", "u1", obj({"read": choice(["a"])})), Ask("s", "u2", obj({"read": choice(["b"])}))]

    decisions = decide_all(ctx, role="probe", asks=asks)

    assert decisions == [{"read": "a"}, {"read": "b"}]
    assert model.singles == 1
    assert [bool(step.error) for step in steps] == [False, True, False]
    assert ctx.budget.steps == 3


class Down:
    name = model = "down"
    supports_json_schema = True

    def complete(self, request: ChatRequest, *, on_token: TokenCallback | None = None) -> Completion:
        raise LLMError("connection refused")

    def complete_batch(
        self, requests: Sequence[ChatRequest], *, on_token: BatchTokenCallback | None = None
    ) -> list[Completion]:
        raise LLMError("connection refused")


def test_a_backend_error_fails_every_decision_of_the_batch_and_records_each() -> None:
    steps: list[StepRecord] = []
    asks = [Ask("s", f"u{i}", obj({"read": choice(["a"])})) for i in range(3)]

    decisions = decide_all(Context(backend=Down(), sink=steps.append), role="probe", asks=asks)

    assert decisions == [None, None, None]
    assert [step.error for step in steps] == ["backend error: connection refused"] * 3


def test_batched_token_streams_name_their_lane() -> None:
    pieces: list[tuple[str, str]] = []

    class Streaming(SchemaModel):
        def complete_batch(
            self, requests: Sequence[ChatRequest], *, on_token: BatchTokenCallback | None = None
        ) -> list[Completion]:
            completions = [SchemaModel.complete(self, request) for request in requests]
            for index, completion in enumerate(completions):
                if on_token is not None:
                    on_token(index, completion.text)
            return completions

    ctx = Context(backend=Streaming(), sink=lambda step: None, on_token=lambda role, text: pieces.append((role, text)))
    decide_all(ctx, role="probe", asks=[Ask("s", "u", obj({"read": choice(["a"])}))] * 2)

    assert [role for role, _ in pieces] == ["probe[0]", "probe[1]"]


def test_a_probe_never_repeats_a_read_while_others_remain() -> None:
    episode = episode_start(problem_get(PROBLEM), seed=0)
    env = episode.environment(read_only=True)
    steps: list[StepRecord] = []
    # A model stuck on one read: it always prefers the namespace's pod listing.
    model = Batching(lambda prompt, options: "kubectl get pods -n test-social-network -o wide")
    probes_run(Context(backend=model, sink=steps.append), env, inventory_read(env, SN), [("q", ())], rounds=3)

    reads = [step.action["read"] for step in steps if step.phase == "act" and step.action]
    assert len(reads) == 3
    assert len(set(reads)) == 3
