"""GRPO end to end on a tiny random Llama: two steps, metrics reported, output saved and reloadable, cancel."""

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.training_grpo.records import answer_record, next_move_record
from training.grpo.dataset import rows_from_records
from training.grpo.tiny import tiny_model_save
from training.grpo.trainer import GRPOSettings, TrainResult, train

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module", autouse=True)
def one_torch_thread() -> Iterator[None]:
    """One intra-op thread: the tiny model gains nothing from two, and a shared 2-core machine loses a lot."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tiny_model_save(tmp_path_factory.mktemp("tiny-llama"))


@pytest.fixture(scope="module")
def rows() -> list[dict[str, Any]]:
    return rows_from_records([next_move_record(), answer_record("detection"), answer_record("analysis")] * 2)


def _settings(model: Path, output: Path, **changes: Any) -> GRPOSettings:
    base = {"steps": 2, "num_generations": 2, "per_device_train_batch_size": 2, "max_completion_length": 16}
    return GRPOSettings(output_dir=str(output), model=str(model), **{**base, **changes})


def test_two_steps_report_reward_metrics_and_save_a_reloadable_model(
    tiny_model: Path, rows: list[dict[str, Any]], tmp_path: Path
) -> None:
    from transformers import AutoModelForCausalLM

    logged: list[tuple[int, dict[str, float]]] = []

    result = train(_settings(tiny_model, tmp_path / "out"), rows, on_log=lambda step, m: logged.append((step, m)))

    assert isinstance(result, TrainResult)
    assert (result.steps, result.stopped) == (2, False)
    assert [step for step, metrics in logged if "loss" in metrics] == [1, 2]
    first = logged[0][1]
    for name in ("rewards/format_reward/mean", "rewards/format_reward/std", "rewards/answer_reward/mean"):
        assert name in first
    assert 0.0 <= first["rewards/format_reward/mean"] <= 1.0
    assert result.seconds_per_step > 0
    print(f"tiny GRPO: {result.seconds_per_step:.2f} s per step")
    reloaded = AutoModelForCausalLM.from_pretrained(result.output_dir)
    assert reloaded.config.hidden_size == 64


def test_a_stop_request_after_the_first_step_saves_a_consistent_lora_adapter(
    tiny_model: Path, rows: list[dict[str, Any]], tmp_path: Path
) -> None:
    from peft import PeftModel
    from transformers import AutoModelForCausalLM

    calls = {"n": 0}

    def stop_after_one() -> bool:
        calls["n"] += 1
        return True

    settings = _settings(tiny_model, tmp_path / "adapter", lora=True, lora_r=4, lora_alpha=8, steps=5)

    result = train(settings, rows, should_stop=stop_after_one)

    assert (result.steps, result.stopped, calls["n"]) == (1, True, 1)
    assert (Path(result.output_dir) / "adapter_config.json").is_file()
    base = AutoModelForCausalLM.from_pretrained(str(tiny_model))
    adapted = PeftModel.from_pretrained(base, result.output_dir)
    assert adapted.peft_config["default"].to_dict()["r"] == 4


def test_prefilled_prompts_render_open_so_generation_continues_the_decision(tiny_model: Path) -> None:
    from transformers import AutoTokenizer

    from training.grpo.trainer import continuing_template, prefilled

    tokenizer = AutoTokenizer.from_pretrained(str(tiny_model))
    messages = [{"role": "system", "content": "S"}, {"role": "user", "content": "U"}]
    plain = tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)

    continuing_template(tokenizer, "{")
    row = prefilled([{"prompt": messages, "task": "detection"}], "{")[0]

    assert tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True) == plain
    rendered = tokenizer.apply_chat_template(row["prompt"], tokenize=False, add_generation_prompt=True)
    assert rendered == f"{plain}{{"
    assert prefilled([row], "") == [row]
    schema = {"type": "object", "properties": {"answer": {"enum": ["Yes", "No"]}}, "required": ["answer"]}
    opened = prefilled([{"prompt": messages, "schema": json.dumps(schema)}], "schema")[0]["prompt"][-1]
    assert opened == {"role": "assistant", "content": '{"answer": '}
    tokenizer.chat_template = "{{ messages }}"  # not ChatML: a prefill cannot be rendered open
    with pytest.raises(ValueError, match="ChatML"):
        continuing_template(tokenizer, "{")
