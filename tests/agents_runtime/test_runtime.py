"""The AOI runtime on simulated problems: phases, resumption from stored state, repair, budgets, the gate."""

import json
import statistics
from collections.abc import Sequence

import pytest

from agents.llm.base import BatchTokenCallback, ChatRequest, Completion, TokenCallback, Usage
from agents.roles.decide import Budget, Context, StepRecord, decide
from agents.roles.executor import GateDecision, WriteProposal
from agents.roles.inventory import inventory_read
from agents.roles.memory import EvidenceBuffer, Knowledge, retrieve
from agents.roles.probe import ReadOnlyRequired, probe_survey, probes_run
from agents.roles.schema import DecisionError, answer_schema, array, choice, obj, parse_decision, string
from agents.runtime.aoi import AOIRun, Handles
from agents.runtime.simulate import PolicyGate, run_problem
from agents.sim.episode import episode_start
from agents.sim.problems import problem_get
from tests.agents_runtime.models import SchemaModel, user_service_expert

SN = "test-social-network"


expert = user_service_expert


class Sequenced:
    """A model without grammar support that answers from a list, in order."""

    name = model = "sequenced"
    supports_json_schema = False

    def __init__(self, answers: list[str]) -> None:
        self.answers = list(answers)

    def complete(self, request: ChatRequest, *, on_token: TokenCallback | None = None) -> Completion:
        return Completion(self.answers.pop(0), Usage(5, 5), 0.001, self.model, self.name)

    def complete_batch(
        self, requests: Sequence[ChatRequest], *, on_token: BatchTokenCallback | None = None
    ) -> list[Completion]:
        return [self.complete(request) for request in requests]


@pytest.mark.parametrize("task", ["detection", "localization", "analysis", "mitigation"])
def test_aoi_solves_the_target_port_problem_of_each_task_when_the_model_decides_well(task):
    result = run_problem(problem_get(f"k8s_target_port-misconfig-{task}-1"), backend=SchemaModel(expert), seed=0)

    assert result.grade["success"] is True
    roles = [step.role for step in result.steps]
    assert roles[0] == "probe"  # the survey: the namespace-wide reads, before the Observer's first decision
    assert result.steps[0].action is not None
    assert result.steps[0].action["survey"] is True
    assert "observer" in roles
    if task == "mitigation":
        assert result.grade["strict_success"] is True
        assert result.state["submission"]["executed"].startswith("kubectl patch service user-service")


def test_a_rejected_fix_returns_its_reason_to_the_observer_and_nothing_runs():
    class Reject:
        def __init__(self):
            self.seen: list[WriteProposal] = []

        def submit(self, proposal: WriteProposal, ticket: str = "") -> GateDecision:
            self.seen.append(proposal)
            return GateDecision(approved=False, reason="wrong service, check the Service first")

    model = SchemaModel(expert)
    gate = Reject()
    result = run_problem(problem_get("k8s_target_port-misconfig-mitigation-1"), backend=model, seed=0, gate=gate)

    assert len(gate.seen) == 2  # two attempts, both refused
    assert result.state["outcome"].startswith("failed: fix not applied")
    assert any("wrong service, check the Service first" in m.content for r in model.requests for m in r.messages)
    assert [action for action in result.episode.actions if action.wrote] == []


def test_the_policy_gate_names_itself_and_sees_the_exact_command():
    gate = PolicyGate()
    run_problem(problem_get("k8s_target_port-misconfig-mitigation-1"), backend=SchemaModel(expert), seed=0, gate=gate)

    proposal = gate.approved[0]
    assert proposal.command == {
        "verb": "patch",
        "target": {"kind": "Service", "name": "user-service"},
        "namespace": SN,
        "args": {"type": "json", "patch": [{"op": "replace", "path": "/spec/ports/0/targetPort", "value": 9090}]},
    }
    assert proposal.rendered == (
        f"kubectl patch service user-service -n {SN} --type=json "
        '-p \'[{"op":"replace","path":"/spec/ports/0/targetPort","value":9090}]\''
    )
    assert proposal.verification[0] == f"kubectl get endpoints user-service -n {SN}"


def test_a_run_resumes_from_its_stored_state_with_the_same_result():
    problem = problem_get("k8s_target_port-misconfig-localization-1")

    straight = run_problem(problem, backend=SchemaModel(expert), seed=0)

    episode = episode_start(problem, seed=0)
    handles = Handles(read=episode.environment(read_only=True))
    steps: list[StepRecord] = []
    ctx = Context(backend=SchemaModel(expert), sink=steps.append)
    run = AOIRun.start(task=problem.task, namespace=problem.namespace, incident=straight.state["incident"])
    while not run.done:
        run = AOIRun(json.loads(json.dumps(run.state)))  # stored and reloaded between every phase
        run.advance(ctx, handles)

    assert run.state["submission"] == straight.state["submission"] == ["user-service"]
    assert [step.role for step in steps] == [step.role for step in straight.steps]


