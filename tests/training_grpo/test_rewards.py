"""The GRPO rewards on fixed completions: exact values, malformed JSON, wrong types, partial credit; on the
runtime's decision shapes and on the earlier ones that stored runs still hold."""

import json
from typing import Any

import pytest

from tests.training_grpo.records import (
    NOOP,
    PORT,
    QUESTIONS,
    answer_record,
    legacy_answer_schema,
    legacy_next_move_schema,
    next_move_record,
    plan_record,
)
from training.grpo.dataset import row_from_record
from training.grpo.rewards import answer_reward, format_reward


def _as_completion(text: str) -> list[dict[str, str]]:
    return [{"role": "assistant", "content": text}]


def _score(row: dict[str, Any], texts: list[str]) -> tuple[list[float], list[float]]:
    n = len(texts)
    completions = [_as_completion(text) for text in texts]
    columns = {"schema": [row["schema"]] * n, "task": [row["task"]] * n, "truth": [row["truth"]] * n}
    prompts = [row["prompt"]] * n
    return format_reward(completions, prompts=prompts, **columns), answer_reward(
        completions, prompts=prompts, **columns
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{"answer": "Yes"}', 1.0),
        ('```json\n{"answer": "No"}\n```', 1.0),
        ('{"answer": "Maybe"}', 0.5),
        ('{"answer": true}', 0.5),
        ('{"answer": "Yes", "why": "logs"}', 0.5),
        ("{}", 0.5),
        ('{"answer": "Yes"', 0.3),  # opens an object and names the one required key: shaped credit
        ('{"verdict": "Yes"', 0.1),
        ('The "answer" is Yes', 0.2),
        ("Yes", 0.0),
        ("", 0.0),
        ('["Yes"]', 0.0),
    ],
)
def test_format_reward_grades_detection_answers(text: str, expected: float) -> None:
    row = row_from_record(answer_record("detection"))

    formats, _ = _score(row, [text])

    assert formats == [expected]


def test_shaped_credit_counts_the_share_of_required_keys_and_stays_below_a_json_object() -> None:
    text = {"type": "string"}
    schema = {"type": "object", "properties": dict.fromkeys("abcd", text), "required": ["a", "b", "c", "d"]}
    texts = [
        '{"a": 1, "b": 2',
        '{"a": 1, "b": 2, "c": 3, "d": 4',
        'prose naming "a"',
        '{"a": 1, "b": 2, "c": 3, "d": 4}',
    ]

    scores = format_reward(texts, schema=[schema] * len(texts))

    assert scores == [0.2, 0.3, 0.05, 0.5]


def test_detection_answer_is_right_or_wrong() -> None:
    faulty, healthy = row_from_record(answer_record("detection")), row_from_record(answer_record("detection", NOOP))

    assert _score(faulty, ['{"answer": "Yes"}', '{"answer": "No"}', '{"answer": "yes"}'])[1] == [1.0, 0.0, 0.0]
    assert _score(healthy, ['{"answer": "Yes"}', '{"answer": "No"}'])[1] == [0.0, 1.0]


def test_localization_is_right_only_for_the_faulty_service() -> None:
    row = row_from_record(answer_record("localization"))
    texts = [
        '{"service": "user-service"}',
        '{"service": "text-service"}',
        '{"service": "nginx-thrift"}',  # not among the suspects offered
        '{"service": ["user-service"]}',
        '{"services": ["user-service"]}',  # the earlier shape is not this schema's
    ]

    assert _score(row, texts) == ([1.0, 1.0, 0.5, 0.5, 0.5], [1.0, 0.0, 0.0, 0.0, 0.0])


def test_a_stored_localization_list_gets_partial_credit_when_the_right_service_is_among_several() -> None:
    row = row_from_record({**answer_record("localization"), "schema": legacy_answer_schema("localization")})
    texts = [
        '{"services": ["user-service"]}',
        '{"services": ["text-service", "user-service"]}',
        '{"services": ["text-service", "user-service", "compose-post-service"]}',
        '{"services": ["text-service"]}',
        '{"services": []}',
        '{"services": "user-service"}',
    ]

    assert _score(row, texts)[1] == [1.0, 0.5, 0.3333, 0.0, 0.0, 0.0]


def test_analysis_gives_half_for_each_right_field() -> None:
    row = row_from_record(answer_record("analysis"))
    texts = [
        '{"system_level": "Virtualization", "fault_type": "Misconfiguration"}',
        '{"system_level": "Virtualization", "fault_type": "Code Defect"}',
        '{"system_level": "Application", "fault_type": "Misconfiguration"}',
        '{"system_level": "Application", "fault_type": "Code Defect"}',
        '{"system_level": "virtualisation", "fault_type": "Misconfiguration"}',
    ]

    assert _score(row, texts)[1] == [1.0, 0.5, 0.5, 0.0, 0.0]


RIGHT = {"component": "user-service", "system_level": "Virtualization", "fault_type": "Misconfiguration"}


