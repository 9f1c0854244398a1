"""The benchmark's chart and ``manage.py benchmark_compare``."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from agents.runtime.plots import summary_svg
from agents.runtime.scoring import RunScore, summarise

SVG = "{http://www.w3.org/2000/svg}"


def _scores(successes: dict[str, list[bool]]) -> list[RunScore]:
    return [
        RunScore(problem, problem.split("-")[1], run, ok, None, 3, 10, 5, 1.0)
        for problem, runs in successes.items()
        for run, ok in enumerate(runs)
    ]


AOI = _scores({"p-detection-1": [True, True], "p-localization-1": [False, True], "p-analysis-1": [False, False]})
BASELINE = _scores({"p-detection-1": [True, False], "p-localization-1": [False, False], "p-analysis-1": [True, False]})


def _document(agent: str, scores: list[RunScore]) -> dict[str, object]:
    return {
        "agent": agent,
        "model": "m",
        "wall_time_s": 12.5,
        "summary": summarise(scores),
        "results": [{"problem_id": s.problem_id, "run": s.run, "success": s.success} for s in scores],
    }


def test_the_chart_draws_avg_and_best_per_task_for_each_result() -> None:
    svg = summary_svg([("aoi", summarise(AOI)), ("baseline", summarise(BASELINE))], title="AOI vs baseline")
    root = ET.fromstring(svg)  # noqa: S314 - our own output
    titles = [rect.find(f"{SVG}title") for rect in root.iter(f"{SVG}rect")]
    bars = [title.text for title in titles if title is not None]
    # 4 groups (all + 3 task types) x 2 results x (avg@1, best@2)
    assert len(bars) == 16
    assert "aoi localization best@2: 100.0%" in bars
    assert "baseline analysis avg@1: 100.0%" in bars
    assert "aoi analysis avg@1: 0.0%" in bars
    labels = [text.text for text in root.iter(f"{SVG}text")]
    assert "mitigation" not in labels  # no mitigation problems, no empty group


def test_nothing_to_plot_is_an_error() -> None:
    with pytest.raises(ValueError, match="nothing to plot"):
        summary_svg([], title="x")


def test_compare_writes_a_table_and_a_chart(tmp_path: Path) -> None:
    (tmp_path / "a.json").write_text(json.dumps(_document("aoi", AOI)))
    (tmp_path / "b.json").write_text(json.dumps(_document("baseline", BASELINE)))

    call_command("benchmark_compare", str(tmp_path / "a.json"), str(tmp_path / "b.json"), "--out", str(tmp_path / "c"))

    table = (tmp_path / "c.md").read_text()
    assert "| localization | avg@1 0.0%, avg@2 50.0%, best@2 100.0%" in table
    assert "Solved by aoi (m) only: p-localization-1" in table
    assert "Solved by baseline (m) only: p-analysis-1" in table
    ET.fromstring((tmp_path / "c.svg").read_text())  # noqa: S314 - our own output


@pytest.mark.parametrize("content", ["not json", json.dumps({"results": []}), json.dumps([1, 2])])
def test_compare_refuses_what_is_not_a_benchmark_result(tmp_path: Path, content: str) -> None:
    (tmp_path / "x.json").write_text(content)
    with pytest.raises(CommandError):
        call_command("benchmark_compare", str(tmp_path / "x.json"), "--out", str(tmp_path / "c"))
    with pytest.raises(CommandError):
        call_command("benchmark_compare", str(tmp_path / "missing.json"), "--out", str(tmp_path / "c"))
