"""The problem registry against problems.csv: every row registered with exactly its fields; filters; lookup."""

import csv
import re
from pathlib import Path
from typing import Any

import pytest

from agents.sim.problems import (
    APP_NAMES,
    TASKS,
    Problem,
    UnknownProblem,
    problem_get,
    problem_list,
    problem_registry,
    problem_resolve,
)

CSV_PATH = Path(__file__).resolve().parents[2] / "agents" / "sim" / "data" / "problems.csv"


def _csv_rows() -> list[dict[str, str]]:
    with CSV_PATH.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_every_csv_row_is_registered_with_exactly_its_fields():
    rows = _csv_rows()
    registry = problem_registry()

    assert len(rows) == 86
    assert list(registry) == [row["problem_id"] for row in rows]
    for row in rows:
        problem = registry[row["problem_id"]]
        assert problem.fault == row["fault"]
        assert problem.task == row["task"]
        assert problem.app == row["app"]
        assert problem.namespace == row["namespace"]
        assert problem.target == (row["target"] or None)
        assert problem.expected == row["expected"]
        assert problem.split == row["split"]
        assert (problem.params, problem.seed, problem.leaks, problem.source) == ({}, None, None, "registry")


def test_the_expected_answer_with_a_comma_is_kept_whole():
    problem = problem_get("auth_miss_mongodb-mitigation-1")

    assert problem.expected == ("all containers ready (AIOpsLab checks only readiness; a true fix disables requireTLS)")
    assert problem.split == "train"


def test_json_answers_keep_their_quotes():
    assert problem_get("revoke_auth_mongodb-localization-1").expected == '["mongodb-geo"] or ["geo"]'
    assert problem_get("k8s_target_port-misconfig-analysis-2").expected == (
        '{"system_level":"Virtualization","fault_type":"Misconfiguration"}'
    )


def test_targetless_problems_have_target_none():
    targetless = [p.problem_id for p in problem_registry().values() if p.target is None]

    assert targetless == [
        "noop_detection_hotel_reservation-1",
        "noop_detection_social_network-1",
        "noop_detection_astronomy_shop-1",
        "redeploy_without_PV-detection-1",
        "redeploy_without_PV-analysis-1",
        "redeploy_without_PV-mitigation-1",
    ]


def test_registry_is_loaded_once_and_read_only():
    registry = problem_registry()

    assert problem_registry() is registry
    with pytest.raises(TypeError):
        registry["new"] = registry["container_kill-detection"]  # type: ignore[index]


def test_problem_list_without_filters_is_the_whole_registry_in_order():
    assert problem_list() == list(problem_registry().values())


@pytest.mark.parametrize(
    ("filters", "count"),
    [
        ({"split": "train"}, 38),
        ({"split": "test"}, 48),
        ({"split": "scenario"}, 0),
        ({"task": "detection"}, 32),
        ({"task": "localization"}, 28),
        ({"task": "analysis"}, 13),
        ({"task": "mitigation"}, 13),
        ({"app": "HotelReservation"}, 38),
        ({"app": "SocialNetwork"}, 25),
        ({"app": "AstronomyShop"}, 23),
        ({"split": "test", "task": "mitigation"}, 6),
        ({"fault": "k8s_target_port-misconfig"}, 12),
        ({"fault": "revoke_auth_mongodb", "task": "analysis"}, 2),
    ],
)
def test_problem_list_filters(filters, count):
    problems = problem_list(**filters)

    assert len(problems) == count
    for problem in problems:
        for key, value in filters.items():
            assert getattr(problem, key) == value


@pytest.mark.parametrize(
    ("filters", "message"),
    [
        ({"task": "detect"}, "unknown task 'detect' (did you mean detection?)"),
        ({"split": "validation"}, "unknown split 'validation'"),
        ({"app": "Hotel"}, "unknown app 'Hotel'"),
        ({"fault": "target_port"}, "unknown fault 'target_port'"),
    ],
)
def test_problem_list_refuses_unknown_filter_values(filters, message):
    with pytest.raises(ValueError, match="^" + re.escape(message)):
        problem_list(**filters)


def test_problem_get_unknown_id_lists_close_matches():
    with pytest.raises(UnknownProblem) as excinfo:
        problem_get("revoke_auth_mongodb-detection-3")

    assert isinstance(excinfo.value, LookupError)
    assert "revoke_auth_mongodb-detection-1" in excinfo.value.close_matches
    assert str(excinfo.value).startswith("unknown problem 'revoke_auth_mongodb-detection-3'; close matches: ")


def test_problem_get_without_any_close_match_says_so_plainly():
    with pytest.raises(UnknownProblem) as excinfo:
        problem_get("zzz")

    assert excinfo.value.close_matches == ()
    assert str(excinfo.value) == "unknown problem 'zzz' (or give the path of a scenario .yaml file)"


def test_problem_resolve_takes_a_registry_id():
    assert problem_resolve("wrong_bin_usage-mitigation-1") is problem_get("wrong_bin_usage-mitigation-1")


def test_problem_resolve_refuses_what_is_neither_id_nor_scenario_path():
    with pytest.raises(UnknownProblem):
        problem_resolve("scenarios/rate.json")


def test_problem_refuses_an_unknown_task_app_or_split():
    fields: dict[str, Any] = {
        "problem_id": "x",
        "app": "HotelReservation",
        "namespace": "test-hotel-reservation",
        "task": "detection",
        "fault": "noop",
        "target": None,
        "expected": "No",
        "split": "train",
    }

    for key, bad in (("task", "triage"), ("app", "Hotel"), ("split", "dev")):
        with pytest.raises(ValueError, match=f"unknown {key} '{bad}'"):
            Problem(**{**fields, key: bad})


def test_constants_name_the_tasks_and_apps_of_the_csv():
    rows = _csv_rows()

    assert {row["task"] for row in rows} == set(TASKS)
    assert {row["app"] for row in rows} == set(APP_NAMES)
