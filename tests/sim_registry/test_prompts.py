"""Task prompts: the application, the APIs and the task's answer format, and never the fault or the target."""

import re
from collections import defaultdict

import pytest

from agents.sim.apps import APPS
from agents.sim.calls import parse_call
from agents.sim.grading import FAULT_TYPES, SYSTEM_LEVELS
from agents.sim.problems import TASKS, problem_get, problem_registry
from agents.sim.prompts import PROMPT_VERSION, task_prompt

ALL_PROBLEMS = list(problem_registry().values())
API_SIGNATURES = (
    "get_logs(namespace: str, service: str) -> str",
    "get_metrics(namespace: str, duration: int = 5) -> str",
    "read_metrics(file_path: str) -> str",
    "get_traces(namespace: str, duration: int = 5) -> str",
    "read_traces(file_path: str) -> str",
    "exec_shell(command: str) -> str",
)
ONE_OF_EACH_TASK = {
    "detection": "misconfig_app_hotel_res-detection-1",
    "localization": "k8s_target_port-misconfig-localization-2",
    "analysis": "user_unregistered_mongodb-analysis-2",
    "mitigation": "auth_miss_mongodb-mitigation-1",
}


def test_prompt_version_names_the_wording():
    assert PROMPT_VERSION == "aiopslab-1"


def test_prompt_depends_only_on_app_and_task():
    prompts: dict[tuple[str, str], set[str]] = defaultdict(set)
    for problem in ALL_PROBLEMS:
        prompts[(problem.app, problem.task)].add(task_prompt(problem))

    assert all(len(texts) == 1 for texts in prompts.values())
    # Different tasks of one application really do read differently.
    assert len({next(iter(texts)) for texts in prompts.values()}) == len(prompts)


@pytest.mark.parametrize("problem", ALL_PROBLEMS, ids=lambda p: p.problem_id)
def test_prompt_never_names_the_fault_or_the_answer(problem):
    prompt = problem.prompt

    assert problem.fault not in prompt
    if problem.task in ("localization", "analysis"):
        assert problem.expected not in prompt
    if problem.target is not None and problem.target.startswith("mongodb-"):
        # A target may appear in the list of deployments, and nowhere else.
        assert prompt.count(problem.target) == 1


@pytest.mark.parametrize("problem", ALL_PROBLEMS, ids=lambda p: p.problem_id)
def test_prompt_describes_the_application(problem):
    prompt = problem.prompt
    spec = APPS[problem.app]

    assert f"Namespace: {problem.namespace}\n" in prompt
    assert f"Deployments in the namespace: {', '.join(spec.services)}\n" in prompt
    for signature in API_SIGNATURES:
        assert signature in prompt


def test_problem_prompt_is_task_prompt():
    problem = problem_get("pod_kill_hotel_res-localization-1")

    assert problem.prompt == task_prompt(problem)


def test_detection_asks_for_yes_or_no():
    prompt = problem_get(ONE_OF_EACH_TASK["detection"]).prompt

    assert 'submit("Yes")' in prompt
    assert 'submit("No")' in prompt
    assert "system_level" not in prompt
    assert "faulty_components" not in prompt


def test_localization_asks_for_a_list_of_services():
    prompt = problem_get(ONE_OF_EACH_TASK["localization"]).prompt

    assert "submit(faulty_components: list[str]) -> None" in prompt
    assert 'submit(["service-a", "service-b"])' in prompt
    assert 'submit("Yes")' not in prompt


def test_analysis_lists_every_allowed_level_and_type():
    prompt = problem_get(ONE_OF_EACH_TASK["analysis"]).prompt

    assert 'submit({"system_level": "<system level>", "fault_type": "<fault type>"})' in prompt
    for value in SYSTEM_LEVELS + FAULT_TYPES:
        assert f"  - {value}\n" in prompt
    assert SYSTEM_LEVELS == ("Hardware", "Operating System", "Virtualization", "Application")
    assert len(FAULT_TYPES) == 6


def test_mitigation_asks_for_a_fix_then_submit_without_arguments():
    prompt = problem_get(ONE_OF_EACH_TASK["mitigation"]).prompt

    assert "submit() -> None" in prompt
    assert "It takes no arguments" in prompt
    assert "bring the application back to health" in prompt
    assert 'submit("Yes")' not in prompt


@pytest.mark.parametrize("task", TASKS)
def test_every_code_block_in_a_prompt_is_one_parsable_call(task):
    prompt = problem_get(ONE_OF_EACH_TASK[task]).prompt
    blocks = re.findall(r"```\n(.*?)\n```", prompt, re.DOTALL)

    assert "exactly one API call per turn" in prompt
    assert len(blocks) >= 2
    for block in blocks:
        assert parse_call(f"```\n{block}\n```").name in ("exec_shell", "submit")
