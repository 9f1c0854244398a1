"""The benchmark pages: figures per task type as the scoring code gives them, two benchmarks compared,
the chart as its own SVG, every run linked, only the runs the user may see, fixed query counts, and
nothing the Content-Security-Policy would block."""

import re
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from agents.runtime.plots import summary_svg
from agents.runtime.scoring import RunScore, summarise
from agents.web import task_figures
from tests.agents_web.conftest import DETECTION, LOCALIZATION, MITIGATION, store_benchmark
from tests.conftest import SignedIn
from tests.trajectories_web.test_csp import InlineCodeFinder
from trajectories.models import Trajectory

AOI = {DETECTION: [False, True], LOCALIZATION: [True, True]}
BASELINE = {DETECTION: [False, False], LOCALIZATION: [True, False]}


@pytest.fixture
def aoi_runs(db: None) -> list[Trajectory]:
    return store_benchmark("aoi-run", AOI, agent_kind="aoi", model="qwen-7b")


@pytest.fixture
def baseline_runs(db: None) -> list[Trajectory]:
    return store_benchmark("base-run", BASELINE, agent_kind="baseline", model="gpt-4o")


def _figures(response: Any) -> dict[str, Any]:
    (_benchmark, rows), *_ = response.context["benchmarks"]
    return {row.task: row for row in rows}


def test_figures_per_task_type_are_the_hand_checked_ones(signed_in: SignedIn, reader: Any, aoi_runs: Any) -> None:
    response = signed_in(reader).get("/agents/benchmarks/aoi-run/")

    figures = _figures(response)
    assert response.status_code == 200
    assert list(figures) == ["all", "detection", "localization"]
    overall, detection, localization = figures["all"], figures["detection"], figures["localization"]
    assert (overall.problems, overall.runs) == (2, 2)
    assert (overall.avg_at_1, overall.avg_at_k, overall.best_at_k, overall.std) == (0.5, 0.75, 1.0, 0.25)
    assert (detection.avg_at_1, detection.avg_at_k, detection.best_at_k) == (0.0, 0.5, 1.0)
    assert (localization.avg_at_1, localization.avg_at_k, localization.best_at_k) == (1.0, 1.0, 1.0)
    assert detection.cells[:3] == ["0.0%", "50.0%", "100.0%"]


def test_figures_equal_the_scoring_code_on_the_same_runs(signed_in: SignedIn, reader: Any, aoi_runs: Any) -> None:
    tasks = {DETECTION: "detection", LOCALIZATION: "localization"}
    scores = [
        RunScore(problem, tasks[problem], run, success, None, 0, 0, 0, 1.0)
        for problem, runs in AOI.items()
        for run, success in enumerate(runs)
    ]

    response = signed_in(reader).get("/agents/benchmarks/aoi-run/")

    expected = task_figures(summarise(scores), summarise(scores, strict=True))
    assert list(_figures(response).values()) == expected


def test_strict_scoring_reads_the_true_fix_check_for_mitigation(signed_in: SignedIn, reader: Any) -> None:
    store_benchmark("mitigate", {MITIGATION: [(True, False), (True, True)]})

    mitigation = _figures(signed_in(reader).get("/agents/benchmarks/mitigate/"))["mitigation"]

    assert (mitigation.avg_at_1, mitigation.best_at_k) == (1.0, 1.0)
    assert (mitigation.strict_avg_at_1, mitigation.strict_best_at_k) == (0.0, 1.0)


def test_list_shows_each_benchmark_with_its_overall_figures(
    signed_in: SignedIn, reader: Any, aoi_runs: Any, baseline_runs: Any
) -> None:
    response = signed_in(reader).get("/agents/benchmarks/")

    rows = {row.label: row for row in response.context["rows"]}
    assert set(rows) == {"aoi-run", "base-run"}
    aoi, base = rows["aoi-run"], rows["base-run"]
    aoi_overall, base_overall = aoi.benchmark.overall, base.benchmark.overall
    assert aoi_overall is not None
    assert base_overall is not None
    assert (aoi.benchmark.agent_kinds, aoi.benchmark.models, aoi.runs) == ("aoi", "qwen-7b", 4)
    assert (aoi_overall.problems, aoi_overall.runs, aoi_overall.avg_at_1, aoi_overall.best_at_k) == (2, 2, 0.5, 1.0)
    assert (base.benchmark.agent_kinds, base.benchmark.models) == ("baseline", "gpt-4o")
    assert (base_overall.avg_at_1, base_overall.best_at_k) == (0.5, 0.5)
    assert "50.0%" in response.content.decode()
    assert "100.0%" in response.content.decode()
    html = response.content.decode()
    assert 'href="/agents/benchmarks/aoi-run/"' in html
    assert 'href="/agents/benchmarks/base-run/"' in html


