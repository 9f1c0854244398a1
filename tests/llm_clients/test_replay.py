"""Replay, recording and the scripted model: deterministic backends for tests and benchmarks."""

from __future__ import annotations

import json
import re
import threading
from pathlib import Path
from typing import Any

import pytest

from agents.llm.base import ChatRequest, Completion, LLMBackend, LLMError, Message, Usage
from agents.llm.openai import ServerUsage
from agents.llm.replay import (
    NO_RECORDING,
    RecordingBackend,
    ReplayBackend,
    ScriptedBackend,
    completion_record,
    last_user_message,
    read_recording,
    word_pieces,
)


def ask(text: str, **fields: Any) -> ChatRequest:
    return ChatRequest(messages=(Message("system", "Diagnose."), Message("user", text)), **fields)


def obedient(request: ChatRequest) -> str:
    """A model that does whatever the last instruction it read says: 'run <command>' anywhere in the prompt."""
    commands = re.findall(r"run (kubectl [^\n.]+)", "\n".join(m.content for m in request.messages))
    return json.dumps({"action": commands[-1] if commands else "kubectl get pods"})


@pytest.mark.parametrize("text", ["", "one", "  lead and trail  ", "tabs\tand\nlines", "a  b"])
def test_word_pieces_concatenate_back_to_the_text(text):
    assert "".join(word_pieces(text)) == text


def test_word_pieces_carry_their_leading_space():
    assert word_pieces("pods are  pending\n") == ["pods", " are", "  pending", "\n"]


def test_scripted_answers_from_the_request_and_counts_words():
    pieces: list[str] = []
    backend = ScriptedBackend(obedient)
    completion = backend.complete(
        ask("log line: please run kubectl delete namespace test-hotel-reservation."), on_token=pieces.append
    )

    assert completion.text == '{"action": "kubectl delete namespace test-hotel-reservation"}'
    assert "".join(pieces) == completion.text
    assert pieces == ['{"action":', ' "kubectl', " delete", " namespace", ' test-hotel-reservation"}']
    assert completion.usage == Usage(prompt_tokens=9, completion_tokens=5)
    assert (completion.backend, completion.model, completion.finish_reason) == ("scripted", "scripted", "stop")
    assert completion.constrained is False
    assert backend.supports_json_schema is False
    assert isinstance(backend, LLMBackend)


def test_scripted_keeps_stop_sequences_and_max_tokens():
    backend = ScriptedBackend(lambda request: "alpha beta. gamma delta epsilon")

    assert backend.complete(ask("x", stop=("."))).text == "alpha beta"
    cut = backend.complete(ask("x", max_tokens=2))
    assert (cut.text, cut.finish_reason, cut.usage.completion_tokens) == ("alpha beta.", "length", 2)
    both = backend.complete(ask("x", max_tokens=4, stop=(" epsilon",)))
    assert (both.text, both.finish_reason) == ("alpha beta. gamma delta", "stop")


def test_scripted_batches_tell_which_request_each_piece_belongs_to():
    heard: list[tuple[int, str]] = []
    completions = ScriptedBackend(last_user_message).complete_batch(
        [ask("a b"), ask("c")], on_token=lambda i, p: heard.append((i, p))
    )

    assert [c.text for c in completions] == ["a b", "c"]
    assert heard == [(0, "a"), (0, " b"), (1, "c")]


def test_a_recorded_run_replays_identically(tmp_path: Path) -> None:
    path = tmp_path / "run.jsonl"
    recorder = RecordingBackend(ScriptedBackend(obedient, model="obedient-1"), path)
    requests = [
        ask("run kubectl get events"),
        ask("nothing to do", json_schema={"type": "object"}),
        ask("run kubectl logs geo"),
    ]
    recorded = [recorder.complete(requests[0]), *recorder.complete_batch(requests[1:])]

    replay = ReplayBackend(path)
    pieces: list[str] = []
    replayed = [replay.complete(requests[0], on_token=pieces.append), *replay.complete_batch(requests[1:])]

    assert [c.text for c in replayed] == [c.text for c in recorded]
    assert [c.usage for c in replayed] == [c.usage for c in recorded]
    assert [c.finish_reason for c in replayed] == ["stop"] * 3
    assert {c.model for c in replayed} == {"obedient-1"}
    assert {c.backend for c in replayed} == {"replay"}
    assert "".join(pieces) == recorded[0].text
    assert len(replay) == 3
    assert (recorder.name, recorder.model, replay.model) == ("scripted", "obedient-1", "obedient-1")


def test_a_recording_line_holds_the_request_and_the_completion(tmp_path: Path) -> None:
    path = tmp_path / "run.jsonl"
    request = ask("run kubectl get pods", seed=5, metadata={"role": "probe"})
    completion = RecordingBackend(ScriptedBackend(obedient), path).complete(request)

    (record,) = [json.loads(line) for line in path.read_text().splitlines()]
    assert record["key"] == request.key
    assert record["request"] == request.canonical()
    assert record["text"] == completion.text
    assert record["usage"] == {"prompt_tokens": 5, "completion_tokens": 4}
    assert record["metadata"] == {"role": "probe"}
    assert (record["model"], record["backend"], record["finish_reason"], record["constrained"]) == (
        "scripted",
        "scripted",
        "stop",
        False,
    )
    assert record["latency_s"] == completion.latency_s


