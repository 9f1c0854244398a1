"""GRPO with TRL on plain rows: settings in, a trained model (or LoRA adapter) and its metrics out.

``train`` builds TRL's ``GRPOConfig`` and ``GRPOTrainer`` with the rewards of ``training.grpo.rewards``,
reports every logging step through ``on_log(step, metrics)`` (TRL's own metric names: ``loss``,
``reward``, ``reward_std``, ``rewards/<function>/mean`` and ``/std``, ``kl`` when ``beta`` > 0,
``completions/mean_length``, ``frac_reward_zero_std``, ...), stops cleanly after the step in progress when
``should_stop()`` returns True, and always saves what it has to ``output_dir``. On CPU it sets
``use_cpu=True, bf16=False`` (MODEL-NOTES: bf16 is slower there). Heavy imports happen inside functions.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agents.llm.embedded import EMBEDDED_GGUF_FILE, embedded_model_dir
from training.grpo.rewards import REWARD_FUNCTIONS, as_mapping

LogSink = Callable[[int, dict[str, float]], None]
SCHEMA_PREFILL = "schema"
StopCheck = Callable[[], bool]


@dataclass(frozen=True)
class GRPOSettings:
    """One training run. ``model`` is a local model folder (None: the embedded SmolLM2 GGUF).
    ``per_device_train_batch_size`` must be a multiple of ``num_generations`` (TRL's rule). ``prefill`` opens
    every completion: ``"schema"`` (the default) with what the platform's grammar-constrained decoding forces
    before the model's first choice (``{"<first key>": ``, the schema's keys being written in order), any
    other text with that text, ``""`` with nothing."""

    output_dir: str
    model: str | None = None
    steps: int = 10
    learning_rate: float = 1e-5
    num_generations: int = 4
    max_completion_length: int = 48
    per_device_train_batch_size: int = 4
    beta: float = 0.0
    temperature: float = 1.0
    lora: bool = False
    lora_r: int = 8
    lora_alpha: int = 16
    lora_target_modules: tuple[str, ...] = ("q_proj", "k_proj", "v_proj", "o_proj")
    seed: int = 0
    logging_steps: int = 1
    use_vllm: bool = False
    prefill: str = SCHEMA_PREFILL
    use_cpu: bool = field(default_factory=lambda: not _cuda_available())

    def __post_init__(self) -> None:
        if self.per_device_train_batch_size % self.num_generations:
            raise ValueError(
                f"per_device_train_batch_size ({self.per_device_train_batch_size}) must be a multiple of "
                f"num_generations ({self.num_generations})"
            )
        if self.steps < 1 or self.logging_steps < 1:
            raise ValueError("steps and logging_steps must be at least 1")
        if self.num_generations < 2:
            raise ValueError("num_generations must be at least 2: GRPO compares each completion with its group")
        if self.learning_rate <= 0 or self.max_completion_length < 1 or self.beta < 0:
            raise ValueError("learning_rate must be above 0, max_completion_length at least 1, beta at least 0")


@dataclass(frozen=True)
class TrainResult:
    """What a run did: optimizer steps done, every logged metrics dict, where the model is, speed."""

    steps: int
    history: list[dict[str, float]]
    output_dir: str
    seconds_per_step: float
    stopped: bool


def _cuda_available() -> bool:
    import torch

    return bool(torch.cuda.is_available())


def load_embedded_for_training() -> tuple[Any, Any]:
    """(tokenizer, model) of the embedded SmolLM2 GGUF, dequantized and trainable, offline.

    A GGUF-loaded model keeps a quantization config that both ``save_pretrained`` and TRL refuse; removing
    it leaves a plain float32 model (MODEL-NOTES)."""
    os.environ["HF_HUB_OFFLINE"] = "1"
    from transformers import AutoModelForCausalLM, AutoTokenizer

    directory = str(embedded_model_dir())
    options = {"gguf_file": EMBEDDED_GGUF_FILE, "local_files_only": True}
    tokenizer = AutoTokenizer.from_pretrained(directory, **options)
    model = AutoModelForCausalLM.from_pretrained(directory, **options)
    quantizer = getattr(model, "hf_quantizer", None)
    if quantizer is not None:
        quantizer.remove_quantization_config(model)
    return tokenizer, model


def _load(settings: GRPOSettings) -> tuple[Any, Any]:
    if settings.model is None:
        return load_embedded_for_training()
    from transformers import AutoModelForCausalLM, AutoTokenizer

    os.environ["HF_HUB_OFFLINE"] = "1"
    tokenizer = AutoTokenizer.from_pretrained(settings.model, local_files_only=True)
    return tokenizer, AutoModelForCausalLM.from_pretrained(settings.model, local_files_only=True)


def grpo_config(settings: GRPOSettings) -> Any:
    """TRL's ``GRPOConfig`` for the settings: no checkpoints mid-run (the run saves once, at the end)."""
    from trl.trainer.grpo_config import GRPOConfig

    return GRPOConfig(
        output_dir=settings.output_dir,
        max_steps=settings.steps,
        learning_rate=settings.learning_rate,
        num_generations=settings.num_generations,
        max_completion_length=settings.max_completion_length,
        per_device_train_batch_size=settings.per_device_train_batch_size,
        beta=settings.beta,
        temperature=settings.temperature,
        seed=settings.seed,
        logging_steps=settings.logging_steps,
        use_vllm=settings.use_vllm,
        use_cpu=settings.use_cpu,
        bf16=not settings.use_cpu,
        save_strategy="no",
        report_to="none",
        disable_tqdm=True,
    )