def test_an_invalid_answer_gets_one_repair_then_counts():
    steps: list[StepRecord] = []
    ctx = Context(backend=Sequenced(["not json at all", '{"answer": "Yes"}']), sink=steps.append)

    decision = decide(ctx, role="observer", system="s", user="u", schema=answer_schema("detection", ["a"]))

    assert decision == {"answer": "Yes"}
    assert [bool(step.error) for step in steps] == [True, False]
    assert steps[0].error.startswith("invalid decision: no JSON object found")


def test_still_invalid_after_the_repair_is_a_failed_step_and_the_run_ends_cleanly():
    problem = problem_get("k8s_target_port-misconfig-detection-1")
    answers = ['{"nope": 1}'] * 4

    result = run_problem(problem, backend=Sequenced(answers), seed=0)

    assert result.state["outcome"] == "failed: the Observer produced no valid decision"
    assert result.grade["success"] is False
    assert result.grade["submitted"] is False
    assert sum(1 for step in result.steps if step.error) == 2


def test_budgets_end_a_run_cleanly():
    result = run_problem(
        problem_get("k8s_target_port-misconfig-detection-1"),
        backend=SchemaModel(lambda p, o: "probe" if "probe" in o else None),
        seed=0,
        budget=Budget(max_steps=5),
    )

    assert result.state["outcome"] == "failed: step budget of 5 spent"
    assert result.grade["submitted"] is False


def test_a_probe_refuses_a_handle_that_can_write():
    episode = episode_start(problem_get("k8s_target_port-misconfig-detection-1"), seed=0)
    inventory = inventory_read(episode.environment(read_only=True), SN)
    ctx = Context(backend=SchemaModel(), sink=lambda step: None)

    with pytest.raises(ReadOnlyRequired):
        probe_survey(ctx, episode.environment(read_only=False), inventory)
    with pytest.raises(ReadOnlyRequired):
        probes_run(ctx, episode.environment(read_only=False), inventory, [("why?", ())], rounds=1)


def test_evidence_past_its_budget_is_compressed():
    problem = problem_get("k8s_target_port-misconfig-detection-1")
    prefer = lambda prompt, options: "probe" if "probe" in options else None  # noqa: E731
    from agents.runtime.aoi import RunLimits

    result = run_problem(
        problem,
        backend=SchemaModel(prefer, text="x" * 150),
        seed=0,
        limits=RunLimits(observer_steps=4, evidence_budget_tokens=60),
    )

    assert "compressor" in [step.role for step in result.steps]
    assert EvidenceBuffer.from_dict(result.state["evidence"]).compressions >= 1


def test_long_term_memory_retrieves_by_similarity():
    items = [
        Knowledge(
            "target port", "when a service has no endpoints check the Service targetPort against the container port"
        ),
        Knowledge("mongo auth", "when a client logs not authorized, check the database user's roles"),
        Knowledge("flags", "Astronomy Shop faults come from flagd feature flags"),
    ]

    found = retrieve(items, "geo crash-loops: not authorized on geo-db, check roles")

    assert next(item.title for item in found) == "mongo auth"
    assert retrieve(items, "zzz qqq") == []


def test_schema_validation_names_what_is_wrong():
    schema = obj({"services": array(choice(["a", "b"]), min_items=1, max_items=2), "note": string(5)})

    assert parse_decision('```json\n{"services": ["a"], "note": "ok"}\n```', schema) == {
        "services": ["a"],
        "note": "ok",
    }
    for text, message in [
        ('{"services": ["c"], "note": ""}', "not one of the allowed values"),
        ('{"services": [], "note": ""}', "needs 1 to 2 items"),
        ('{"services": ["a"], "note": "too long"}', "longer than 5"),
        ('{"services": ["a"], "note": "", "x": 1}', "unexpected 'x'"),
        ('{"services": ["a"]', "no JSON object"),
    ]:
        with pytest.raises(DecisionError, match=message):
            parse_decision(text, schema)


