"""Training rows from fixed Observer records: shape, columns, a stable and sensitive hash, splits."""

import json

import pytest

from agents.roles import prompts
from tests.training_grpo.records import NOOP, answer_record, next_move_record
from training.grpo.dataset import (
    dataset_hash,
    messages_from_prompt_text,
    row_from_record,
    rows_from_records,
    rows_in_split,
)


def test_a_row_holds_chat_messages_and_the_reward_columns() -> None:
    row = row_from_record(next_move_record())

    assert sorted(row) == ["prompt", "schema", "task", "truth"]
    assert [message["role"] for message in row["prompt"]] == ["system", "user"]
    assert row["prompt"][0]["content"] == prompts.OBSERVER_SYSTEM
    assert row["prompt"][1]["content"].startswith("Incident: requests to the social network fail\n")
    assert json.loads(row["schema"])["required"] == ["next", "question"]
    assert row["task"] == "localization"
    assert json.loads(row["truth"]) == {
        "accepted": ["user-service"],
        "app": "SocialNetwork",
        "detected": True,
        "fault": "k8s_target_port-misconfig",
        "fault_type": "Misconfiguration",
        "problem_id": "k8s_target_port-misconfig-localization-1",
        "split": "train",
        "system_level": "Virtualization",
        "target": "user-service",
    }


def test_a_problem_outside_the_registry_carries_its_own_truth() -> None:
    record = {**answer_record("analysis"), "problem_id": "my-scenario", "fault": "k8s_target_port-misconfig"}
    record.update(app="SocialNetwork", target="text-service")

    truth = json.loads(row_from_record(record)["truth"])

    assert (truth["problem_id"], truth["target"], truth["split"]) == ("my-scenario", "text-service", "scenario")


def test_stored_prompt_text_round_trips_with_blank_lines_inside_messages() -> None:
    text = "[system]\nBe brief.\n\n[user]\nEvidence:\n\n- a\n- b"

    assert messages_from_prompt_text(text) == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Evidence:\n\n- a\n- b"},
    ]
    with pytest.raises(ValueError, match="header"):
        messages_from_prompt_text("no header")


def test_long_prompts_are_left_out() -> None:
    short, long = next_move_record(), {**next_move_record(), "prompt": "[user]\n" + "x" * 4000}

    assert len(rows_from_records([short, long, short])) == 2
    assert len(rows_from_records([short, long], max_prompt_chars=5000)) == 2


def test_the_hash_is_stable_and_sensitive_to_any_change() -> None:
    rows = rows_from_records([next_move_record(), answer_record("detection")])
    again = rows_from_records([next_move_record(), answer_record("detection")])
    changed = [dict(rows[0]), rows[1]]
    changed[0]["task"] = "analysis"

    assert dataset_hash(rows) == dataset_hash(again)
    assert len(dataset_hash(rows)) == 64
    assert dataset_hash(changed) != dataset_hash(rows)
    assert dataset_hash(list(reversed(rows))) != dataset_hash(rows)
    assert dataset_hash(rows[:1]) != dataset_hash(rows)


def test_rows_split_by_the_registry_split() -> None:
    rows = rows_from_records([next_move_record(), answer_record("detection", NOOP), answer_record("analysis")])

    assert rows_in_split(rows, "train") == [rows[0], rows[2]]
    assert rows_in_split(rows, "test") == [rows[1]]
    assert rows_in_split(rows, "scenario") == []
    with pytest.raises(ValueError, match="unknown split"):
        rows_in_split(rows, "dev")
