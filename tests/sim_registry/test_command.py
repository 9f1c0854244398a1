"""``manage.py sim``: the problem table, scripted and interactive episodes, and the reference check."""

import io
import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from agents.sim.problems import problem_get
from agents.sim.reference import reference_script, wrong_script

EXAMPLES = Path(__file__).resolve().parents[2] / "agents" / "sim" / "scenarios"


def _sim(*args: str) -> list[str]:
    out = io.StringIO()
    call_command("sim", *args, stdout=out)
    return out.getvalue().splitlines()


def _script(tmp_path: Path, text: str) -> str:
    path = tmp_path / "calls.txt"
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_problems_prints_an_aligned_table_and_the_count():
    lines = _sim("problems")

    assert lines[0].split() == ["id", "task", "app", "target", "split"]
    assert len(lines) == 1 + 86 + 1
    assert lines[-1] == "86 problems"
    width = lines[0].index("task")
    assert all(line[width - 2 : width] == "  " for line in lines[1:-1])
    row = next(line for line in lines if line.startswith("revoke_auth_mongodb-localization-2 "))
    assert row.split() == [
        "revoke_auth_mongodb-localization-2",
        "localization",
        "HotelReservation",
        "mongodb-rate",
        "test",
    ]
    noop = next(line for line in lines if line.startswith("noop_detection_astronomy_shop-1 "))
    assert noop.split() == ["noop_detection_astronomy_shop-1", "detection", "AstronomyShop", "-", "test"]


def test_problems_filters():
    lines = _sim("problems", "--split", "test", "--task", "mitigation", "--app", "HotelReservation")

    assert lines[-1] == "5 problems"
    assert [line.split()[0] for line in lines[1:-1]] == [
        "revoke_auth_mongodb-mitigation-1",
        "revoke_auth_mongodb-mitigation-2",
        "user_unregistered_mongodb-mitigation-1",
        "user_unregistered_mongodb-mitigation-2",
        "wrong_bin_usage-mitigation-1",
    ]


def test_problems_with_one_match_says_one_problem():
    assert _sim("problems", "--fault", "container_kill", "--task", "localization")[-1] == "1 problem"


def test_problems_refuses_an_unknown_fault():
    with pytest.raises(CommandError, match="unknown fault 'container-kill'"):
        _sim("problems", "--fault", "container-kill")


def test_solve_prints_each_call_its_output_and_the_grade_last(tmp_path):
    problem = problem_get("k8s_target_port-misconfig-mitigation-1")

    lines = _sim("solve", problem.problem_id, "--script", _script(tmp_path, reference_script(problem)))

    grade = json.loads(lines[-1])
    assert grade["success"] is True
    assert grade["strict_success"] is True
    assert grade["submitted"] is True
    assert grade["steps"] >= 2
    assert lines[0].startswith("[line ")


def test_solve_of_the_wrong_twin_exits_zero_with_a_failed_grade(tmp_path):
    problem = problem_get("k8s_target_port-misconfig-mitigation-1")

    lines = _sim("solve", problem.problem_id, "--script", _script(tmp_path, wrong_script(problem)))

    assert json.loads(lines[-1])["strict_success"] is False


def test_solve_reports_a_malformed_call_and_goes_on(tmp_path):
    script = 'exec_shell(kubectl get pods)\nsubmit(["geo"])\n'

    lines = _sim("solve", "misconfig_app_hotel_res-localization-1", "--script", _script(tmp_path, script))

    assert lines[0] == "[line 1] exec_shell(kubectl get pods)"
    assert lines[1].startswith("Error parsing response: ")
    assert json.loads(lines[-1])["success"] is True


def test_solve_without_submit_grades_unsubmitted(tmp_path):
    script = 'exec_shell("kubectl get pods -n test-hotel-reservation")\n'

    lines = _sim("solve", "misconfig_app_hotel_res-detection-1", "--script", _script(tmp_path, script))

    grade = json.loads(lines[-1])
    assert (grade["success"], grade["submitted"], grade["steps"]) == (False, False, 1)


def test_solve_runs_a_scenario_file(tmp_path):
    script = 'submit({"system_level": "Virtualization", "fault_type": "Operation Error"})\n'

    lines = _sim("solve", str(EXAMPLES / "scale-zero-rate.yaml"), "--script", _script(tmp_path, script))

    assert json.loads(lines[-1])["success"] is True


def test_solve_refuses_an_unknown_problem_naming_close_matches(tmp_path):
    with pytest.raises(CommandError, match="close matches: wrong_bin_usage-detection-1"):
        _sim("solve", "wrong_bin_usage-detection-2", "--script", _script(tmp_path, "submit()\n"))


def test_solve_refuses_a_missing_script(tmp_path):
    with pytest.raises(CommandError, match="cannot read the script"):
        _sim("solve", "wrong_bin_usage-detection-1", "--script", str(tmp_path / "none.txt"))


def test_shell_prints_the_prompt_then_answers_calls_until_submit(monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO('exec_shell("kubectl get ns")\n\nsubmit("Yes")\nsubmit("No")\n'))

    lines = _sim("shell", "pod_kill_hotel_res-detection-1", "--seed", "4")

    assert lines[0].startswith("# pod_kill_hotel_res-detection-1 (seed 4, ")
    text = "\n".join(lines)
    assert problem_get("pod_kill_hotel_res-detection-1").prompt in text
    after_prompt = text[text.index("# One call per line; quit or exit (or end of input) leaves.") :]
    assert "test-hotel-reservation" in after_prompt
    assert json.loads(lines[-1])["success"] is True


def test_shell_leaves_on_end_of_input_without_a_grade(monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO("get_logs(\n"))

    lines = _sim("shell", "pod_kill_hotel_res-detection-1", "--no-leaks", "--read-only")

    assert "(seed " in lines[0]
    assert lines[0].endswith("leaks hidden, read-only)")
    assert lines[-2].startswith("Error parsing response: ")
    assert lines[-1] == "# Left without submitting; the episode is abandoned."


def test_check_prints_the_summary_and_exits_zero_when_all_pass():
    lines = _sim("check", "--problems", "container_kill-detection", "wrong_bin_usage-mitigation-1")

    assert lines[0].split() == ["task", "problems", "reference", "passes", "wrong", "twin", "fails"]
    assert lines[1].split() == ["detection", "1", "1/1", "1/1"]
    assert lines[2].split() == ["mitigation", "1", "1/1", "1/1"]
    assert lines[-1] == "2 problems checked: references pass, wrong twins fail"


def test_check_refuses_an_unknown_problem():
    with pytest.raises(CommandError, match="unknown problem 'nope'"):
        _sim("check", "--problems", "nope")


def test_check_fails_naming_the_problem_whose_reference_fails(monkeypatch):
    monkeypatch.setattr("agents.sim.reference_check.reference_script", lambda problem: 'submit("No")\n')
    out = io.StringIO()

    with pytest.raises(CommandError, match=r"^1 of 1 problems failed the check$"):
        call_command("sim", "check", "--problems", "container_kill-detection", stdout=out)

    assert out.getvalue().splitlines()[-1] == "FAILED container_kill-detection: reference script fails"


def test_check_takes_jobs_alone_as_one_process_per_cpu():
    lines = _sim("check", "--problems", "noop_detection_hotel_reservation-1", "--jobs")

    assert lines[-1] == "1 problem checked: references pass, wrong twins fail"