def test_baseline_runs_with_the_full_shell_on_the_simulator():
    def shell_expert(prompt, options):
        for want in (f"kubectl describe service user-service -n {SN}", "user-service"):
            if want in options:
                return want
        return "submit" if "submit" in options and "$ kubectl" in prompt else None

    result = run_problem(
        problem_get("k8s_target_port-misconfig-localization-1"),
        backend=SchemaModel(shell_expert),
        agent="baseline",
        seed=0,
    )

    assert result.grade["success"] is True
    assert [step.role for step in result.steps].count("baseline") >= 3


def test_scoring_computes_avg_best_and_spread_per_task():
    from agents.runtime.scoring import RunScore, markdown, summarise

    def score(problem: str, task: str, run: int, success: bool, strict: bool | None = None) -> RunScore:
        return RunScore(problem, task, run, success, strict, 3, 10, 5, 0.1)

    scores = [
        score("p1", "detection", 0, True),
        score("p1", "detection", 1, False),
        score("p2", "detection", 0, False),
        score("p2", "detection", 1, False),
        score("p3", "mitigation", 0, True, False),
        score("p3", "mitigation", 1, True, True),
    ]

    summary = summarise(scores)
    strict = summarise(scores, strict=True)

    assert summary["all"]["avg@1"] == round(2 / 3, 4)
    assert summary["all"]["avg@2"] == round((0.5 + 0 + 1) / 3, 4)
    assert summary["all"]["best@2"] == round(2 / 3, 4)
    assert summary["all"]["std_across_runs"] == round(statistics.pstdev([2 / 3, 1 / 3]), 4)
    assert summary["detection"]["best@2"] == 0.5
    assert strict["mitigation"]["avg@1"] == 0.0
    assert strict["mitigation"]["best@2"] == 1.0
    assert "| mitigation | 1 | 100.0% |" in markdown(summary, title="AOI")


def test_benchmark_results_do_not_depend_on_the_degree_of_parallelism():
    from agents.runtime.benchmark import benchmark_run, benchmark_tasks
    from agents.sim.problems import problem_list

    problems = problem_list(fault="k8s_target_port-misconfig")[:6]
    config = {"backend": "scripted", "responder": "tests.agents_runtime.models:expert_responder"}
    tasks = benchmark_tasks(problems, runs=2, seed=7, agent="aoi", backend_config=config)

    serial = benchmark_run(tasks, jobs=1)
    parallel = benchmark_run(tasks, jobs=2)

    def comparable(done):
        return [
            (d.problem.problem_id, d.run, d.seed, {k: v for k, v in d.grade.items() if k != "wall_time_s"})
            for d in done
        ]

    assert comparable(serial) == comparable(parallel)
    assert len({d.seed for d in serial}) == 12


def test_a_decision_asks_for_enough_tokens_to_close_its_json():
    from agents.roles.schema import token_bound

    schema = obj({"goal": string(120), "services": array(choice(["user-service", "text-service"]), max_items=2)})
    model = SchemaModel()
    decide(Context(backend=model, sink=lambda step: None), role="observer", system="s", user="u", schema=schema)

    assert token_bound(schema) == 2 + (4 + 4 + 122) + (8 + 4 + 2 + 2 * (len('"user-service"') + 2))
    assert model.requests[0].max_tokens == token_bound(schema)


def test_the_observer_decides_only_after_the_survey_and_probing_comes_first_until_a_probe_reported():
    answer_first = SchemaModel(lambda prompt, options: "answer" if "answer" in options else None)

    result = run_problem(problem_get("k8s_target_port-misconfig-detection-1"), backend=answer_first, seed=0)

    first = answer_first.requests[0].json_schema
    assert first is not None
    assert first["properties"]["next"]["enum"] == ["probe", "answer"]
    roles = [step.role for step in result.steps]
    survey = roles.index("observer")
    assert survey > 0
    assert set(roles[:survey]) == {"probe"}
    assert "Findings (strongest first):" in answer_first.requests[0].messages[-1].content


def test_the_observer_s_questions_are_about_the_findings_never_the_schema_s_text():
    model = SchemaModel(user_service_expert)

    run_problem(problem_get("k8s_target_port-misconfig-localization-1"), backend=model, seed=0)

    decide_schemas = [
        r.json_schema for r in model.requests if r.json_schema and "question" in r.json_schema["properties"]
    ]
    assert decide_schemas
    questions = decide_schemas[0]["properties"]["question"]["enum"]
    assert questions
    assert all(question.endswith("?") for question in questions)
    assert any("user-service" in question for question in questions)  # the service the findings point at
    placeholders = ("string", "question", "your question", "...")
    assert not any(question.strip().lower() in placeholders for question in questions)
