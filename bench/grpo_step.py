"""Benchmark: seconds per GRPO step (TRL) of the Observer's model on this machine, and the peak memory.

The rows are real Observer decision prompts: the AOI runtime is run on ``train``-split problems with the
schema-filling backend (no model needed to produce prompts), and its decisions become training rows exactly
as the platform builds them (``training.grpo.dataset``). Then ``training.grpo.trainer.train`` runs the
configured number of steps on the embedded SmolLM2-135M (full fine-tune, or LoRA with ``--lora``); the time
of each step is taken between TRL's logging calls (one per step), the first step reported apart (it
includes warm-up). Pure Python: no database is touched.

    python -m bench.grpo_step [--steps 5] [--generations 4] [--max-completion-length 48] [--lora] [--tiny]
"""

from __future__ import annotations

import argparse
import resource
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from bench import harness

PROBLEMS = 4


def _rows(problems: int) -> list[dict[str, Any]]:
    """Training rows from the Observer's decisions on the first ``problems`` train-split problems."""
    from agents.llm.factory import backend_from_config
    from agents.runtime.simulate import run_problem
    from agents.sim.problems import problem_list
    from training.grpo.dataset import rows_from_records

    backend = backend_from_config({"backend": "schema-filler"})
    records = []
    for problem in problem_list(split="train")[:problems]:
        result = run_problem(problem, backend=backend, seed=1)
        records += [
            {"prompt": step.prompt, "schema": step.schema, "problem_id": problem.problem_id, "task": problem.task}
            for step in result.steps
            if step.role == "observer" and step.schema and step.prompt
        ]
    return rows_from_records(records)


def run(options: argparse.Namespace) -> dict[str, Any]:
    from training.grpo.tiny import tiny_model_save
    from training.grpo.trainer import GRPOSettings, train

    rows = _rows(PROBLEMS)
    stamps: list[float] = []
    with tempfile.TemporaryDirectory() as folder:
        model = str(tiny_model_save(Path(folder) / "tiny")) if options.tiny else None
        settings = GRPOSettings(
            output_dir=f"{folder}/out",
            model=model,
            steps=options.steps,
            num_generations=options.generations,
            per_device_train_batch_size=options.generations,
            max_completion_length=options.max_completion_length,
            lora=options.lora,
            seed=1,
        )
        began = time.perf_counter()

        def stamp(step: int, metrics: dict[str, float]) -> None:
            if "reward" in metrics:  # a step's log (the run's closing summary has no reward)
                stamps.append(time.perf_counter())

        result = train(settings, rows, on_log=stamp)
        total = time.perf_counter() - began
    steps = [later - earlier for earlier, later in zip([began, *stamps], stamps, strict=False)]
    steady = steps[1:] or steps
    rewards = [entry.get("reward", 0.0) for entry in result.history if "reward" in entry]
    per_step = {
        "mean": round(statistics.fmean(steady), 2),
        **{key: round(value / 1000, 2) for key, value in harness.percentiles_ms(steady).items()},
    }
    results: dict[str, Any] = {
        "model": "tiny random Llama" if options.tiny else "SmolLM2-135M-Instruct (embedded)",
        "rows": len(rows),
        "steps": result.steps,
        "first_step_s": round(steps[0], 2) if steps else None,
        "seconds_per_step": per_step,
        "trainer_seconds_per_step": round(result.seconds_per_step, 2),
        "whole_run_s": round(total, 1),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "reward_first_last": [rewards[0], rewards[-1]] if rewards else None,
    }
    print(
        f"  {results['model']}, {results['rows']} rows, {result.steps} steps of {options.generations} generations "
        f"x {options.max_completion_length} tokens{' (LoRA)' if options.lora else ''}: "
        f"{per_step['mean']} s per step after the first ({results['first_step_s']} s), "
        f"peak RSS {results['peak_rss_mb']} MB"
    )
    print(f"  -> {harness.write_result('grpo_step', vars(options), results, with_database=False)}")
    return results


def parse_options(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=5)
    parser.add_argument("--generations", type=int, default=4)
    parser.add_argument("--max-completion-length", type=int, default=48)
    parser.add_argument("--lora", action="store_true")
    parser.add_argument("--tiny", action="store_true", help="a tiny random model instead of the embedded one")
    parser.add_argument("--quick", action="store_true", help="2 steps of the tiny model")
    options = parser.parse_args(argv)
    if options.quick:
        options.steps, options.tiny = 2, True
    return options


if __name__ == "__main__":
    run(parse_options())
