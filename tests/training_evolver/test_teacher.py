"""The Evolver's pure core on fixed inputs: the teacher's prompt (bounded), schema, parsing, repair, verdicts."""

import json

import pytest

from agents.llm.base import ChatRequest, LLMError
from agents.llm.replay import ScriptedBackend
from agents.llm.schema_filler import SchemaFillerBackend
from agents.sim.faults import fault_names
from training.evolver import (
    FAILURE_PATTERNS,
    CaseUnreadable,
    FailureCase,
    StepView,
    TeacherOutputInvalid,
    problem_case,
    problem_rebuilt,
    steps_text,
    teacher_ask,
    teacher_messages,
    teacher_parse,
    teacher_request,
    teacher_schema,
    validation_verdict,
)
from training.evolver.cases import STEPS_CHARS
from training.models import FailurePattern

PROBLEM = "k8s_target_port-misconfig-localization-1"


def _steps(count: int, *, result: str = "NAME READY STATUS\ncompose-post-service 1/1 Running") -> tuple[StepView, ...]:
    steps = []
    for index in range(1, count + 1):
        if index % 2:
            steps.append(StepView(index, "observer", "reason", {"next": "probe", "focus": ["compose-post-service"]}))
        else:
            steps.append(StepView(index, "probe", "act", {"read": "kubectl get pods"}, result))
    return tuple(steps)


def _case(
    steps: tuple[StepView, ...] = _steps(4), services: tuple[str, ...] = ("user-service", "text-service")
) -> FailureCase:
    return FailureCase(
        kind="problem",
        subject=PROBLEM,
        task="localization",
        brief="Check the SocialNetwork application.",
        truth={"accepted": ["user-service"], "fault": "k8s_target_port-misconfig"},
        outcome={"success": False, "localization_accuracy": 0.0},
        steps=steps,
        fault_types=("k8s_target_port-misconfig", "pod_failure_hotel_res"),
        services=services,
    )


def _answer(**changes: object) -> str:
    answer: dict[str, object] = {
        "failure_pattern": "wrong_investigation_path",
        "failed_step": "3",
        "analysis": "It never read user-service's Service.",
        "title": "Empty endpoints",
        "text": "When a service has no endpoints, check its Service targetPort before concluding.",
        "fault_types": ["k8s_target_port-misconfig"],
        "services": ["user-service"],
    }
    answer.update(changes)
    return json.dumps({key: value for key, value in answer.items() if value is not None})


def test_the_taxonomy_is_the_models() -> None:
    assert list(FAILURE_PATTERNS) == list(FailurePattern.values)


def test_the_schema_enumerates_patterns_steps_and_tags() -> None:
    schema = teacher_schema(_case())

    properties = schema["properties"]
    assert schema["required"] == [
        "failure_pattern",
        "failed_step",
        "analysis",
        "title",
        "text",
        "fault_types",
        "services",
    ]
    assert schema["additionalProperties"] is False
    assert properties["failure_pattern"]["enum"] == list(FailurePattern.values)
    assert properties["failed_step"]["enum"] == ["1", "2", "3", "4"]
    assert properties["fault_types"]["items"]["enum"] == ["k8s_target_port-misconfig", "pod_failure_hotel_res"]
    assert properties["services"]["items"]["enum"] == ["user-service", "text-service"]
    assert properties["title"]["maxLength"] == 120
    assert properties["services"]["maxItems"] == 3


def test_without_known_services_the_tags_are_free_short_names() -> None:
    properties = teacher_schema(_case(services=()))["properties"]

    assert properties["services"]["items"] == {"type": "string", "maxLength": 63}


def test_a_run_without_steps_has_nothing_to_point_at() -> None:
    with pytest.raises(TeacherOutputInvalid, match="no steps"):
        teacher_schema(_case(steps=()))


def test_the_prompt_holds_truth_outcome_and_steps_and_stays_bounded() -> None:
    long_run = _steps(400, result="x" * 5000)
    long_run = (StepView(1, "probe", "act", {"read": "kubectl get secret"}, "password=hunter2"), *long_run[1:])

    system, user = teacher_messages(_case(steps=long_run))

    assert system.role == "system"
    assert "Reply with JSON only" in system.content
    assert '"accepted":["user-service"]' in user.content
    assert '"localization_accuracy":0.0' in user.content
    assert "#400 probe/act" in user.content
    assert "left out" in user.content
    assert "#1 probe/act" in user.content
    assert "hunter2" not in user.content
    assert len(user.content) < STEPS_CHARS + 3000
    for name in FAILURE_PATTERNS:
        assert f"- {name}:" in user.content


def test_a_short_run_is_shown_whole_one_line_a_step() -> None:
    text = steps_text(_steps(4))

    assert text.splitlines()[1] == (
        '#2 probe/act {"read":"kubectl get pods"} -> NAME READY STATUS compose-post-service 1/1 Running'
    )
    assert len(text.splitlines()) == 4


def test_the_request_asks_for_structured_output_within_a_token_bound() -> None:
    request = teacher_request(_case(), seed=7)

    assert request.json_schema == teacher_schema(_case())
    assert 0 < request.max_tokens <= 2048
    assert request.seed == 7
    assert request.temperature == 0.0


