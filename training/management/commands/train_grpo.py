"""``manage.py train_grpo``: train the Observer's model with GRPO on stored decisions, in this process.

    python manage.py train_grpo --steps 50 --lora
    python manage.py train_grpo --base-version observer-grpo-1 --steps 20 --num-generations 4 --batch 8
    python manage.py train_grpo --model path/to/model --steps 2 --num-generations 2 --batch 2

The run is recorded like one started from the platform (dataset snapshot, metrics per step, audit); a
success registers the new model version, whose name, speed and output folder are printed at the end.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from aoi_platform.errors import DomainError
from training.models import JobStatus, ModelVersion, TrainingRun
from training.services.grpo import training_run_create, training_run_execute
from training.services.versions import model_version_resolve

# Command-line option -> GRPOSettings field; only options given reach the run.
OPTIONS = {
    "steps": "steps",
    "num_generations": "num_generations",
    "batch": "per_device_train_batch_size",
    "max_completion_length": "max_completion_length",
    "learning_rate": "learning_rate",
    "model": "model",
    "beta": "beta",
    "seed": "seed",
}


class Command(BaseCommand):
    help = "Train the Observer's model with GRPO on stored Observer decisions (a new model version)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--base-version", default="base", help="a version's name or id; base: the configured model")
        parser.add_argument("--steps", type=int, help="optimizer steps")
        parser.add_argument("--num-generations", type=int, help="completions per prompt (at least 2)")
        parser.add_argument("--batch", type=int, help="completions per step: a multiple of --num-generations")
        parser.add_argument("--max-completion-length", type=int, help="tokens per completion")
        parser.add_argument("--learning-rate", type=float)
        parser.add_argument("--lora", action="store_true", help="train a LoRA adapter instead of every weight")
        parser.add_argument("--model", help="a local model folder to train instead of the base version's weights")
        parser.add_argument("--split", default="train", help="train | test | scenario")
        parser.add_argument("--max-rows", type=int, help="at most this many training rows")
        parser.add_argument("--beta", type=float, help="KL weight (0: no reference model)")
        parser.add_argument("--seed", type=int)

    def handle(self, *args: Any, **options: Any) -> None:
        overrides = {field: options[name] for name, field in OPTIONS.items() if options[name] is not None}
        if options["lora"]:
            overrides["lora"] = True
        try:
            base = model_version_resolve(options["base_version"])
            run = training_run_create(
                user=None,
                base_version=base,
                settings_overrides=overrides,
                split=options["split"],
                max_rows=options["max_rows"],
                dispatch=False,  # trained here, in this process
            )
        except (ModelVersion.DoesNotExist, DomainError) as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            f"training run {run.pk}: {run.dataset_rows} rows from {base.name}, {run.progress_total} steps"
        )
        ended = self._execute(run)
        if ended is None or ended.status != JobStatus.SUCCEEDED:
            status = ended.status if ended is not None else "not run"
            detail = ended.error if ended is not None and ended.error else f"output in {run.output_dir}"
            raise CommandError(f"training run {run.pk} ended {status}: {detail}")
        version = ended.model_version
        self.stdout.write(
            f"version {version.name} ({version.kind}): {ended.seconds_per_step:.2f} s per step; "
            f"weights in {version.location}; served from {version.serving['model']}"
        )

    def _execute(self, run: TrainingRun) -> TrainingRun | None:
        with tqdm(total=run.progress_total, desc="GRPO", unit="step") as progress:

            def on_log(step: int, metrics: dict[str, float]) -> None:
                if "reward" not in metrics:
                    return  # TRL's end-of-training summary
                progress.update(max(0, step - progress.n))
                progress.clear()
                self.stdout.write(f"step {step}: reward {metrics['reward']:.3f}, loss {metrics.get('loss', 0.0):.4f}")
                progress.refresh()

            return training_run_execute(run.pk, on_log=on_log)