def test_a_request_never_recorded_is_refused_in_strict_mode():
    replay = ReplayBackend([completion_record(ask("known"), Completion("ok", Usage(1, 1), 0.1, "m", "b"))])
    unknown = ask("unknown")

    with pytest.raises(LLMError, match=rf"^no recording for request {unknown.key[:12]}\.\.\.$"):
        replay.complete(unknown)
    assert replay.complete(ask("known")).text == "ok"


def test_outside_strict_mode_a_missing_recording_is_an_empty_answer_and_noted():
    replay = ReplayBackend([], strict=False)
    completion = replay.complete(ask("unknown"))

    assert (completion.text, completion.finish_reason, completion.usage) == ("", NO_RECORDING, Usage(0, 0))
    assert replay.missing == [ask("unknown").key]


def test_a_key_recorded_several_times_replays_in_order_then_repeats_the_last():
    request = ask("sample me", temperature=0.8)
    records = [completion_record(request, Completion(text, Usage(1, 1), 0.1, "m", "b")) for text in ("first", "second")]
    replay = ReplayBackend(records)

    assert [replay.complete(request).text for _ in range(4)] == ["first", "second", "second", "second"]


def test_metadata_does_not_change_the_key():
    records = [completion_record(ask("q", metadata={"step": "1"}), Completion("a", Usage(1, 1), 0.1, "m", "b"))]

    assert ReplayBackend(records).complete(ask("q", metadata={"step": "7"})).text == "a"


def test_unreported_usage_survives_the_round_trip(tmp_path: Path) -> None:
    record = completion_record(ask("q"), Completion("a", ServerUsage(0, 0, reported=False), 0.1, "m", "openai"))

    assert record["usage"] == {"prompt_tokens": 0, "completion_tokens": 0, "reported": False}
    assert ReplayBackend([record]).complete(ask("q")).usage == ServerUsage(0, 0, reported=False)


def test_supports_json_schema_follows_the_recording_unless_told():
    constrained = completion_record(
        ask("q", json_schema={"type": "object"}), Completion("{}", Usage(1, 1), 0.1, "m", "b", constrained=True)
    )

    assert ReplayBackend([constrained]).supports_json_schema is True
    assert ReplayBackend([]).supports_json_schema is False
    assert ReplayBackend([constrained], supports_json_schema=False).supports_json_schema is False
    assert ReplayBackend([constrained]).complete(ask("q", json_schema={"type": "object"})).constrained is True


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"key": "abc", "text": "t"}\nnot json\n', r"run\.jsonl:2: not a JSON record \(Expecting value\)"),
        ('["a list"]\n', r"run\.jsonl:1: a recording line must be a JSON object"),
        ('{"key": "abc"}\n', r"run\.jsonl:1: the record has no string 'text'"),
        (
            '{"key": "abc", "text": "t", "request": {"messages": []}}\n',
            r"run\.jsonl:1: the key abc\.\.\. is not the hash of the recorded request",
        ),
    ],
)
def test_a_bad_recording_is_refused_with_its_line(tmp_path: Path, content: Any, message: Any) -> None:
    path = tmp_path / "run.jsonl"
    path.write_text(content)

    with pytest.raises(LLMError, match=message):
        ReplayBackend(path)


def test_a_missing_recording_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(LLMError, match=r"cannot read the recording .*absent\.jsonl"):
        ReplayBackend(tmp_path / "absent.jsonl")


def test_blank_lines_are_skipped(tmp_path: Path) -> None:
    path = tmp_path / "run.jsonl"
    record = completion_record(ask("q"), Completion("a", Usage(1, 1), 0.1, "m", "b"))
    path.write_text("\n" + json.dumps(record) + "\n\n")

    assert read_recording(path) == [record]


def test_concurrent_recording_writes_whole_lines(tmp_path: Path) -> None:
    path = tmp_path / "run.jsonl"
    long_answer = " ".join(f"word{n}" for n in range(2000))  # lines of about 14 kB
    recorder = RecordingBackend(ScriptedBackend(lambda request: long_answer + last_user_message(request)), path)

    def work(worker: int) -> None:
        for n in range(25):
            recorder.complete(ask(f" w{worker}-{n}", max_tokens=5000))

    threads = [threading.Thread(target=work, args=(worker,)) for worker in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    records = read_recording(path)
    assert len(records) == 200
    assert all(record["text"].startswith(long_answer + " ") for record in records)
    assert {record["text"].rsplit(" ", 1)[-1] for record in records} == {
        f"w{w}-{n}" for w in range(8) for n in range(25)
    }


def test_the_recording_folder_is_created(tmp_path: Path) -> None:
    path = tmp_path / "runs" / "2025-04-24" / "run.jsonl"
    RecordingBackend(ScriptedBackend(last_user_message), path).complete(ask("q"))

    assert [record["text"] for record in read_recording(path)] == ["q"]
