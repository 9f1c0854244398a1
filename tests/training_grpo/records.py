"""Fixed Observer decision records, as the platform stores them, for the GRPO tests."""

from typing import Any

from agents.roles import prompts
from agents.roles.schema import answer_schema, array, choice, obj, string

SERVICES = ("compose-post-service", "text-service", "user-service")
PORT = "k8s_target_port-misconfig-{task}-1"  # user-service, Virtualization / Misconfiguration, train split
NOOP = "noop_detection_social_network-1"  # nothing wrong, test split


def prompt_text(user: str) -> str:
    return f"[system]\n{prompts.OBSERVER_SYSTEM}\n\n[user]\n{user}"


def next_move_schema() -> dict[str, Any]:
    return obj(
        {"next": choice(["probe", "answer"]), "question": string(120), "focus": array(choice(SERVICES), max_items=2)}
    )


def next_move_record(problem_id: str = PORT.format(task="localization"), task: str = "localization") -> dict[str, Any]:
    user = prompts.OBSERVER_NEXT.format(
        incident="requests to the social network fail",
        goal=prompts.TASK_GOALS[task],
        namespace="test-social-network",
        services=", ".join(SERVICES),
        knowledge="(none)",
        evidence="(none)",
        step=1,
        max_steps=5,
    )
    return {"prompt": prompt_text(user), "schema": next_move_schema(), "problem_id": problem_id, "task": task}


def answer_record(task: str, problem_id: str | None = None) -> dict[str, Any]:
    user = prompts.OBSERVER_ANSWER.format(
        incident="requests to the social network fail", goal=prompts.TASK_GOALS[task], evidence="(none)"
    )
    return {
        "prompt": prompt_text(user),
        "schema": answer_schema(task, SERVICES),
        "problem_id": problem_id or PORT.format(task=task),
        "task": task,
    }
