"""``manage.py evolve``: turn failed runs into guidance proposals, each validated by re-running its problem.

    python manage.py evolve --problems train --runs 3
    python manage.py evolve --from-label eval-base-test-1a2b3c4d --incidents --validation-runs 2
    python manage.py evolve --problems ID,ID --runs 1 --teacher-backend openai \\
        --teacher-option base_url=http://vllm:8000/v1 --teacher-model Qwen/Qwen2.5-7B-Instruct

With ``--problems`` (and no ``--from-label``) the Observer's current model first runs K times on each problem;
``--from-label`` reads the runs stored under that benchmark label instead; ``--incidents`` adds incident runs
whose diagnosis disagrees with the post-incident label. The teacher is the configured backend (``AOI_LLM``)
unless ``--teacher-backend`` names another. Proposals wait in the curation queue (status pending).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from agents.management.backend_options import backend_options
from agents.runtime.scoring import markdown
from aoi_platform.errors import DomainError
from training.models import EvolverRun, JobStatus
from training.services.evolver import evolver_run_create, evolver_run_execute
from trajectories.audit.services import Actor

COUNTS = (
    "selected",
    "proposals",
    "invalid_teacher_outputs",
    "salvaged",
    "not_salvaged",
    "validation_errors",
    "validation_not_run",
    "unreadable",
)


class Command(BaseCommand):
    help = "Mine failed runs for corrective guidance (the Evolver): proposals validated by re-running."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--problems", default=None, help="train | test | all | ID,ID: run these first")
        parser.add_argument("--runs", type=int, default=1, help="K runs of each problem before")
        parser.add_argument("--from-label", default=None, help="read the failed runs stored under this label")
        parser.add_argument("--incidents", action="store_true", help="also incident runs the label contradicts")
        parser.add_argument("--teacher-backend", default=None, help="the teacher's backend (default: AOI_LLM)")
        parser.add_argument("--teacher-option", action="append", default=[], metavar="KEY=VALUE")
        parser.add_argument("--teacher-model", default=None)
        parser.add_argument("--validation-runs", type=int, default=1, help="re-runs of each proposal")
        parser.add_argument("--seed", type=int, default=0)

    def handle(self, *args: Any, **options: Any) -> None:
        teacher = dict(settings.AOI_LLM) if not options["teacher_backend"] else {"backend": options["teacher_backend"]}
        teacher.update(backend_options(options["teacher_option"]))
        if options["teacher_model"]:
            teacher["model"] = options["teacher_model"]
        try:
            run = evolver_run_create(
                user=None,
                problems=options["problems"],
                runs=options["runs"],
                from_label=options["from_label"],
                include_incidents=options["incidents"],
                teacher=teacher,
                validation_runs=options["validation_runs"],
                seed=options["seed"],
                actor=Actor.system("manage.py evolve"),
                dispatch=False,
            )
        except DomainError as error:
            raise CommandError(str(error)) from error
        with tqdm(total=run.progress_total, desc=f"evolver {str(run.pk)[:8]}", unit="unit") as progress:

            def on_progress(_: EvolverRun, note: str) -> None:
                done, total = EvolverRun.objects.values_list("progress_done", "progress_total").get(pk=run.pk)
                progress.total = total
                progress.set_postfix_str(note[:60])
                progress.update(done - progress.n)

            ended = evolver_run_execute(run.pk, on_progress=on_progress)
        if ended is None or ended.status == JobStatus.FAILED:
            raise CommandError(
                f"evolver run {run.pk} ended {ended.status if ended else 'not run'}: {ended and ended.error}"
            )
        self._report(ended)

    def _report(self, run: EvolverRun) -> None:
        summary = run.summary
        before = summary.get("before")
        if before:
            self.stdout.write(markdown(before["lenient"], title=f"before: {summary.get('before_label', '')}"))
        for key in COUNTS:
            self.stdout.write(f"{key}: {summary.get(key, 0)}")
        for entry in summary.get("invalid_teacher_output_reasons", []):
            self.stdout.write(f"  invalid teacher output on {entry['trajectory']}: {entry['reason']}")
        self.stdout.write(
            f"evolver run {run.pk} {run.status}; validation runs under {summary.get('validation_label', '')}"
        )
