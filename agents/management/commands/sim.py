"""``manage.py sim``: the simulated cluster from the command line.

    sim problems [--split S] [--task T] [--app A] [--fault F]    list the registered problems
    sim shell PROBLEM [--seed N] [--read-only] [--leaks|--no-leaks]    play an episode by hand
    sim solve PROBLEM --script FILE [--seed N] [--read-only]    run a script of calls; the grade is the last line
    sim check [--problems REF ...] [--jobs [N]]    every reference script passes, every wrong twin fails

PROBLEM is a registry id or the path of a scenario .yaml file. A thin shell over ``agents.sim``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from agents.sim.calls import turn_run
from agents.sim.episode import episode_start
from agents.sim.problems import APP_NAMES, TASKS, Problem, UnknownProblem, problem_list, problem_resolve
from agents.sim.reference_check import CheckReport, ScriptStep, check_sweep, script_run
from agents.sim.scenarios import ScenarioError

QUIT_WORDS = ("quit", "exit")


def _resolve(ref: str) -> Problem:
    try:
        return problem_resolve(ref)
    except (UnknownProblem, ScenarioError) as exc:
        raise CommandError(str(exc)) from exc


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    widths = [max(len(row[column]) for row in (header, *rows)) for column in range(len(header))]
    return [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in (header, *rows)
    ]


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def _grade_json(grade: Mapping[str, Any]) -> str:
    return json.dumps(dict(grade), sort_keys=True, default=str)


def _jobs(value: str) -> int:
    jobs = int(value)
    if jobs < 1:
        raise argparse.ArgumentTypeError("--jobs needs at least 1")
    return jobs


class Command(BaseCommand):
    help = "The simulated cluster: list problems, play or script an episode, check every reference solution."

    def add_arguments(self, parser: CommandParser) -> None:
        commands = parser.add_subparsers(dest="subcommand", required=True, metavar="{problems,shell,solve,check}")
        listing = commands.add_parser("problems", help="list the registered problems")
        listing.add_argument("--split", choices=("train", "test"))
        listing.add_argument("--task", choices=TASKS)
        listing.add_argument("--app", choices=APP_NAMES)
        listing.add_argument("--fault", help="a fault name as in problems.csv")

        shell = commands.add_parser("shell", help="play an episode: type calls, read what an agent would see")
        self._episode_arguments(shell)

        solve = commands.add_parser("solve", help="run a script of calls (one per line) and print the grade")
        self._episode_arguments(solve)
        solve.add_argument("--script", required=True, type=Path, help="the file of calls")

        check = commands.add_parser("check", help="run every reference script and wrong twin")
        check.add_argument("--problems", nargs="+", metavar="REF", help="registry ids or scenario files (default: all)")
        check.add_argument(
            "--jobs", type=_jobs, nargs="?", const=os.cpu_count() or 1, default=1, help="processes (alone: one per CPU)"
        )

    @staticmethod
    def _episode_arguments(parser: argparse.ArgumentParser) -> None:
        parser.add_argument("problem", metavar="PROBLEM", help="a registry id or the path of a scenario .yaml file")
        parser.add_argument("--seed", type=int, help="the episode's seed (default: the problem's, else fixed)")
        parser.add_argument("--read-only", action="store_true", help="a Probe's handle: every write is refused")
        parser.add_argument(
            "--leaks", action=argparse.BooleanOptionalAction, default=None, help="keep or hide answer-revealing objects"
        )

    def handle(self, *args: Any, subcommand: str, **options: Any) -> None:
        handlers = {"problems": self._problems, "shell": self._shell, "solve": self._solve, "check": self._check}
        handlers[subcommand](options)

    def _problems(self, options: Mapping[str, Any]) -> None:
        try:
            problems = problem_list(
                split=options["split"], task=options["task"], app=options["app"], fault=options["fault"]
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        rows = [(p.problem_id, p.task, p.app, p.target or "-", p.split) for p in problems]
        for line in _table(("id", "task", "app", "target", "split"), rows):
            self.stdout.write(line)
        self.stdout.write(_count(len(rows), "problem"))

    def _shell(self, options: Mapping[str, Any]) -> None:
        problem = _resolve(options["problem"])
        episode = episode_start(problem, seed=options["seed"], leaks=options["leaks"])
        env = episode.environment(read_only=options["read_only"])
        mode = f"seed {episode.seed}, leaks {'kept' if episode.leaks else 'hidden'}"
        self.stdout.write(f"# {problem.problem_id} ({mode}{', read-only' if options['read_only'] else ''})")
        self.stdout.write(problem.prompt)
        self.stdout.write(f"# One call per line; {' or '.join(QUIT_WORDS)} (or end of input) leaves.")
        prompt = "sim> " if sys.stdin.isatty() else ""
        while True:
            try:
                text = input(prompt).strip()
            except EOFError:
                break
            if text in QUIT_WORDS:
                break
            if not text or text.startswith("#"):
                continue
            result = turn_run(text, env=env, episode=episode)
            if not isinstance(result, str):
                self.stdout.write(_grade_json(result.as_dict()))
                return
            self.stdout.write(result)
        self.stdout.write("# Left without submitting; the episode is abandoned.")

    def _print_step(self, step: ScriptStep) -> None:
        self.stdout.write(f"[line {step.line}] {step.source}")
        self.stdout.write(step.output)

    def _solve(self, options: Mapping[str, Any]) -> None:
        problem = _resolve(options["problem"])
        path: Path = options["script"]
        try:
            script = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"cannot read the script {path}: {exc}") from exc
        outcome = script_run(
            problem,
            script,
            seed=options["seed"],
            read_only=options["read_only"],
            leaks=options["leaks"],
            on_step=self._print_step,
        )
        if outcome.unrun_lines:
            self.stdout.write(f"# {outcome.unrun_lines} call(s) after submit() were not run")
        self.stdout.write(_grade_json(outcome.grade))

    def _check(self, options: Mapping[str, Any]) -> None:
        refs = options["problems"]
        problems = [_resolve(ref) for ref in refs] if refs else problem_list()
        # disable=None: a bar on a terminal only, so piped output and tests stay clean.
        with tqdm(total=len(problems), desc="sim check", unit="problem", file=sys.stderr, disable=None) as bar:
            report = check_sweep(problems, jobs=options["jobs"], on_row=lambda _row: bar.update(1))
        self._check_summary(report)
        if not report.ok:
            raise CommandError(f"{len(report.failures)} of {len(report.rows)} problems failed the check")

    def _check_summary(self, report: CheckReport) -> None:
        rows = [
            (s.task, str(s.problems), f"{s.references_passed}/{s.problems}", f"{s.wrong_refused}/{s.problems}")
            for s in report.by_task()
        ]
        for line in _table(("task", "problems", "reference passes", "wrong twin fails"), rows):
            self.stdout.write(line)
        for row in report.failures:
            self.stdout.write(f"FAILED {row.problem_id}: {row.reason}")
        if report.ok:
            self.stdout.write(f"{_count(len(report.rows), 'problem')} checked: references pass, wrong twins fail")