@pytest.mark.parametrize(
    ("query", "labels"),
    [("agent_kind=baseline", ["base-run"]), ("model=qwen-7b", ["aoi-run"]), ("agent_kind=aoi&model=gpt-4o", [])],
)
def test_list_filters_by_agent_kind_and_model(
    signed_in: SignedIn, reader: Any, aoi_runs: Any, baseline_runs: Any, query: str, labels: list[str]
) -> None:
    response = signed_in(reader).get(f"/agents/benchmarks/?{query}")

    assert [row.label for row in response.context["rows"]] == labels


def test_an_unknown_model_filter_is_an_error_not_everything(signed_in: SignedIn, reader: Any, aoi_runs: Any) -> None:
    response = signed_in(reader).get("/agents/benchmarks/?model=nope")

    assert response.context["rows"] == []
    assert "model:" in response.content.decode()


def test_choosing_two_benchmarks_on_the_list_opens_their_comparison(
    signed_in: SignedIn, reader: Any, aoi_runs: Any, baseline_runs: Any
) -> None:
    response = signed_in(reader).get("/agents/benchmarks/?a=aoi-run&b=base-run")

    assert response.status_code == 302
    assert response["Location"] == "/agents/benchmarks/aoi-run/?compare=base-run"


def test_choosing_one_benchmark_twice_is_refused(signed_in: SignedIn, reader: Any, aoi_runs: Any) -> None:
    response = signed_in(reader).get("/agents/benchmarks/?a=aoi-run&b=aoi-run")

    assert response.status_code == 400
    assert "Choose two different benchmarks" in response.content.decode()


def test_compare_page_shows_both_benchmarks_and_every_run(
    signed_in: SignedIn, reader: Any, aoi_runs: list[Trajectory], baseline_runs: list[Trajectory]
) -> None:
    response = signed_in(reader).get("/agents/benchmarks/aoi-run/?compare=base-run")

    html = response.content.decode()
    assert response.status_code == 200
    assert [benchmark.label for benchmark, _ in response.context["benchmarks"]] == ["aoi-run", "base-run"]
    assert "A: <code>aoi-run</code>" in html
    assert "B: <code>base-run</code>" in html
    assert '<img class="bench-plot" src="/agents/benchmarks/aoi-run/plot.svg?compare=base-run"' in html
    for run in [*aoi_runs, *baseline_runs]:
        assert f'href="/trajectories/{run.pk}/"' in html
    solved_by_one = [row.problem_id for row in response.context["rows"] if row.solved_by_one]
    assert solved_by_one == [DETECTION]


def test_drill_down_puts_each_run_under_its_problem_in_run_order(
    signed_in: SignedIn, reader: Any, aoi_runs: list[Trajectory]
) -> None:
    response = signed_in(reader).get("/agents/benchmarks/aoi-run/")

    rows = {row.problem_id: row for row in response.context["rows"]}
    assert [[run.pk for run in series] for series in rows[DETECTION].series] == [[aoi_runs[0].pk, aoi_runs[1].pk]]
    assert [run.success for run in rows[DETECTION].series[0]] == [False, True]
    assert rows[LOCALIZATION].task == "localization"
    links = re.findall(r'href="/trajectories/([0-9a-f-]{36})/"', response.content.decode())
    assert sorted(links) == sorted(str(run.pk) for run in aoi_runs)


def test_plot_is_the_scoring_summary_as_svg(
    signed_in: SignedIn, reader: Any, aoi_runs: Any, baseline_runs: Any
) -> None:
    client = signed_in(reader)
    page = client.get("/agents/benchmarks/aoi-run/?compare=base-run")

    response = client.get("/agents/benchmarks/aoi-run/plot.svg?compare=base-run")

    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    series = [(benchmark.series_name, benchmark.summary) for benchmark, _ in page.context["benchmarks"]]
    assert response.content.decode() == summary_svg(series, title="aoi-run vs base-run")
    assert "aoi-run (aoi, qwen-7b)" in response.content.decode()
    assert "base-run (baseline, gpt-4o)" in response.content.decode()


