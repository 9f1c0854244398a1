"""Server-rendered pages of the agents: benchmark results (every benchmark, one benchmark or two side by
side with their chart and every run) and the playground, where staff open a simulated problem as an
incident of their team and may start its diagnosis at once.

Benchmark runs are the trajectories with a ``benchmark_run`` label, found through
``trajectories.selectors.trajectory_list`` only, so these pages see exactly the runs the user may see
(problem runs need ``trajectories.view_trajectory``); a benchmark with no visible run is a 404. Scores
are ``agents.runtime.scoring``'s, over the stored runs; the chart is ``agents.runtime.plots``'s, served
as its own SVG document. Each page runs a fixed number of queries, whatever the number of runs."""

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, Min, Q, QuerySet
from django.db.models.fields.json import KeyTextTransform
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse

from agents.hosting import run_start
from agents.incident_runs import simulated_incident_open
from agents.runtime.plots import summary_svg
from agents.runtime.scoring import TASK_ORDER, RunScore, summarise
from agents.sim.problems import Problem, UnknownProblem, problem_get, problem_registry
from aoi_platform.errors import DomainError
from incidents.models import Incident, Team
from trajectories.models import AgentKind, Trajectory
from trajectories.selectors import AnyUser, trajectory_list

BENCHMARKS_PER_PAGE = 50
ANY = ("", "any")
SCORED_FIELDS = (
    "id",
    "benchmark_run",
    "problem_id",
    "agent_kind",
    "model",
    "status",
    "success",
    "strict_success",
    "steps_count",
    "tokens_in",
    "tokens_out",
    "wall_time_s",
    "started_at",
)

# --- benchmarks: reading and scoring ----------------------------------------------------------------------


def _scored_runs(runs: QuerySet[Trajectory]) -> list[Trajectory]:
    """The runs with what scoring needs, each problem's runs in the order they were stored. The grade's
    task is read from the outcome in the database (the whole grade is not loaded)."""
    return list(
        runs.select_related(None)
        .only(*SCORED_FIELDS)
        .annotate(graded_task=KeyTextTransform("task", "outcome"), scenario_task=KeyTextTransform("task", "scenario"))
        .order_by("benchmark_run", "problem_id", "started_at", "pk")
    )


def _task(run: Any) -> str:
    """The run's task type: its grade's, else its registry problem's, else its scenario's."""
    if run.graded_task:
        return str(run.graded_task)
    problem = problem_registry().get(run.problem_id)
    return problem.task if problem is not None else str(run.scenario_task or "unknown")


def _numbered(runs: Iterable[Trajectory]) -> list[tuple[int, Trajectory]]:
    """Each run with its number among its problem's runs, from 0. A stored run carries no run number,
    so the order of storing stands for it (``manage.py benchmark --jobs 1`` stores runs in run order)."""
    seen: Counter[str] = Counter()
    numbered = []
    for run in runs:
        numbered.append((seen[run.problem_id], run))
        seen[run.problem_id] += 1
    return numbered


def _scores(numbered: Iterable[tuple[int, Trajectory]]) -> list[RunScore]:
    """Scoring's view of the graded runs (an ungraded run, still going or never graded, is left out)."""
    return [
        RunScore(
            problem_id=run.problem_id,
            task=_task(run),
            run=number,
            success=bool(run.success),
            strict_success=run.strict_success,
            steps=run.steps_count,
            tokens_in=run.tokens_in,
            tokens_out=run.tokens_out,
            wall_time_s=run.wall_time_s or 0.0,
        )
        for number, run in numbered
        if run.success is not None
    ]


def _percent(value: float) -> str:
    return f"{value:.1%}"


