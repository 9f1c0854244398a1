"""Fixed Observer decision records, as the platform stores them, for the GRPO tests.

The prompts are the runtime's (``prompts.OBSERVER_CONTEXT`` and what each decision adds), the schemas the
ones it decides under; the ``legacy_*`` schemas are the shapes runs stored before the analyzers (a ``focus``
list, a list of services, ``fix_needed``), which stored trajectories still hold and training still reads.
"""

from typing import Any

from agents.roles import prompts
from agents.roles.schema import Schema, answer_schema, array, choice, obj, options_text, string

SERVICES = ("user-service", "text-service", "compose-post-service")  # the suspects, as the findings rank them
PORT = "k8s_target_port-misconfig-{task}-1"  # user-service, Virtualization / Misconfiguration, train split
NOOP = "noop_detection_social_network-1"  # nothing wrong, test split
FINDINGS = (
    "1. user-service: target port mismatch: Service user-service targetPort 9999 matches no containerPort (9090)\n"
    "2. user-service: no endpoints: Service user-service has no ready endpoint\n"
    "3. text-service: log errors: connect to user-service:9090: connection refused"
)
# The questions the findings give (``agents.roles.evidence.questions_for``'s shapes): a pair first, then one
# about each suspect.
QUESTIONS = (
    "Is user-service or text-service the cause of what the others see?",
    "What explains the target port mismatch and no endpoints of user-service?",
    "What explains the log errors of text-service?",
)


def prompt_text(user: str) -> str:
    return f"[system]\n{prompts.OBSERVER_SYSTEM}\n\n[user]\n{user}"


def context(task: str) -> dict[str, str]:
    """The fields every Observer prompt opens with."""
    return {
        "incident": "requests to the social network fail",
        "goal": prompts.TASK_GOALS[task],
        "knowledge": "(none)",
        "findings": FINDINGS,
        "evidence": "(none)",
    }


def next_move_schema() -> Schema:
    return obj({"next": choice(["probe", "answer"]), "question": choice(QUESTIONS)})


def legacy_next_move_schema() -> Schema:
    return obj(
        {"next": choice(["probe", "answer"]), "question": string(120), "focus": array(choice(SERVICES), max_items=2)}
    )


def legacy_answer_schema(task: str) -> Schema:
    if task == "localization":
        return obj({"services": array(choice(SERVICES), min_items=1, max_items=3)})
    return obj({**answer_schema(task, SERVICES)["properties"], "fix_needed": choice(["yes", "no"])})


def next_move_record(problem_id: str = PORT.format(task="localization"), task: str = "localization") -> dict[str, Any]:
    user = prompts.OBSERVER_NEXT.format(**context(task), step=1, max_steps=5)
    return {"prompt": prompt_text(user), "schema": next_move_schema(), "problem_id": problem_id, "task": task}


def answer_record(task: str, problem_id: str | None = None) -> dict[str, Any]:
    schema = answer_schema(task, SERVICES)
    user = prompts.OBSERVER_ANSWER.format(**context(task), options=options_text(schema))
    return {
        "prompt": prompt_text(user),
        "schema": schema,
        "problem_id": problem_id or PORT.format(task=task),
        "task": task,
    }


def plan_record(problem_id: str = PORT.format(task="mitigation")) -> dict[str, Any]:
    """The Observer naming the service to fix, after a diagnosis (``OBSERVER_PLAN``)."""
    user = prompts.OBSERVER_PLAN.format(
        **context("mitigation"), diagnosis="user-service, Virtualization, Misconfiguration", feedback=""
    )
    schema = obj({"target": choice(SERVICES)})
    return {"prompt": prompt_text(user), "schema": schema, "problem_id": problem_id, "task": "mitigation"}