def test_a_valid_answer_is_parsed() -> None:
    proposal = teacher_parse("```json\n" + _answer(services=["user-service", "user-service"]) + "\n```", _case())

    assert proposal.failure_pattern == "wrong_investigation_path"
    assert proposal.failed_step == 3
    assert proposal.title == "Empty endpoints"
    assert proposal.fault_types == ("k8s_target_port-misconfig",)
    assert proposal.services == ("user-service",)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        (_answer(failure_pattern="lazy"), "failure_pattern: 'lazy' is not one of the allowed values"),
        (_answer(failed_step="99"), "failed_step: '99' is not one of the allowed values"),
        (_answer(failed_step=3), "failed_step: 3 is not one of the allowed values"),
        (_answer(title=None), "missing 'title'"),
        (_answer(services=["billing"]), r"services\[0\]: 'billing' is not one of the allowed values"),
        (_answer(text="x" * 501), "longer than 500 characters"),
        (_answer(title="   "), "needs a title and a text"),
        ("the run went wrong at step 3", "no JSON object found"),
        ("{'failure_pattern': 'other'}", "invalid JSON"),
    ],
)
def test_an_invalid_answer_says_why(text: str, reason: str) -> None:
    with pytest.raises(TeacherOutputInvalid, match=reason):
        teacher_parse(text, _case())


def test_a_step_the_run_does_not_have_is_refused() -> None:
    case = _case()
    gapped = FailureCase(**{**case.__dict__, "steps": case.steps[:2] + case.steps[3:]})

    with pytest.raises(TeacherOutputInvalid, match="not one of the allowed values"):
        teacher_parse(_answer(failed_step="3"), gapped)


def _scripted(*answers: str) -> tuple[ScriptedBackend, list[ChatRequest]]:
    seen: list[ChatRequest] = []
    replies = iter(answers)

    def respond(request: ChatRequest) -> str:
        seen.append(request)
        return next(replies)

    return ScriptedBackend(respond), seen


def test_a_backend_without_grammar_gets_one_repair() -> None:
    backend, seen = _scripted("not json", _answer())

    proposal = teacher_ask(backend, _case())

    assert proposal.failed_step == 3
    assert len(seen) == 2
    assert [message.role for message in seen[1].messages] == ["system", "user", "assistant", "user"]
    assert "no JSON object found" in seen[1].messages[-1].content


def test_an_answer_still_invalid_after_the_repair_is_refused() -> None:
    backend, seen = _scripted("not json", _answer(failed_step="42"))

    with pytest.raises(TeacherOutputInvalid, match=r"'42' is not one of the allowed values.*after one repair"):
        teacher_ask(backend, _case())
    assert len(seen) == 2


def test_a_grammar_constrained_backend_is_asked_once() -> None:
    backend = SchemaFillerBackend(text="check the Service ports before blaming the pods")

    proposal = teacher_ask(backend, _case())

    assert proposal.failure_pattern == "missing_evidence"
    assert proposal.failed_step == 1
    assert proposal.text == "check the Service ports before blaming the pods"
    assert len(backend.requests) == 1
    assert backend.requests[0].json_schema == teacher_schema(_case())


def test_a_failing_backend_is_an_invalid_output_with_its_reason() -> None:
    def broken(request: ChatRequest) -> str:
        raise LLMError("connection refused")

    with pytest.raises(TeacherOutputInvalid, match="backend error: connection refused"):
        teacher_ask(ScriptedBackend(broken), _case())


@pytest.mark.parametrize(
    ("successes", "planned", "verdict"),
    [
        ([False, True], 2, "salvaged"),
        ([True], 3, "salvaged"),
        ([False, False], 2, "not_salvaged"),
        ([False], 2, "not_run"),
        ([], 0, "not_run"),
    ],
)
def test_the_verdict_of_the_re_runs(successes: list[bool], planned: int, verdict: str) -> None:
    assert validation_verdict(successes, planned=planned) == verdict


def test_a_registry_problem_reads_its_truth_from_the_fault_library() -> None:
    problem = problem_rebuilt(PROBLEM, None, leaks=True)

    case = problem_case(problem, {"success": False, "tokens_in": 12, "expected": ["user-service"]}, _steps(2))

    assert case.truth["accepted"] == ["user-service"]
    assert case.truth["fault_type"] == "Misconfiguration"
    assert case.outcome == {"success": False, "expected": ["user-service"]}
    assert "user-service" in case.services
    assert case.fault_types == fault_names()


def test_a_scenario_problem_is_rebuilt_from_its_stored_fields() -> None:
    scenario: dict[str, object] = {"app": "SocialNetwork", "fault": "k8s_target_port-misconfig"}
    scenario |= {"target": "text-service", "task": "localization", "params": {}, "source": "mine.yaml"}

    problem = problem_rebuilt("my-scenario", scenario, leaks=False)

    assert (problem.namespace, problem.target, problem.split, problem.leaks) == (
        "test-social-network",
        "text-service",
        "scenario",
        False,
    )
    assert problem_case(problem, {}, _steps(1)).truth["accepted"] == ["text-service"]


@pytest.mark.parametrize("scenario", [None, {"app": "SocialNetwork", "fault": "nope", "task": "localization"}])
def test_a_problem_neither_registered_nor_stored_is_unreadable(scenario: dict[str, str] | None) -> None:
    with pytest.raises(CaseUnreadable, match="'gone-problem'"):
        problem_rebuilt("gone-problem", scenario, leaks=None)


@pytest.mark.parametrize(
    ("title", "text", "reason"),
    [
        ("Check ports", "1", "fewer than 6 words"),
        ("Check ports", "look at the pods", "fewer than 6 words"),
        ("When X is seen, check Y before concluding Z", "When X is seen, check Y before concluding Z.", "template"),
    ],
)
def test_guidance_that_says_nothing_usable_is_refused(title: str, text: str, reason: str) -> None:
    with pytest.raises(TeacherOutputInvalid, match=reason):
        teacher_parse(_answer(title=title, text=text), _case())
