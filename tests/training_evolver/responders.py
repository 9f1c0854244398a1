"""Scripted models for the Evolver's tests (importable by worker processes through a backend's ``responder``).

``student`` plays the Observer's model: without guidance it looks away from user-service, filling every
decision with the first allowed value that does not name it (the analyzers rank user-service first, so this
fails localization on Social Network's target-port fault, and it still answers detection "Yes"), and it
follows guidance when it reads it: once the Observer's prompt carries the ``MARKER`` phrase (long-term
memory), its Probes look at user-service and it answers from what they found. The teachers fill the
teacher's schema: ``teacher_marker`` writes guidance with the marker, ``teacher_plain`` guidance without it,
``teacher_broken`` prose, ``teacher_bad_step`` a step the run does not have.
"""

from __future__ import annotations

import json
from typing import Any

from agents.llm.base import ChatRequest
from agents.llm.schema_filler import SchemaFillerBackend
from tests.agents_runtime.models import user_service_expert

MARKER = "targetport-check"
LOCALIZATION = "k8s_target_port-misconfig-localization-1"


def _prompt(request: ChatRequest) -> str:
    return "\n".join(message.content for message in request.messages)


def misled(prompt: str, options: list[str]) -> str | None:
    """An investigator sure the fault is elsewhere: the first option that does not name user-service."""
    return next((option for option in options if "user-service" not in option), None)


def student(request: ChatRequest) -> str:
    """The Observer's (and its Probes') model: lost without guidance, right with it."""
    if MARKER in _prompt(request):
        return SchemaFillerBackend(user_service_expert, text=f"{MARKER} on user-service").complete(request).text
    return SchemaFillerBackend(misled).complete(request).text


def _proposal(request: ChatRequest, *, text: str, step: str | None = None) -> dict[str, Any]:
    properties = (request.json_schema or {})["properties"]
    steps = properties["failed_step"]["enum"]
    faults = properties["fault_types"]["items"].get("enum", [])
    services = properties["services"]["items"].get("enum", [])
    return {
        "failure_pattern": "wrong_investigation_path",
        "failed_step": step or steps[0],
        "analysis": "The Observer never looked at the Service whose endpoints were empty.",
        "title": "Social Network requests failing: check Service ports",
        "text": text,
        "fault_types": [name for name in faults if name == "k8s_target_port-misconfig"],
        "services": [name for name in services if name == "user-service"],
    }


def teacher_marker(request: ChatRequest) -> str:
    text = f"When SocialNetwork requests fail, run {MARKER}: compare each Service targetPort with its pods."
    return json.dumps(_proposal(request, text=text))


def teacher_plain(request: ChatRequest) -> str:
    return json.dumps(_proposal(request, text="When SocialNetwork requests fail, look harder before answering."))


def teacher_broken(request: ChatRequest) -> str:
    return "I think the run went wrong somewhere in the middle."


def teacher_bad_step(request: ChatRequest) -> str:
    return json.dumps(_proposal(request, text="Check the ports.", step="9999"))
