"""``manage.py benchmark``: an agent over simulated problems, K runs each, scored, stored, summarised.

    python manage.py benchmark --agent aoi --backend llamacpp --problems test --runs 3 --seed 1 \\
        --jobs 2 --out results.json
    python manage.py benchmark --model-version observer-grpo-3 --problems test --runs 3

The model is ``--backend`` (with ``--model``, ``--option``) or a model version (``--model-version``: its own
backend configuration, and every stored run records the version).

Problems: ``all``, ``train``, ``test``, comma-separated ids, or a scenario file. Every run is stored as a
trajectory (``--no-store`` to skip) under a benchmark label; the JSON holds each run's grade and the
summary (avg@1, avg@K, best@K, spread, per task type; lenient and strict); a Markdown summary is printed
and written beside it, with a bar chart of the success rates (SVG).
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from agents.knowledge.selectors import knowledge_for_runtime
from agents.management.backend_options import backend_options
from agents.runtime.benchmark import RunDone, benchmark_run, benchmark_tasks
from agents.runtime.plots import summary_svg
from agents.runtime.scoring import RunScore, markdown, summarise
from agents.runtime.simulate import AGENTS
from agents.services import benchmark_run_store
from agents.sim.problems import Problem, UnknownProblem, problem_list, problem_resolve
from training.models import ModelVersion
from training.services.versions import backend_config_of, model_version_resolve


def _problems(spec: str) -> list[Problem]:
    if spec in ("all", "train", "test"):
        return problem_list(split=None if spec == "all" else spec)
    try:
        return [problem_resolve(ref.strip()) for ref in spec.split(",") if ref.strip()]
    except (UnknownProblem, ValueError) as error:
        raise CommandError(str(error)) from error


class Command(BaseCommand):
    help = "Run an agent (aoi or baseline) over simulated problems and report avg@1, avg@K, best@K."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--agent", choices=AGENTS, default="aoi")
        parser.add_argument(
            "--backend", help="llamacpp (the embedded default), transformers, openai, vllm, replay, scripted, ..."
        )
        parser.add_argument(
            "--model-version",
            default=None,
            help="run a model version's own backend (name or id; base: the configured model), recorded on each run",
        )
        parser.add_argument("--model", default=None, help="model name or directory (default: the backend's)")
        parser.add_argument("--option", action="append", default=[], metavar="KEY=VALUE", help="backend option")
        parser.add_argument("--problems", default="all", help="all | train | test | ID,ID | scenario.yaml")
        parser.add_argument("--runs", type=int, default=1)
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument("--jobs", type=int, default=1, help="worker processes")
        parser.add_argument("--label", default="", help="benchmark label stored with each trajectory")
        parser.add_argument("--out", default="benchmark-results.json")
        parser.add_argument("--no-store", dest="store", action="store_false")
        parser.add_argument(
            "--no-knowledge",
            dest="knowledge",
            action="store_false",
            help="run without the curated knowledge items (the Observer's long-term memory)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        config, version = self._backend_config(options)
        problems = _problems(options["problems"])
        if not problems or options["runs"] < 1:
            raise CommandError("nothing to run: no problems, or --runs below 1")
        options["backend"] = config["backend"]
        named = version.name if version is not None else config["backend"]
        label = options["label"] or f"{options['agent']}-{named}-{time.strftime('%Y%m%dT%H%M%S')}"[:100]
        knowledge = knowledge_for_runtime() if options["knowledge"] else []
        tasks = benchmark_tasks(
            problems,
            runs=options["runs"],
            seed=options["seed"],
            agent=options["agent"],
            backend_config=config,
            knowledge=knowledge,
        )
        began = time.perf_counter()
        with tqdm(total=len(tasks), desc=label, unit="run") as progress:

            def on_done(done: RunDone) -> None:
                if options["store"]:
                    benchmark_run_store(done=done, label=label, agent=options["agent"], model_version=version)
                progress.set_postfix_str(f"{done.problem.problem_id}: {'ok' if done.grade.get('success') else 'fail'}")
                progress.update(1)

            results = benchmark_run(tasks, jobs=options["jobs"], on_done=on_done)
        self._report(results, options, label, time.perf_counter() - began)

    def _backend_config(self, options: dict[str, Any]) -> tuple[dict[str, Any], ModelVersion | None]:
        """The backend to run: a model version's (``--model-version``) or the one the options name."""
        reference = options["model_version"]
        if reference is None:
            if not options["backend"]:
                raise CommandError("name the model: --backend BACKEND, or --model-version VERSION")
            config = {"backend": options["backend"], **backend_options(options["option"])}
            if options["model"]:
                config["model"] = options["model"]
            return config, None
        if options["backend"] or options["model"] or options["option"]:
            raise CommandError("--model-version runs the version's own backend; leave out --backend, --model, --option")
        try:
            version = model_version_resolve(reference)
        except ModelVersion.DoesNotExist as error:
            raise CommandError(str(error)) from error
        return backend_config_of(version), version

    def _report(self, results: list[RunDone], options: dict[str, Any], label: str, seconds: float) -> None:
        scores = [RunScore.from_grade(done.grade, run=done.run, wall_time_s=done.wall_time_s) for done in results]
        summary, strict = summarise(scores), summarise(scores, strict=True)
        document = {
            "label": label,
            "agent": options["agent"],
            "backend": options["backend"],
            "model": results[0].model if results else options["model"],
            "model_version": options["model_version"],
            "runs": options["runs"],
            "seed": options["seed"],
            "jobs": options["jobs"],
            "wall_time_s": round(seconds, 2),
            "summary": summary,
            "summary_strict": strict,
            "results": [
                {"run": done.run, "seed": done.seed, "outcome": done.state.get("outcome"), **done.grade}
                for done in results
            ],
        }
        out = Path(options["out"])
        out.write_text(json.dumps(document, indent=2) + "\n")
        text = markdown(summary, title=f"{label} ({options['agent']}, {document['model']})")
        text += "\n" + markdown(strict, title="strict (true-fix check for mitigation)")
        out.with_suffix(".md").write_text(text)
        chart = summary_svg([(f"{options['agent']} ({document['model']})", summary)], title=label)
        out.with_suffix(".svg").write_text(chart)
        self.stdout.write(text)
        self.stdout.write(
            f"{len(results)} runs in {seconds:.1f} s -> {out}, {out.with_suffix('.md')}, {out.with_suffix('.svg')}"
        )
