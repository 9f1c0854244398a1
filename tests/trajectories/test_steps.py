"""Steps: gapless indexes, counters, prompts stored once by hash, previews, and refusals."""

import hashlib

import pytest

from agents.llm.base import ChatRequest, Message
from aoi_platform.errors import Conflict, DomainError
from tests.trajectories.conftest import SYSTEM, append_steps, start_problem_run
from trajectories.models import TOOL_PREVIEW_CHARS, Prompt, Step, Trajectory
from trajectories.services.runs import trajectory_finish
from trajectories.services.steps import prompt_store, prompt_text_of, step_append, tool_preview_of

pytestmark = pytest.mark.django_db


def test_indexes_are_gapless_per_run_and_counters_sum_the_steps() -> None:
    first, second = start_problem_run(), start_problem_run("noop-detection-1")

    append_steps(first, 3)
    append_steps(second, 2)
    append_steps(first, 1)

    assert list(first.steps.values_list("index", flat=True)) == [1, 2, 3, 4]
    assert list(second.steps.values_list("index", flat=True)) == [1, 2]
    stored = Trajectory.objects.get(pk=first.pk)
    assert (stored.steps_count, stored.tokens_in, stored.tokens_out) == (4, 40, 12)
    assert (first.steps_count, first.tokens_in, first.tokens_out) == (4, 40, 12)  # the caller's copy follows


def test_a_step_keeps_everything_it_was_given() -> None:
    run = start_problem_run()

    step = step_append(
        trajectory=run,
        role="observer",
        phase="reason",
        prompt_text="You are the Observer.",
        completion='{"next": "probe"}',
        action={"next": "probe", "question": "why is checkout slow?"},
        tool_result="",
        tokens_in=120,
        tokens_out=9,
        latency_ms=830,
        error="",
    )

    stored = Step.objects.get(pk=step.pk)
    assert (stored.index, stored.role, stored.phase) == (1, "observer", "reason")
    assert stored.prompt_id == hashlib.sha256(b"You are the Observer.").hexdigest()
    assert stored.completion == '{"next": "probe"}'
    assert stored.action == {"next": "probe", "question": "why is checkout slow?"}
    assert (stored.tokens_in, stored.tokens_out, stored.latency_ms, stored.error) == (120, 9, 830, "")


def test_a_prompt_is_stored_once_and_shared_by_its_steps() -> None:
    run = start_problem_run()

    steps = append_steps(run, 5)  # prompts "prompt 0" and "prompt 1", alternating

    assert Prompt.objects.count() == 2
    assert [s.prompt_id for s in steps] == [hashlib.sha256(f"prompt {n % 2}".encode()).hexdigest() for n in range(5)]
    assert Prompt.objects.get(pk=steps[1].prompt_id).text == "prompt 1"


def test_storing_a_known_prompt_again_changes_nothing() -> None:
    first = prompt_store(text="same words")
    created_at = Prompt.objects.get(pk=first.sha256).created_at

    second = prompt_store(text="same words")

    assert second.sha256 == first.sha256
    assert list(Prompt.objects.values_list("sha256", "created_at")) == [(first.sha256, created_at)]


def test_a_step_without_a_prompt_or_action_stores_none() -> None:
    run = start_problem_run()

    step = step_append(trajectory=run, role="system", phase="observe", tool_result="cluster reset")
    empty = step_append(trajectory=run, role="system", phase="observe", prompt_text="", latency_ms=12.6)

    stored = Step.objects.get(pk=step.pk)
    assert (stored.prompt_id, stored.action, stored.completion) == (None, None, "")
    assert (Step.objects.get(pk=empty.pk).prompt_id, Step.objects.get(pk=empty.pk).latency_ms) == (None, 13)
    assert Prompt.objects.count() == 0


def test_the_prompt_of_a_chat_request_is_stored_under_the_request_key() -> None:
    request = ChatRequest(messages=(Message("system", "You are a Probe."), Message("user", "pods of shop?")), seed=3)
    run = start_problem_run()

    step = step_append(trajectory=run, role="probe", phase="reason", prompt_text=prompt_text_of(request))

    assert step.prompt_id == request.key
    assert Prompt.objects.get(pk=request.key).text == prompt_text_of(request)


def test_the_preview_is_the_result_start_and_the_result_is_kept_whole() -> None:
    run = start_problem_run()
    long_result = "x" * 1000

    long_step = step_append(trajectory=run, role="probe", phase="act", tool_result=long_result)
    short_step = step_append(trajectory=run, role="probe", phase="act", tool_result="ok")

    stored = Step.objects.get(pk=long_step.pk)
    assert stored.tool_result == long_result
    assert stored.tool_preview == "x" * (TOOL_PREVIEW_CHARS - 1) + "\u2026"
    assert len(stored.tool_preview) == TOOL_PREVIEW_CHARS
    assert Step.objects.get(pk=short_step.pk).tool_preview == "ok"
    assert tool_preview_of("y" * TOOL_PREVIEW_CHARS) == "y" * TOOL_PREVIEW_CHARS


def test_nul_characters_are_stored_as_replacement_characters() -> None:
    run = start_problem_run()

    step = step_append(
        trajectory=run,
        role="probe",
        phase="act",
        prompt_text="a\x00b",
        completion="c\x00",
        action={"k\x00": ["v\x00"]},
        tool_result="\x00log",
        error="e\x00",
    )

    stored = Step.objects.select_related("prompt").get(pk=step.pk)
    assert stored.prompt is not None
    assert stored.prompt.text == "a\ufffdb"
    assert stored.prompt_id == hashlib.sha256("a\ufffdb".encode()).hexdigest()
    assert (stored.completion, stored.tool_result, stored.tool_preview, stored.error) == (
        "c\ufffd",
        "\ufffdlog",
        "\ufffdlog",
        "e\ufffd",
    )
    assert stored.action == {"k\ufffd": ["v\ufffd"]}


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"role": "oracle"}, "Unknown step role 'oracle'"),
        ({"phase": "dream"}, "Unknown step phase 'dream'"),
        ({"tokens_in": -1}, "tokens_in cannot be negative"),
        ({"latency_ms": -5}, "latency_ms cannot be negative"),
    ],
)
def test_a_malformed_step_is_refused_and_changes_nothing(fields: dict[str, object], message: str) -> None:
    run = start_problem_run()
    append_steps(run, 1)
    arguments: dict[str, object] = {"role": "probe", "phase": "act", "prompt_text": "new prompt"} | fields

    with pytest.raises(DomainError, match=message) as refused:
        step_append(trajectory=run, **arguments)  # type: ignore[arg-type]

    assert refused.value.code == "invalid_step"
    assert (Step.objects.count(), Prompt.objects.count()) == (1, 1)
    assert Trajectory.objects.get(pk=run.pk).steps_count == 1


def test_a_finished_run_takes_no_more_steps() -> None:
    run = start_problem_run()
    append_steps(run, 2)
    trajectory_finish(trajectory=run, status="cancelled", actor=SYSTEM)

    with pytest.raises(Conflict, match="The run is cancelled") as refused:
        step_append(trajectory=run, role="probe", phase="act", prompt_text="late prompt", tokens_in=5)

    assert refused.value.code == "run_finished"
    stored = Trajectory.objects.get(pk=run.pk)
    assert (stored.steps_count, stored.tokens_in, Step.objects.count()) == (2, 20, 2)
    assert not Prompt.objects.filter(text="late prompt").exists()