@dataclass(frozen=True)
class TaskFigures:
    """One task type's (or "all"'s) figures, lenient and strict, as a table row."""

    task: str
    problems: int
    runs: int
    avg_at_1: float
    avg_at_k: float
    best_at_k: float
    std: float
    strict_avg_at_1: float
    strict_best_at_k: float

    @property
    def avg_at_1_percent(self) -> str:
        return _percent(self.avg_at_1)

    @property
    def best_at_k_percent(self) -> str:
        return _percent(self.best_at_k)

    @property
    def cells(self) -> list[str]:
        rates = (self.avg_at_1, self.avg_at_k, self.best_at_k)
        strict = (self.strict_avg_at_1, self.strict_best_at_k)
        return [*map(_percent, rates), f"{self.std:.3f}", *map(_percent, strict)]


def task_figures(summary: Mapping[str, Any], strict: Mapping[str, Any]) -> list[TaskFigures]:
    """``summarise``'s figures (lenient and strict) as rows: "all" first, then each task type present."""
    rows = []
    for task in ("all", *TASK_ORDER):
        figures, strict_figures = summary.get(task) or {}, strict.get(task) or {}
        if not figures.get("problems"):
            continue
        k = figures["runs"]
        rows.append(
            TaskFigures(
                task=task,
                problems=figures["problems"],
                runs=k,
                avg_at_1=figures["avg@1"],
                avg_at_k=figures[f"avg@{k}"],
                best_at_k=figures[f"best@{k}"],
                std=figures["std_across_runs"],
                strict_avg_at_1=strict_figures["avg@1"],
                strict_best_at_k=strict_figures[f"best@{k}"],
            )
        )
    return rows


@dataclass(frozen=True)
class Benchmark:
    """One benchmark label's visible runs (numbered per problem) and their summary."""

    label: str
    numbered: list[tuple[int, Trajectory]]
    summary: dict[str, Any]
    strict: dict[str, Any]

    @classmethod
    def of(cls, label: str, runs: Sequence[Trajectory]) -> "Benchmark":
        numbered = _numbered(runs)
        scores = _scores(numbered)
        return cls(label, numbered, summarise(scores), summarise(scores, strict=True))

    @property
    def agent_kinds(self) -> str:
        return ", ".join(sorted({run.agent_kind for _, run in self.numbered}))

    @property
    def models(self) -> str:
        return ", ".join(sorted({run.model for _, run in self.numbered}))

    @property
    def overall(self) -> TaskFigures | None:
        rows = task_figures(self.summary, self.strict)
        return rows[0] if rows else None

    @property
    def series_name(self) -> str:
        return f"{self.label} ({self.agent_kinds}, {self.models})"


def benchmark_get(*, user: AnyUser, label: str) -> Benchmark | None:
    """The benchmark ``label`` as ``user`` may see it; None when none of its runs is visible."""
    if not label:
        return None
    runs = _scored_runs(trajectory_list(user=user, benchmark_run=label))
    return Benchmark.of(label, runs) if runs else None


def _benchmarks_or_404(request: HttpRequest, label: str) -> list[Benchmark]:
    """The page's benchmark and, with ``?compare=``, the one it is compared with."""
    labels = [label, *([request.GET["compare"]] if request.GET.get("compare") else [])]
    benchmarks = [benchmark_get(user=request.user, label=name) for name in labels]
    found = [benchmark for benchmark in benchmarks if benchmark is not None]
    if len(found) != len(labels):
        raise Http404("No such benchmark, or you may not see its runs.")
    return found


# --- benchmarks: pages ------------------------------------------------------------------------------------


def _benchmark_models(user: AnyUser) -> list[str]:
    runs = trajectory_list(user=user).exclude(benchmark_run="")
    return list(runs.order_by("model").values_list("model", flat=True).distinct())