@pytest.mark.parametrize("task", ["incident", "mitigation"])
def test_a_diagnosis_gives_a_third_per_right_field(task: str) -> None:
    row = row_from_record(answer_record(task, problem_id=PORT.format(task="mitigation")))
    texts = [
        json.dumps(RIGHT),
        json.dumps({**RIGHT, "component": "text-service"}),
        json.dumps({**RIGHT, "fault_type": "Code Defect"}),
        json.dumps({**RIGHT, "system_level": "Application", "fault_type": "Code Defect"}),
        json.dumps({"component": "text-service", "system_level": "Application", "fault_type": "Code Defect"}),
        json.dumps({**RIGHT, "fix_needed": "yes"}),  # the earlier shape is not this schema's
    ]

    formats, answers = _score(row, texts)

    assert answers == pytest.approx([1.0, 2 / 3, 2 / 3, 1 / 3, 0.0, 0.0])
    assert formats == [1.0] * 5 + [0.5]


def test_a_stored_incident_answer_with_fix_needed_gives_a_quarter_per_field() -> None:
    record = answer_record("incident", problem_id="k8s_target_port-misconfig-analysis-1")
    row = row_from_record({**record, "schema": legacy_answer_schema("incident")})
    texts = [
        json.dumps({**RIGHT, "fix_needed": "yes"}),
        json.dumps({**RIGHT, "fix_needed": "no"}),
        json.dumps({**RIGHT, "component": "text-service", "fix_needed": "no"}),
    ]

    assert _score(row, texts)[1] == [1.0, 0.75, 0.5]


def test_a_plan_is_right_when_it_targets_the_faulty_service() -> None:
    row = row_from_record(plan_record())
    texts = ['{"target": "user-service"}', '{"target": "text-service"}', '{"target": "user-service", "goal": "fix"}']

    assert _score(row, texts) == ([1.0, 1.0, 0.5], [1.0, 0.0, 0.0])


def test_next_move_shaping_is_small_and_rewards_probing_the_faulty_service() -> None:
    row = row_from_record(next_move_record())
    pair, about_user, about_text = QUESTIONS
    texts = [
        json.dumps({"next": "probe", "question": about_user}),
        json.dumps({"next": "probe", "question": pair}),
        json.dumps({"next": "probe", "question": about_text}),
        json.dumps({"next": "answer", "question": about_user}),  # answering sends no Probe
        json.dumps({"next": "probe", "question": "What explains the state of user-service?"}),  # not offered
        json.dumps({"next": "probe", "question": about_user, "focus": ["user-service"]}),
    ]

    formats, answers = _score(row, texts)

    assert answers == [0.2, 0.1, 0.0, 0.0, 0.0, 0.0]
    assert formats == [1.0, 1.0, 1.0, 1.0, 0.5, 0.5]


def test_a_stored_next_move_is_shaped_by_its_focus() -> None:
    row = row_from_record({**next_move_record(), "schema": legacy_next_move_schema()})
    texts = [
        '{"next": "probe", "question": "why?", "focus": ["user-service"]}',
        '{"next": "probe", "question": "why?", "focus": ["text-service", "user-service"]}',
        '{"next": "probe", "question": "why?", "focus": ["text-service"]}',
        '{"next": "answer", "question": "", "focus": []}',
        '{"next": "probe", "question": "why?", "focus": ["nginx"]}',
    ]

    formats, answers = _score(row, texts)

    assert answers == [0.2, 0.1, 0.0, 0.0, 0.0]
    assert formats == [1.0, 1.0, 1.0, 1.0, 0.5]


def test_answer_reward_is_zero_for_anything_invalid() -> None:
    row = row_from_record(answer_record("analysis"))
    texts = ["not json", '{"system_level": "Virtualization"}', '{"system_level": 3, "fault_type": "Misconfiguration"}']

    assert _score(row, texts)[1] == [0.0, 0.0, 0.0]


def test_rewards_accept_plain_text_completions_and_dict_columns() -> None:
    row = row_from_record(answer_record("detection"))
    schema, truth = json.loads(row["schema"]), json.loads(row["truth"])

    assert format_reward(['{"answer": "Yes"}'], schema=[schema]) == [1.0]
    assert answer_reward(['{"answer": "Yes"}'], schema=[schema], task=["detection"], truth=[truth]) == [1.0]


def test_a_prefilled_prompt_s_opening_counts_as_the_start_of_the_decision() -> None:
    row = row_from_record(answer_record("detection"))
    prefilled_prompt = [*row["prompt"], {"role": "assistant", "content": "{"}]
    columns = {"schema": [row["schema"]] * 2, "task": [row["task"]] * 2, "truth": [row["truth"]] * 2}
    completions = [_as_completion('"answer": "Yes"}'), _as_completion("Yes, it is faulty")]

    formats = format_reward(completions, prompts=[prefilled_prompt] * 2, **columns)
    answers = answer_reward(completions, prompts=[prefilled_prompt] * 2, **columns)

    assert formats == [1.0, 0.1]  # the whole decision, and an opened object with no key named
    assert answers == [1.0, 0.0]
