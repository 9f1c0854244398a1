"""``manage.py evaluate``: benchmark a model version on held-out problems and compare it with its parent.

    python manage.py evaluate --model-version base --problems test --runs 1 --jobs 2
    python manage.py evaluate --model-version observer-grpo-3 --problems test --runs 1 --out eval.json

``--model-version`` is a version's name or id (``base``: the configured model). Every run is stored as a
trajectory that records the version; the figures go on the evaluation (shown on the version's page), to
``--out`` as JSON, and to the terminal as a Markdown table with the parent's figures beside them when the
parent was evaluated on the same problems.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from agents.runtime.benchmark import RunDone
from agents.runtime.scoring import markdown
from aoi_platform.errors import DomainError
from training.models import Evaluation, JobStatus, ModelVersion
from training.services.evaluation import evaluation_baseline, evaluation_create, evaluation_execute
from training.services.versions import model_version_resolve


class Command(BaseCommand):
    help = "Benchmark a model version on held-out problems (avg@1, avg@K, best@K by task type)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--model-version", required=True, help="a version's name or id; base: the configured model")
        parser.add_argument("--problems", default="test", help="test | train | all | ID,ID")
        parser.add_argument("--runs", type=int, default=1)
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument("--jobs", type=int, default=1, help="worker processes")
        parser.add_argument("--no-knowledge", dest="knowledge", action="store_false", help="without curated knowledge")
        parser.add_argument("--out", default="", help="also write the figures to this JSON file")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            version = model_version_resolve(options["model_version"])
        except ModelVersion.DoesNotExist as error:
            raise CommandError(str(error)) from error
        try:
            evaluation = evaluation_create(
                version=version,
                split=options["problems"],
                runs=options["runs"],
                seed=options["seed"],
                knowledge=options["knowledge"],
            )
        except DomainError as error:
            raise CommandError(str(error)) from error
        with tqdm(total=evaluation.progress_total, desc=evaluation.benchmark_label, unit="run") as progress:

            def on_progress(_: Evaluation, done: RunDone) -> None:
                progress.set_postfix_str(f"{done.problem.problem_id}: {'ok' if done.grade.get('success') else 'fail'}")
                progress.update(1)

            ended = evaluation_execute(evaluation.pk, jobs=options["jobs"], on_progress=on_progress)
        if ended is None or ended.status != JobStatus.SUCCEEDED:
            status = ended.status if ended is not None else "not run"
            raise CommandError(f"evaluation {evaluation.pk} ended {status}: {ended.error if ended else ''}")
        self._report(ended, options["out"])

    def _report(self, evaluation: Evaluation, out: str) -> None:
        summary = evaluation.summary["lenient"]
        text = markdown(summary, title=f"{evaluation.version.name} on {evaluation.split}")
        before = evaluation_baseline(evaluation)
        if before is not None:
            text += "\n" + markdown(before.summary["lenient"], title=f"before: {before.version.name} ({before.pk})")
        self.stdout.write(text)
        document = {
            "evaluation": str(evaluation.pk),
            "version": evaluation.version.name,
            "problems": evaluation.split,
            "runs": evaluation.runs,
            "seed": evaluation.seed,
            "benchmark_label": evaluation.benchmark_label,
            "summary": evaluation.summary,
            "before": {"evaluation": str(before.pk), "version": before.version.name, "summary": before.summary}
            if before is not None
            else None,
        }
        if out:
            Path(out).write_text(json.dumps(document, indent=2) + "\n")
        self.stdout.write(
            f"evaluation {evaluation.pk}: {evaluation.summary['runs_done']} runs, {evaluation.benchmark_label}"
        )
