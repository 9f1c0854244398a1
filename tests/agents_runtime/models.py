"""Deterministic stand-in models for runtime tests: they answer from the request, like a tiny scripted LLM.

``SchemaModel`` (the schema-filler backend) fills any decision schema with the choices a rule prefers
(else the first allowed value), so a test steers a whole run by naming what to prefer.
"""

from __future__ import annotations

from agents.llm.base import ChatRequest
from agents.llm.schema_filler import SchemaFillerBackend as SchemaModel

__all__ = ["SchemaModel", "expert_responder", "user_service_expert", "user_service_responder"]


def _expert_choice(prompt: str, options: list[str]) -> str | None:
    """A plausible investigator: probe once, look at the focus service, answer with what it saw first."""
    if "probe" in options:
        return "answer" if "Q:" in prompt else "probe"
    for option in options:
        if option.startswith("kubectl describe service") or option in ("Yes", "restore_target_port"):
            return option
    return None


def expert_responder(request: ChatRequest) -> str:
    """A responder for the scripted backend (importable by worker processes): fills the request's schema."""
    model = SchemaModel(_expert_choice)
    return model.complete(request).text


def user_service_expert(prompt: str, options: list[str]) -> str | None:
    """Steers a run at a fault on Social Network's user-service: one probe, then the right answer or fix."""
    for want in (
        "restore_target_port",
        "user-service",
        "kubectl describe service user-service -n test-social-network",
        "Virtualization",
        "Misconfiguration",
        "Yes",
    ):
        if want in options:
            return want
    if "probe" in options:
        return "answer" if "Q:" in prompt else "probe"
    return None


def user_service_responder(request: ChatRequest) -> str:
    """``user_service_expert`` as a scripted backend's responder (importable by worker processes)."""
    return SchemaModel(user_service_expert).complete(request).text
