"""The teacher: a model that reads one failed run and its ground truth and writes one corrective guidance item.

The answer is structured output under a JSON schema built with the roles' schema builders: the failure
pattern and the failed step are enumerations (the taxonomy below; the run's own step indices), the fault
types and services enumerations of the fault library's and the application's names, the texts bounded.
The request carries the schema as decisions do (``agents.roles.decide``): a grammar-constrained backend
cannot write anything else; one without grammar support gets the schema in the prompt, one repair attempt
with the validation error, and what comes back is validated here. An answer still invalid raises
``TeacherOutputInvalid`` saying why: the caller records it and goes on with the next run.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass

from agents.llm.base import ChatRequest, Completion, LLMBackend, LLMError, Message
from agents.llm.redaction import redact
from agents.roles.decide import REPAIR
from agents.roles.schema import DecisionError, Schema, array, choice, obj, parse_decision, string, token_bound
from training.evolver.cases import FailureCase, compact, steps_text

# The failure patterns the teacher chooses from (``training.models.FailurePattern`` holds the same names),
# each with what it means, which the prompt spells out.
FAILURE_PATTERNS: dict[str, str] = {
    "missing_evidence": "concluded without reading what would have shown the cause",
    "wrong_investigation_path": "investigated the wrong services or signals",
    "premature_answer": "answered before the evidence was enough",
    "wrong_answer": "had the evidence but drew the wrong conclusion from it",
    "wrong_fix": "found the cause but proposed or ran the wrong fix",
    "missing_verification": "did not check that the fix worked",
    "other": "none of the above",
}
ANALYSIS_CHARS = 600
TITLE_CHARS = 120
TEXT_CHARS = 500
MAX_TAGS = 3
MIN_TEXT_WORDS = 6  # guidance shorter than this says nothing a curator could use
TEMPLATE_ECHO = "when x is seen, check y before concluding z"
WORD = re.compile(r"[A-Za-z][A-Za-z0-9_.-]*")
FREE_TAG_CHARS = 63
MAX_TEACHER_TOKENS = 2048
BRIEF_CHARS = 500
TRUTH_CHARS = 600

SYSTEM = (
    "You are the Evolver's teacher. You read a failed run of an SRE agent team (an Observer that sends "
    "read-only Probes, then answers or has a fix made) next to the ground truth, find where it went wrong, "
    "and write one short corrective guidance item for future runs. Reply with JSON only."
)
INSTRUCTIONS = """Failure patterns:
{patterns}
Reply with: the failure pattern; failed_step, the number of the step (#N above) where the run went wrong;
a short analysis of what went wrong; and one guidance item (title and text) of the form "When X is seen,
check Y before concluding Z", general enough to help on similar incidents: it must not just state this
run's answer. Tag it with the fault types and services it applies to (none if it applies to all)."""
USER = """Task: {task} ({kind} {subject})
The agents were told: {brief}
Ground truth: {truth}
The run concluded: {outcome}
Steps (#index role/phase decision -> result !! error):
{steps}

{instructions}"""


class TeacherOutputInvalid(ValueError):
    """The teacher's answer is not a valid proposal for this run; the message says why."""


@dataclass(frozen=True)
class TeacherProposal:
    """The teacher's reading of one failed run: validated, ready to become a guidance proposal."""

    failure_pattern: str
    failed_step: int
    analysis: str
    title: str
    text: str
    fault_types: tuple[str, ...]
    services: tuple[str, ...]


def teacher_schema(case: FailureCase) -> Schema:
    """The JSON schema of the teacher's answer for ``case`` (its step numbers and tag names enumerated)."""
    if not case.steps:
        raise TeacherOutputInvalid("the run has no steps to point at")
    return obj(
        {
            "failure_pattern": choice(list(FAILURE_PATTERNS)),
            "failed_step": choice([str(index) for index in case.step_indices]),
            "analysis": string(ANALYSIS_CHARS),
            "title": string(TITLE_CHARS),
            "text": string(TEXT_CHARS),
            "fault_types": _tags(case.fault_types),
            "services": _tags(case.services),
        }
    )


def _tags(names: Sequence[str]) -> Schema:
    """Up to ``MAX_TAGS`` of ``names``; free short names when none are known (a cluster outside the catalogue)."""
    return array(choice(names) if names else string(FREE_TAG_CHARS), max_items=MAX_TAGS)


def teacher_messages(case: FailureCase) -> tuple[Message, Message]:
    """The system and user messages for ``case``: bounded in size, secrets redacted."""
    patterns = "\n".join(f"- {name}: {meaning}" for name, meaning in FAILURE_PATTERNS.items())
    user = USER.format(
        task=case.task,
        kind=case.kind,
        subject=case.subject,
        brief=compact(case.brief, BRIEF_CHARS),
        truth=compact(dict(case.truth), TRUTH_CHARS),
        outcome=compact(dict(case.outcome), TRUTH_CHARS),
        steps=steps_text(case.steps),
        instructions=INSTRUCTIONS.format(patterns=patterns),
    )
    return Message("system", redact(SYSTEM)), Message("user", redact(user))


def teacher_request(case: FailureCase, *, seed: int | None = None, messages: Sequence[Message] = ()) -> ChatRequest:
    """The structured-output request for ``case`` (``messages``: a longer conversation, for the repair)."""
    schema = teacher_schema(case)
    return ChatRequest(
        messages=tuple(messages) or teacher_messages(case),
        max_tokens=min(MAX_TEACHER_TOKENS, token_bound(schema)),
        json_schema=schema,
        seed=seed,
        metadata={"role": "evolver-teacher"},
    )


def teacher_parse(text: str, case: FailureCase) -> TeacherProposal:
    """The proposal in the teacher's ``text`` for ``case``; ``TeacherOutputInvalid`` saying why not."""
    try:
        value = parse_decision(text, teacher_schema(case))
    except DecisionError as error:
        raise TeacherOutputInvalid(str(error)) from None
    failed_step = int(value["failed_step"])
    if failed_step not in case.step_indices:  # the enumeration says so too; a schema is no proof
        raise TeacherOutputInvalid(f"step {failed_step} is not a step of the run")
    title, body = value["title"].strip(), value["text"].strip()
    if not title or not body:
        raise TeacherOutputInvalid("the guidance needs a title and a text")
    if len(WORD.findall(body)) < MIN_TEXT_WORDS:
        raise TeacherOutputInvalid(f"the guidance text has fewer than {MIN_TEXT_WORDS} words: {body[:60]!r}")
    if TEMPLATE_ECHO in f"{title} {body}".lower().rstrip("."):
        raise TeacherOutputInvalid("the guidance repeats the instructions' template instead of filling it")
    return TeacherProposal(
        failure_pattern=value["failure_pattern"],
        failed_step=failed_step,
        analysis=value["analysis"].strip(),
        title=title,
        text=body,
        fault_types=_distinct(value["fault_types"]),
        services=_distinct(value["services"]),
    )


def _distinct(names: Sequence[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(name.strip() for name in names if name.strip()))


def teacher_ask(backend: LLMBackend, case: FailureCase, *, seed: int | None = None) -> TeacherProposal:
    """Ask ``backend`` about ``case``: one request, and one repair when the backend does not enforce the
    schema. ``TeacherOutputInvalid`` when the answer stays invalid or the backend fails."""
    request = teacher_request(case, seed=seed)
    completion = _complete(backend, request)
    try:
        return teacher_parse(completion.text, case)
    except TeacherOutputInvalid as error:
        if backend.supports_json_schema:
            raise
        messages = (
            *request.messages,
            Message("assistant", completion.text),
            Message("user", REPAIR.format(error=error)),
        )
        repaired = _complete(backend, teacher_request(case, seed=seed, messages=messages))
        try:
            return teacher_parse(repaired.text, case)
        except TeacherOutputInvalid as again:
            raise TeacherOutputInvalid(f"{again} (after one repair; first answer: {error})") from None


def _complete(backend: LLMBackend, request: ChatRequest) -> Completion:
    try:
        completion = backend.complete(request)
    except LLMError as error:
        raise TeacherOutputInvalid(f"backend error: {error}") from None
    if completion.finish_reason == "length":
        raise TeacherOutputInvalid(f"the answer was cut off at {request.max_tokens} tokens")
    return completion


def validation_verdict(successes: Sequence[bool], *, planned: int) -> str:
    """What the re-runs with the guidance say: "salvaged" when one succeeded, "not_salvaged" when all the
    ``planned`` runs were done and failed, "not_run" when runs are missing and none succeeded yet."""
    if any(successes):
        return "salvaged"
    if planned > 0 and len(successes) >= planned:
        return "not_salvaged"
    return "not_run"


def proposal_json(proposal: TeacherProposal) -> str:
    """The proposal as the teacher's answer would spell it (for recordings and tests)."""
    return json.dumps(
        {
            "failure_pattern": proposal.failure_pattern,
            "failed_step": str(proposal.failed_step),
            "analysis": proposal.analysis,
            "title": proposal.title,
            "text": proposal.text,
            "fault_types": list(proposal.fault_types),
            "services": list(proposal.services),
        }
    )
