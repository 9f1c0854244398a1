"""Following rows through a generate call: streamed pieces, stop strings, token budgets, end tokens."""

from typing import Any

import torch

from agents.llm.transformers_backend import RowState, RowTracker, safe_end, stop_cut

END = 2


def _feed(tracker: RowTracker, columns: list[list[int]]) -> list[list[bool]]:
    """Append one token per row per step, as generate does, and collect the tracker's verdicts."""
    sequences = [[5, 6] for _ in columns[0]]
    verdicts = []
    for column in columns:
        for sequence, token in zip(sequences, column, strict=True):
            sequence.append(token)
        verdicts.append(tracker(torch.tensor(sequences), torch.zeros(1)).tolist())
    return verdicts


def _tokens(tokenizer: Any, text: str) -> list[int]:
    return list(tokenizer(text, add_special_tokens=False)["input_ids"])


def test_stop_cut_finds_the_earliest_stop_string() -> None:
    assert stop_cut("abc STOP def END", ("END", "STOP")) == 4
    assert stop_cut("abc", ("END", "")) is None


def test_safe_end_holds_back_what_may_become_a_stop_string() -> None:
    assert safe_end("answer: ok\nEN", ("END",)) == len("answer: ok\n")
    assert safe_end("answer: ok\nE", ("END", "E!")) == len("answer: ok\n")
    assert safe_end("answer: ok", ("END",)) == len("answer: ok")


def test_safe_end_holds_back_an_incomplete_character() -> None:
    assert safe_end("ab\ufffd", ()) == 2


def test_pieces_concatenate_to_the_text_and_never_split_a_character(smollm_tokenizer: Any) -> None:
    tokens = _tokens(smollm_tokenizer, "a🙂b héllo")
    pieces: list[tuple[int, str]] = []
    rows = [RowState(max_tokens=100)]
    tracker = RowTracker(smollm_tokenizer, rows, end_token_ids=frozenset({END}), on_piece=lambda *p: pieces.append(p))

    verdicts = _feed(tracker, [[token] for token in [*tokens, END]])

    assert "".join(piece for _row, piece in pieces) == "a🙂b héllo" == rows[0].text
    assert all("\ufffd" not in piece for _row, piece in pieces)
    assert verdicts[-1] == [True]
    assert not any(verdict[0] for verdict in verdicts[:-1])
    assert (rows[0].finish_reason, rows[0].generated) == ("stop", len(tokens) + 1)


def test_a_stop_string_ends_its_row_and_is_not_streamed(smollm_tokenizer: Any) -> None:
    tokens = _tokens(smollm_tokenizer, "yes\nObservation: more")
    pieces: list[str] = []
    rows = [RowState(max_tokens=100, stop=("\nObservation:",))]
    tracker = RowTracker(
        smollm_tokenizer, rows, end_token_ids=frozenset({END}), on_piece=lambda _r, p: pieces.append(p)
    )

    verdicts = _feed(tracker, [[token] for token in tokens])

    assert rows[0].text == "".join(pieces) == "yes"
    assert rows[0].finish_reason == "stop"
    assert verdicts[-1] == [True]


def test_rows_end_independently_and_later_padding_is_ignored(smollm_tokenizer: Any) -> None:
    short, long = _tokens(smollm_tokenizer, "ok"), _tokens(smollm_tokenizer, "one two three")
    steps = max(len(short) + 1, len(long))
    columns = [[([*short, END] + [END] * steps)[step], (long + [7] * steps)[step]] for step in range(steps + 1)]
    finished: list[int] = []
    rows = [RowState(max_tokens=50), RowState(max_tokens=len(long))]
    tracker = RowTracker(smollm_tokenizer, rows, end_token_ids=frozenset({END}), on_finish=finished.append)

    verdicts = _feed(tracker, columns)

    assert (rows[0].text, rows[0].finish_reason, rows[0].generated) == ("ok", "stop", len(short) + 1)
    assert (rows[1].text, rows[1].finish_reason, rows[1].generated) == ("one two three", "length", len(long))
    assert finished == [0, 1]
    assert verdicts[len(short)] == [True, False]
    assert verdicts[-1] == [True, True]
