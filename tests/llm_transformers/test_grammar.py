"""The grammar processor: what it lets through at each step, per row, and when it lets go of a row."""

from typing import Any

import pytest
import torch

from agents.llm.base import LLMError
from agents.llm.grammar import JSONSchemaLogitsProcessor, SchemaCompiler

END = 2
ENUM_SCHEMA = {"enum": ["alpha", "beta"]}


@pytest.fixture(scope="module")
def compiler(smollm_tokenizer: Any) -> SchemaCompiler:
    return SchemaCompiler(smollm_tokenizer, vocab_size=len(smollm_tokenizer), stop_token_ids=[END])


def _ids(tokenizer: Any, text: str) -> list[int]:
    return list(tokenizer(text, add_special_tokens=False)["input_ids"])


def _allowed(scores: torch.Tensor, row: int) -> set[int]:
    return set(torch.nonzero(scores[row] > float("-inf")).flatten().tolist())


def test_each_schema_is_compiled_once(compiler: SchemaCompiler) -> None:
    first = compiler.compile({"type": "object", "properties": {"a": {"type": "integer"}}})
    again = compiler.compile({"type": "object", "properties": {"a": {"type": "integer"}}})
    other = compiler.compile({"type": "object", "properties": {"b": {"type": "integer"}}})

    assert again is first
    assert other is not first


def test_an_invalid_schema_is_an_llm_error_with_the_reason(compiler: SchemaCompiler) -> None:
    with pytest.raises(LLMError, match=r"grammar: enum array must not be empty$"):
        compiler.compile({"type": "object", "properties": {"a": {"enum": []}}, "required": ["a"]})


def test_first_step_allows_only_prefixes_of_the_enumerated_values(
    compiler: SchemaCompiler, smollm_tokenizer: Any
) -> None:
    processor = JSONSchemaLogitsProcessor([compiler.compile(ENUM_SCHEMA), None])
    prompt = torch.tensor([[5, 6], [5, 6]])

    scores = processor(prompt, torch.zeros(2, len(smollm_tokenizer)))

    allowed = _allowed(scores, 0)
    pieces = {smollm_tokenizer.decode([token]) for token in allowed}
    assert pieces
    assert all('"alpha"'.startswith(piece) or '"beta"'.startswith(piece) for piece in pieces)
    assert _ids(smollm_tokenizer, '"')[0] in allowed
    assert _allowed(scores, 1) == set(range(len(smollm_tokenizer)))


def test_the_end_token_is_the_only_choice_once_the_value_is_complete(
    compiler: SchemaCompiler, smollm_tokenizer: Any
) -> None:
    processor = JSONSchemaLogitsProcessor([compiler.compile(ENUM_SCHEMA)])
    sequence = [5, 6]
    processor(torch.tensor([sequence]), torch.zeros(1, len(smollm_tokenizer)))
    for token in _ids(smollm_tokenizer, '"beta"'):
        sequence.append(token)
        scores = processor(torch.tensor([sequence]), torch.zeros(1, len(smollm_tokenizer)))

    assert _allowed(scores, 0) == {END}


def test_a_forbidden_token_is_an_llm_error(compiler: SchemaCompiler, smollm_tokenizer: Any) -> None:
    processor = JSONSchemaLogitsProcessor([compiler.compile(ENUM_SCHEMA)])
    processor(torch.tensor([[5, 6]]), torch.zeros(1, len(smollm_tokenizer)))
    forbidden = _ids(smollm_tokenizer, "x")[0]

    with pytest.raises(LLMError, match=f"Row 0 sampled token {forbidden}, which its grammar forbids"):
        processor(torch.tensor([[5, 6, forbidden]]), torch.zeros(1, len(smollm_tokenizer)))


def test_a_released_row_is_neither_fed_nor_masked(compiler: SchemaCompiler, smollm_tokenizer: Any) -> None:
    processor = JSONSchemaLogitsProcessor([compiler.compile(ENUM_SCHEMA), compiler.compile(ENUM_SCHEMA)])
    processor(torch.tensor([[5, 6], [5, 6]]), torch.zeros(2, len(smollm_tokenizer)))
    quote = _ids(smollm_tokenizer, '"')[0]
    processor.release(0)

    scores = processor(torch.tensor([[5, 6, END], [5, 6, quote]]), torch.zeros(2, len(smollm_tokenizer)))

    assert _allowed(scores, 0) == set(range(len(smollm_tokenizer)))
    assert _allowed(scores, 1) < set(range(len(smollm_tokenizer)))