class BenchmarkFilterForm(forms.Form):
    """The list's filters; an empty field filters nothing."""

    agent_kind = forms.ChoiceField(required=False, choices=[ANY, *AgentKind.choices], label="Agent kind")
    model = forms.ChoiceField(required=False, choices=[ANY])

    def __init__(self, *args: Any, models: Sequence[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["model"].choices = [ANY, *((model, model) for model in models)]  # type: ignore[attr-defined]


@dataclass(frozen=True)
class BenchmarkRow:
    """One benchmark in the list."""

    label: str
    started: datetime
    runs: int
    benchmark: Benchmark


def _benchmark_rows(user: AnyUser, data: Mapping[str, Any], page_number: str | None) -> tuple[Any, list[BenchmarkRow]]:
    """The page of benchmark labels (newest first) matching the filters, each scored from its runs:
    one query for the labels, one for their runs (plus the pager's count)."""
    runs = trajectory_list(user=user, agent_kind=data["agent_kind"] or None, model=data["model"] or None)
    runs = runs.exclude(benchmark_run="")
    labels = (
        runs.order_by()
        .values("benchmark_run")
        .annotate(started=Min("started_at"), total=Count("pk"))
        .order_by("-started", "benchmark_run")
    )
    page = Paginator(labels, BENCHMARKS_PER_PAGE).get_page(page_number)
    names = [row["benchmark_run"] for row in page.object_list]
    grouped: dict[str, list[Trajectory]] = defaultdict(list)
    for run in _scored_runs(runs.filter(benchmark_run__in=names)) if names else []:
        grouped[run.benchmark_run].append(run)
    rows = [
        BenchmarkRow(
            row["benchmark_run"],
            row["started"],
            row["total"],
            Benchmark.of(row["benchmark_run"], grouped[row["benchmark_run"]]),
        )
        for row in page.object_list
    ]
    return page, rows


def _compare_target(request: HttpRequest) -> tuple[HttpResponseRedirect | None, str]:
    """The list's "compare A with B" choice: where to go, or what is wrong with the choice."""
    first, second = request.GET.get("a", ""), request.GET.get("b", "")
    if "a" not in request.GET and "b" not in request.GET:
        return None, ""
    if not first or not second or first == second:
        return None, "Choose two different benchmarks to compare: one as A, one as B."
    url = reverse("benchmark-detail-page", args=[first]) + "?" + urlencode({"compare": second})
    return HttpResponseRedirect(url), ""


@login_required
def benchmark_list_page(request: HttpRequest) -> HttpResponse:
    """The benchmarks the user may see, newest first, with avg@1 and best@K overall; two may be chosen
    to compare. Invalid filters show their errors and no benchmarks."""
    target, compare_error = _compare_target(request)
    if target is not None:
        return target
    form = BenchmarkFilterForm(request.GET, models=_benchmark_models(request.user))
    page, rows = (
        _benchmark_rows(request.user, form.cleaned_data, request.GET.get("page")) if form.is_valid() else (None, [])
    )
    context = {"form": form, "page": page, "rows": rows, "compare_error": compare_error}
    return render(request, "agents/benchmark_list.html", context, status=400 if compare_error else 200)


@dataclass(frozen=True)
class ProblemRow:
    """One problem of the drill-down: its runs in each compared benchmark, padded to that one's K."""

    problem_id: str
    task: str
    series: list[list[Trajectory | None]]

    @property
    def solved_by_one(self) -> bool:
        """Compared benchmarks disagree: one solved the problem in some run, another in none."""
        solved = {any(run is not None and run.success for run in runs) for runs in self.series}
        return len(solved) > 1


def problem_rows(benchmarks: Sequence[Benchmark]) -> list[ProblemRow]:
    """Every problem of the benchmarks (by id) with each benchmark's runs of it in order."""
    runs: dict[str, list[list[Trajectory]]] = defaultdict(lambda: [[] for _ in benchmarks])
    tasks: dict[str, str] = {}
    for position, benchmark in enumerate(benchmarks):
        for _, run in benchmark.numbered:
            runs[run.problem_id][position].append(run)
            tasks.setdefault(run.problem_id, _task(run))
    widths = [
        max((len(series[position]) for series in runs.values()), default=0) for position in range(len(benchmarks))
    ]
    return [
        ProblemRow(
            problem_id,
            tasks[problem_id],
            [
                [*series, *([None] * (width - len(series)))]
                for series, width in zip(runs[problem_id], widths, strict=True)
            ],
        )
        for problem_id in sorted(runs)
    ]


@login_required
def benchmark_detail_page(request: HttpRequest, label: str) -> HttpResponse:
    """One benchmark (or two, with ``?compare=<label>``): success per task type, the chart, and every
    problem x run linked to its trajectory."""
    benchmarks = _benchmarks_or_404(request, label)
    rows = problem_rows(benchmarks)
    compare = f"?{urlencode({'compare': benchmarks[1].label})}" if len(benchmarks) > 1 else ""
    context = {
        "benchmarks": [(benchmark, task_figures(benchmark.summary, benchmark.strict)) for benchmark in benchmarks],
        "rows": rows,
        # Every problem row holds each benchmark's runs padded to its K: the first row gives the columns.
        "series_heads": [
            (benchmark.label, range(1, len(series) + 1))
            for benchmark, series in zip(benchmarks, rows[0].series, strict=True)
        ],
        "plot_url": reverse("benchmark-plot", args=[label]) + compare,
        "comparing": len(benchmarks) > 1,
    }
    return render(request, "agents/benchmark_detail.html", context)


@login_required
def benchmark_plot(request: HttpRequest, label: str) -> HttpResponse:
    """The chart of avg@1 and best@K per task type (both benchmarks with ``?compare=``), as SVG."""
    benchmarks = _benchmarks_or_404(request, label)
    title = " vs ".join(benchmark.label for benchmark in benchmarks)
    svg = summary_svg([(benchmark.series_name, benchmark.summary) for benchmark in benchmarks], title=title)
    return HttpResponse(svg, content_type="image/svg+xml")


# --- playground -------------------------------------------------------------------------------------------


def _problem_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """The registry's problems, grouped by application and task."""
    groups: dict[tuple[str, int], list[str]] = defaultdict(list)
    for problem in problem_registry().values():
        groups[(problem.app, TASK_ORDER.index(problem.task))].append(problem.problem_id)
    return [
        (f"{app} · {TASK_ORDER[task]}", [(problem_id, problem_id) for problem_id in sorted(ids)])
        for (app, task), ids in sorted(groups.items())
    ]


def _teams_for(user: User) -> QuerySet[Team]:
    """The teams ``user`` may open incidents of: those they respond or approve for (all, for a superuser)."""
    teams = Team.objects.all()
    if not user.is_superuser:
        teams = teams.filter(Q(responders__user=user) | Q(approvers__user=user)).distinct()
    return teams.order_by("name")


class PlaygroundForm(forms.Form):
    """A simulated problem to open as an incident of one of the user's teams."""

    problem = forms.ChoiceField(choices=_problem_choices)
    team = forms.ModelChoiceField(queryset=Team.objects.none())
    diagnose = forms.BooleanField(required=False, label="Start a diagnosis at once")

    def __init__(self, *args: Any, teams: QuerySet[Team], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = teams  # type: ignore[attr-defined]

    def clean_problem(self) -> Problem:
        try:
            return problem_get(self.cleaned_data["problem"])
        except UnknownProblem as error:
            raise forms.ValidationError(str(error)) from error


def playground_open(*, user: User, problem: Problem, team: Team, diagnose: bool) -> Incident:
    """Open ``problem`` as an incident of ``team`` and, if asked, start its diagnosis: both or neither."""
    with transaction.atomic():
        incident = simulated_incident_open(problem=problem, team=team, user=user)
        if diagnose:
            run_start(incident=incident, user=user, reason="started from the playground")
    return incident


@login_required
def playground_page(request: HttpRequest) -> HttpResponse:
    """Staff only: the form, and on a valid POST the incident opened (and diagnosed), then its page.
    A refusal of the services is shown on the form, and nothing is created."""
    user = request.user
    if not isinstance(user, User) or not user.is_staff:
        raise PermissionDenied("The playground is for staff.")
    form = PlaygroundForm(request.POST if request.method == "POST" else None, teams=_teams_for(user))
    if form.is_valid():
        try:
            incident = playground_open(user=user, **form.cleaned_data)
        except DomainError as error:
            form.add_error(None, str(error))
        else:
            return redirect("incident-page", uuid=incident.uuid)
    return render(request, "agents/playground.html", {"form": form}, status=400 if form.errors else 200)
