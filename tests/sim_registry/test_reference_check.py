"""Scripts in fresh episodes: script_run's transcript and grade, and the reference/wrong-twin sweep."""

import pytest

from agents.sim.problems import problem_get, problem_list
from agents.sim.reference import reference_script, wrong_script
from agents.sim.reference_check import (
    CheckReport,
    CheckRow,
    check_problem,
    check_sweep,
    script_run,
)


def test_script_run_grades_a_correct_detection():
    problem = problem_get("misconfig_app_hotel_res-detection-1")
    script = 'exec_shell("kubectl get pods -n test-hotel-reservation")\nsubmit("Yes")\n'

    outcome = script_run(problem, script)

    assert [step.line for step in outcome.steps] == [1, 2]
    assert outcome.steps[0].source == 'exec_shell("kubectl get pods -n test-hotel-reservation")'
    assert "geo" in outcome.steps[0].output
    assert outcome.steps[1].output == "Submitted."
    assert outcome.grade["success"] is True
    assert outcome.grade["submitted"] is True
    assert outcome.submitted is True
    assert outcome.unrun_lines == 0


def test_script_run_answers_a_malformed_line_and_goes_on():
    problem = problem_get("noop_detection_social_network-1")
    script = '# a comment\nexec_shell(kubectl get pods)\n\nsubmit("No")\nsubmit("Yes")\n'

    outcome = script_run(problem, script)

    assert [step.line for step in outcome.steps] == [2, 4]
    assert outcome.steps[0].output == (
        "Error parsing response: invalid syntax in `exec_shell(kubectl get pods)` (Perhaps you forgot a comma?)"
    )
    assert outcome.grade["success"] is True
    assert outcome.grade["steps"] == 2
    assert outcome.unrun_lines == 1


def test_script_run_without_submit_is_a_failure_marked_unsubmitted():
    problem = problem_get("scale_pod_zero_social_net-mitigation-1")

    outcome = script_run(problem, 'exec_shell("kubectl get deploy -n test-social-network")\n')

    keys = ("problem_id", "task", "success", "strict_success", "submitted", "steps", "error")
    assert {key: outcome.grade[key] for key in keys} == {
        "problem_id": "scale_pod_zero_social_net-mitigation-1",
        "task": "mitigation",
        "success": False,
        "strict_success": False,
        "submitted": False,
        "steps": 1,
        "error": "the script ended without submit()",
    }
    assert outcome.submitted is False


def test_script_run_read_only_refuses_writes():
    problem = problem_get("scale_pod_zero_social_net-mitigation-1")
    script = 'exec_shell("kubectl scale deployment user-service --replicas=1 -n test-social-network")\nsubmit()\n'

    outcome = script_run(problem, script, read_only=True)

    assert outcome.grade["success"] is False


@pytest.mark.parametrize(
    "problem_id",
    ["revoke_auth_mongodb-mitigation-2", "k8s_target_port-misconfig-localization-3", "redeploy_without_PV-analysis-1"],
)
def test_check_problem_passes_the_reference_and_refuses_the_wrong_twin(problem_id):
    row = check_problem(problem_get(problem_id))

    assert row == CheckRow(problem_id, problem_get(problem_id).task, reference_passed=True, wrong_passed=False)
    assert row.ok
    assert row.reason == ""


def test_the_wrong_twin_of_a_mitigation_fails_the_strict_check():
    problem = problem_get("revoke_auth_mongodb-mitigation-1")

    outcome = script_run(problem, wrong_script(problem))

    assert outcome.grade["strict_success"] is False


def test_check_sweep_keeps_the_order_of_the_problems_across_processes():
    problems = problem_list(task="analysis")[:4]
    heard: list[str] = []

    report = check_sweep(problems, jobs=2, on_row=lambda row: heard.append(row.problem_id))

    assert [row.problem_id for row in report.rows] == [p.problem_id for p in problems]
    assert sorted(heard) == sorted(p.problem_id for p in problems)
    assert report.ok


def test_check_sweep_over_the_whole_registry_passes():
    report = check_sweep(problem_list())

    assert [row.reason for row in report.failures] == []
    assert [(s.task, s.problems, s.references_passed, s.wrong_refused) for s in report.by_task()] == [
        ("detection", 32, 32, 32),
        ("localization", 28, 28, 28),
        ("analysis", 13, 13, 13),
        ("mitigation", 13, 13, 13),
    ]


def test_a_report_names_what_failed():
    report = CheckReport(
        (
            CheckRow("a", "detection", reference_passed=True, wrong_passed=False),
            CheckRow("b", "mitigation", reference_passed=False, wrong_passed=True),
            CheckRow("c", "analysis", reference_passed=False, wrong_passed=False, error="KeyError: 'x'"),
        )
    )

    assert not report.ok
    assert [(row.problem_id, row.reason) for row in report.failures] == [
        ("b", "reference script fails; wrong twin passes"),
        ("c", "error: KeyError: 'x'"),
    ]


def test_reference_scripts_are_scripts_of_calls():
    problem = problem_get("wrong_bin_usage-mitigation-1")

    assert "submit()" in reference_script(problem)
