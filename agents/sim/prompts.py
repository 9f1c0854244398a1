"""Task prompts in the manner of AIOpsLab's: role, application summary, the APIs, the answer format and the
one-call-per-turn reply format. Written for this project; AIOpsLab's prompts served as the model.

A prompt depends on the problem's application and task only, never on its fault or target: every
problem of one application and task gets the same text. ``PROMPT_VERSION`` names the wording, so a
benchmark result can say which prompt its agents saw.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from agents.sim.apps import APPS
from agents.sim.grading import FAULT_TYPES, SYSTEM_LEVELS

if TYPE_CHECKING:
    from agents.sim.problems import Problem

PROMPT_VERSION = "aiopslab-1"


@dataclass(frozen=True)
class AppBrief:
    """What an agent is told about an application beyond its namespace and deployments."""

    title: str
    about: str
    operations: tuple[str, ...]


APP_BRIEFS = {
    "HotelReservation": AppBrief(
        title="Hotel Reservation",
        about=(
            "A hotel booking application written in Go. Its microservices call each other over gRPC and keep "
            "their data in MongoDB, with memcached in front of the busiest stores; Consul holds the service "
            "registry and Jaeger collects traces."
        ),
        operations=(
            "Search for hotels near a location and show their profiles and rates for the dates asked",
            "Recommend hotels by distance, rating or price",
            "Log a user in",
            "Reserve a room for a user",
        ),
    ),
    "SocialNetwork": AppBrief(
        title="Social Network",
        about=(
            "A social network in which users follow each other one way. Its C++ microservices call each other "
            "over Thrift RPC behind an nginx front end and store posts, timelines and the social graph in "
            "MongoDB, Redis and memcached; Jaeger collects traces."
        ),
        operations=(
            "Compose a post with text, media, shortened links and mentions of other users",
            "Read a post, a user's timeline or the home timeline",
            "Follow or unfollow a user, and get suggestions of whom to follow",
            "Register and log in",
        ),
    ),
    "AstronomyShop": AppBrief(
        title="Astronomy Shop",
        about=(
            "An online shop for astronomy equipment: the OpenTelemetry community's demo application, built from "
            "microservices in many languages that exchange gRPC and HTTP calls and Kafka messages, all "
            "instrumented with OpenTelemetry traces and metrics."
        ),
        operations=(
            "Browse the product catalogue, with recommendations and ads",
            "Add products to a cart and change it",
            "Convert prices between currencies and get shipping quotes",
            "Check out: pay, ship the order and send a confirmation email",
        ),
    ),
}

_MISSIONS = {
    "detection": "Your task is to find out whether the application is suffering from an anomaly right now.",
    "localization": "Your task is to find the service or services in which the root cause of the fault lies.",
    "analysis": (
        "Your task is to analyse the root cause of the fault: the level of the system where it sits and the "
        "kind of fault it is."
    ),
    "mitigation": (
        "Your task is to bring the application back to health: find what is wrong and repair it with the APIs "
        "below, then submit."
    ),
}

_READ_APIS = """\
get_logs(namespace: str, service: str) -> str
    Return the logs of the first pod that belongs to `service` in `namespace`.

get_metrics(namespace: str, duration: int = 5) -> str
    Export the metrics of the last `duration` minutes of `namespace` as CSV files and return the
    directory they were written to. Open a file with read_metrics.

read_metrics(file_path: str) -> str
    Return one exported metrics CSV file as a table.

get_traces(namespace: str, duration: int = 5) -> str
    Export the request traces of the last `duration` minutes of `namespace` as a CSV file and return
    where it was written. Open it with read_traces.

read_traces(file_path: str) -> str
    Return one exported traces CSV file as a table.

exec_shell(command: str) -> str
    Run one command line (kubectl, helm and the usual text tools) in a debugging shell and return what
    it printed. The shell keeps no state between calls and cannot be used interactively, so commands
    such as `kubectl edit` or `kubectl port-forward` are refused: change objects with `kubectl patch`."""

_SUBMIT_APIS = {
    "detection": """\
submit(has_anomaly: str) -> None
    End the task with your verdict: "Yes" if the application has an anomaly, "No" if it has none.""",
    "localization": """\
submit(faulty_components: list[str]) -> None
    End the task with the names of the faulty services (as deployed in the namespace), or an empty
    list if you found no fault.""",
    "analysis": """\
submit(analysis: dict[str, str]) -> None
    End the task with your root-cause analysis: a dict with the keys "system_level" and "fault_type".""",
    "mitigation": """\
submit() -> None
    End the task once your repair is in place. It takes no arguments: the state of the application is
    checked after you submit.""",
}


def _bullets(items: tuple[str, ...]) -> str:
    return "\n".join(f"  - {item}" for item in items)


_ANSWERS = {
    "detection": """\
When you have decided, answer with
```
submit("Yes")
```
if there is an anomaly, or with
```
submit("No")
```
if there is none.""",
    "localization": """\
When you have found it, answer with the faulty services by name, for instance
```
submit(["service-a", "service-b"])
```
List only the services you believe are at fault; submit([]) means you found no fault.""",
    "analysis": f"""\
When you have found it, answer with
```
submit({{"system_level": "<system level>", "fault_type": "<fault type>"}})
```
where the system level is one of:
{_bullets(SYSTEM_LEVELS)}
and the fault type is one of:
{_bullets(FAULT_TYPES)}""",
    "mitigation": """\
When the application is healthy again, answer with
```
submit()
```
A submission is always accepted, but it does not mean the repair worked: the application is checked
afterwards.""",
}


def _app_section(problem: Problem) -> str:
    brief = APP_BRIEFS[problem.app]
    spec = APPS[problem.app]
    return (
        f"Application: {brief.title}\n"
        f"Namespace: {spec.namespace}\n"
        f"About: {brief.about}\n"
        f"What its users do with it:\n{_bullets(brief.operations)}\n"
        f"Deployments in the namespace: {', '.join(spec.services)}"
    )


def _reply_format(problem: Problem) -> str:
    return (
        "Reply with exactly one API call per turn, alone in a markdown code block, for instance:\n"
        f'```\nexec_shell("kubectl get pods -n {problem.namespace}")\n```\n'
        "Write nothing else in the block: no labels, no prefixes, no second call. The result of your call "
        "comes back as the next message."
    )


def task_prompt(problem: Problem) -> str:
    """The prompt that opens an episode of ``problem``: a function of its application and task only."""
    sections = (
        "You are an expert site reliability engineer on call for a microservice application deployed on "
        f"Kubernetes. {_MISSIONS[problem.task]}",
        _app_section(problem),
        "Begin by examining the application's state and telemetry. These APIs are available:\n\n"
        f"{_READ_APIS}\n\n{_SUBMIT_APIS[problem.task]}",
        _ANSWERS[problem.task],
        _reply_format(problem),
    )
    return "\n\n".join(sections) + "\n"