def _lora_config(settings: GRPOSettings) -> Any:
    if not settings.lora:
        return None
    from peft import LoraConfig

    return LoraConfig(
        r=settings.lora_r,
        lora_alpha=settings.lora_alpha,
        target_modules=list(settings.lora_target_modules),
        task_type="CAUSAL_LM",
    )


def _callback(history: list[dict[str, float]], on_log: LogSink | None, should_stop: StopCheck | None) -> Any:
    from transformers import TrainerCallback

    class Reporter(TrainerCallback):
        """Passes TRL's logged metrics on, and asks the trainer to stop after a step when told to."""

        stopped = False

        def on_log(self, args: Any, state: Any, control: Any, logs: Mapping[str, Any] | None = None, **_: Any) -> None:
            metrics = {key: float(value) for key, value in (logs or {}).items() if isinstance(value, int | float)}
            history.append({"step": float(state.global_step), **metrics})
            if on_log is not None:
                on_log(int(state.global_step), metrics)

        def on_step_end(self, args: Any, state: Any, control: Any, **_: Any) -> None:
            if should_stop is not None and should_stop():
                self.stopped = True
                control.should_training_stop = True

    return Reporter()


# ChatML (SmolLM2's format) that leaves a final assistant message open, so generation continues it: TRL
# renders prompts with the generation prompt on, which would otherwise close the prefill and open a new turn.
CONTINUING_CHATML = (
    "{%- for message in messages -%}"
    "{%- if loop.last and message['role'] == 'assistant' -%}"
    "{{ '<|im_start|>assistant\\n' + message['content'] }}"
    "{%- else -%}"
    "{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>\\n' }}"
    "{%- endif -%}"
    "{%- endfor -%}"
    "{%- if add_generation_prompt and messages[-1]['role'] != 'assistant' -%}"
    "{{ '<|im_start|>assistant\\n' }}"
    "{%- endif -%}"
)


def schema_opening(schema: Any) -> str:
    """What the grammar writes before the model's first choice: ``{"<first key>": `` ("{" without keys)."""
    properties = as_mapping(schema).get("properties") or {}
    first = next(iter(properties), None)
    return "{" if first is None else "{" + json.dumps(first) + ": "


def prefilled(rows: Sequence[Mapping[str, Any]], prefill: str) -> list[dict[str, Any]]:
    """The rows with the start of the assistant's answer (``prefill``; ``"schema"``: each row's schema
    opening) as a final assistant message; unchanged when ``prefill`` is empty."""
    if not prefill:
        return [dict(row) for row in rows]
    out = []
    for row in rows:
        opening = schema_opening(row.get("schema")) if prefill == SCHEMA_PREFILL else prefill
        out.append({**row, "prompt": [*row["prompt"], {"role": "assistant", "content": opening}]})
    return out


def continuing_template(tokenizer: Any, prefill: str) -> None:
    """Let the tokenizer render a prefilled prompt open; only ChatML is known (a ValueError otherwise)."""
    if not prefill:
        return
    if "<|im_start|>" not in str(getattr(tokenizer, "chat_template", "") or ""):
        raise ValueError("prefill needs a ChatML chat template (SmolLM2, Qwen); set prefill to '' for this model")
    tokenizer.chat_template = CONTINUING_CHATML


def train(
    settings: GRPOSettings,
    rows: Sequence[Mapping[str, Any]],
    *,
    on_log: LogSink | None = None,
    should_stop: StopCheck | None = None,
) -> TrainResult:
    """Train on ``rows`` (``training.grpo.dataset``), save the model or adapter and the tokenizer to
    ``settings.output_dir``, and say what was done. A stop request ends the run after the step in progress;
    the output saved is then that step's model, complete and loadable."""
    from datasets import Dataset
    from trl.trainer.grpo_trainer import GRPOTrainer

    tokenizer, model = _load(settings)
    template = tokenizer.chat_template
    continuing_template(tokenizer, settings.prefill)
    history: list[dict[str, float]] = []
    reporter = _callback(history, on_log, should_stop)
    reward_funcs: list[Any] = list(REWARD_FUNCTIONS)
    trainer = GRPOTrainer(
        model=model,
        reward_funcs=reward_funcs,
        args=grpo_config(settings),
        train_dataset=Dataset.from_list(prefilled(rows, settings.prefill)),
        processing_class=tokenizer,
        callbacks=[reporter],
        peft_config=_lora_config(settings),
    )
    if on_log is not None:  # the caller reports the metrics; TRL's own printing would repeat them as dicts
        from transformers.trainer_callback import PrinterCallback

        trainer.remove_callback(PrinterCallback)
    started = time.perf_counter()
    trainer.train()
    elapsed = time.perf_counter() - started
    steps = int(trainer.state.global_step)
    Path(settings.output_dir).mkdir(parents=True, exist_ok=True)
    trainer.save_model(settings.output_dir)
    tokenizer.chat_template = template  # the model is served with its own template
    tokenizer.save_pretrained(settings.output_dir)
    return TrainResult(
        steps=steps,
        history=history,
        output_dir=settings.output_dir,
        seconds_per_step=elapsed / steps if steps else 0.0,
        stopped=bool(reporter.stopped),
    )


def lora_merge(settings: GRPOSettings, merged_dir: str) -> str:
    """Fold the LoRA adapter that ``train`` saved to ``settings.output_dir`` into the model it was trained
    on, and save the full weights and the tokenizer to ``merged_dir`` (a folder any transformers loader
    reads, without peft). Returns ``merged_dir``."""
    from peft import PeftModel

    tokenizer, base = _load(settings)
    merged = PeftModel.from_pretrained(base, settings.output_dir).merge_and_unload()
    Path(merged_dir).mkdir(parents=True, exist_ok=True)
    merged.save_pretrained(merged_dir)
    tokenizer.save_pretrained(merged_dir)
    return merged_dir