@pytest.mark.parametrize(
    "path",
    [
        "/agents/benchmarks/aoi-run/",
        "/agents/benchmarks/aoi-run/plot.svg",
        "/agents/benchmarks/nope/",
        "/agents/benchmarks/aoi-run/?compare=nope",
        "/agents/benchmarks/aoi-run/plot.svg?compare=nope",
    ],
)
def test_unknown_or_hidden_benchmarks_are_404(
    signed_in: SignedIn, reader: Any, nobody: Any, aoi_runs: Any, path: str
) -> None:
    hidden = signed_in(nobody).get(path)
    unknown = signed_in(reader).get(path)

    assert hidden.status_code == 404
    assert unknown.status_code == (200 if "nope" not in path else 404)


def test_a_user_without_the_problem_runs_permission_sees_no_benchmark(
    signed_in: SignedIn, viewer: Any, aoi_runs: Any
) -> None:
    response = signed_in(viewer).get("/agents/benchmarks/")

    assert response.status_code == 200
    assert response.context["rows"] == []
    assert "aoi-run" not in response.content.decode()
    assert '<a href="/agents/benchmarks/">Benchmarks</a>' not in response.content.decode()


def test_superuser_sees_benchmarks_and_the_nav_link(signed_in: SignedIn, superuser: Any, aoi_runs: Any) -> None:
    response = signed_in(superuser).get("/agents/benchmarks/")

    assert [row.label for row in response.context["rows"]] == ["aoi-run"]
    assert '<a href="/agents/benchmarks/">Benchmarks</a>' in response.content.decode()


@pytest.mark.parametrize(
    "path", ["/agents/benchmarks/", "/agents/benchmarks/aoi-run/", "/agents/benchmarks/aoi-run/plot.svg"]
)
def test_anonymous_is_sent_to_sign_in(signed_in: SignedIn, aoi_runs: Any, path: str) -> None:
    response = signed_in(None).get(path)

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def _queries(client: Any, path: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(path).status_code == 200
    return len(captured)


def test_list_page_queries_do_not_grow_with_benchmarks_or_runs(signed_in: SignedIn, reader: Any) -> None:
    client = signed_in(reader)
    store_benchmark("small", AOI)
    few = _queries(client, "/agents/benchmarks/")
    store_benchmark("big", {DETECTION: [True] * 3, LOCALIZATION: [False] * 3, MITIGATION: [True] * 3})
    store_benchmark("bigger", {DETECTION: [True] * 4, MITIGATION: [False] * 4}, agent_kind="baseline")

    many = _queries(client, "/agents/benchmarks/")

    assert many == few


def test_detail_and_compare_queries_do_not_grow_with_runs(signed_in: SignedIn, reader: Any) -> None:
    client = signed_in(reader)
    store_benchmark("small", AOI)
    store_benchmark("small-b", BASELINE)
    store_benchmark("big", {DETECTION: [True] * 4, LOCALIZATION: [False] * 4, MITIGATION: [True] * 4})
    store_benchmark("big-b", {DETECTION: [False] * 4, LOCALIZATION: [True] * 4, MITIGATION: [True] * 4})

    assert _queries(client, "/agents/benchmarks/big/") == _queries(client, "/agents/benchmarks/small/")
    big, small = (_queries(client, f"/agents/benchmarks/{x}/?compare={x}-b") for x in ("big", "small"))
    assert big == small


def test_pages_carry_no_inline_script_or_style(
    signed_in: SignedIn, reader: Any, aoi_runs: Any, baseline_runs: Any
) -> None:
    client = signed_in(reader)
    for path in (
        "/agents/benchmarks/",
        "/agents/benchmarks/?a=aoi-run&b=aoi-run",
        "/agents/benchmarks/aoi-run/",
        "/agents/benchmarks/aoi-run/?compare=base-run",
    ):
        parser = InlineCodeFinder()

        parser.feed(client.get(path).content.decode())

        assert parser.found == [], path
        assert "/static/agents/agents.css" in parser.stylesheets, path


def test_the_chart_itself_has_no_style_attribute_or_script(signed_in: SignedIn, reader: Any, aoi_runs: Any) -> None:
    parser = InlineCodeFinder()

    parser.feed(signed_in(reader).get("/agents/benchmarks/aoi-run/plot.svg").content.decode())

    assert parser.found == []
    assert "<script" not in signed_in(reader).get("/agents/benchmarks/aoi-run/plot.svg").content.decode()
