"""Reward functions for GRPO on the Observer's decisions, in TRL's reward-function signature.

TRL calls each function with ``completions`` (conversational: ``[[{"role": "assistant", "content": ...}]]``),
``prompts``, and every extra column of the dataset as a keyword list, one item per completion; each
returns one float per completion. The columns used here are ``schema`` (the decision's JSON schema) and
``truth`` (the problem's ground truth), both as JSON text or as dicts (``training.grpo.dataset``).

Rewards, in the order a model can reach them (a reward that is always 0 gives no gradient):

``format_reward`` (0, 0.5 or 1)
    1.0 when the completion holds a JSON object that the platform would accept for this decision
    (``agents.roles.schema.parse_decision`` against the row's schema: types, enumerations, required and
    extra keys, lengths); 0.5 for a JSON object that parses but breaks the schema; 0.0 otherwise. The
    half step is reachable by an untrained model and points it at the exact shape.

``answer_reward`` (0 to 1)
    Correctness of a valid decision against the ground truth, graded by the simulator's own graders
    (``agents.sim.grading``) so that training and the benchmark agree. An invalid decision scores 0
    (``format_reward`` already says why). By the decision's shape:

    - detection answer: 1.0 when "Yes"/"No" matches, else 0.0 (``grade_detection``).
    - localization answer (``service``, one name; or ``services``, a list, as earlier runs stored it):
      AIOpsLab's localization accuracy over 100, from ``grade_localization``: 1.0 for the right service,
      1/n when the right one is among n named, 0.0 when none is right.
    - analysis answer: 0.5 for the right system level plus 0.5 for the right fault type
      (``grade_analysis``'s two checks).
    - incident or mitigation diagnosis (``component``, ``system_level``, ``fault_type``): a third each for
      the component (a localization of one), the system level and the fault type. Whether a fix follows is
      the runtime's rule now (an anomaly found); a decision of the earlier shape with ``fix_needed`` scores
      a quarter each, the fourth for ``fix_needed`` ("yes" exactly when a detector would flag the fault).
    - mitigation plan (``target``, and ``goal`` in the earlier shape): 1.0 when the target is an accepted
      location, else 0.0.
    - Observer next move (``next``, ``question``): shaping, at most ``NEXT_MOVE_WEIGHT`` (0.2): 0.2 times
      the localization accuracy of the services a "probe" sends Probes at, i.e. probing the faulty service.
      The runtime's questions name their services (one for a single Probe, two for a pair), so these are the
      application's services the chosen question names; a decision of the earlier shape names them in
      ``focus``. Kept small so that it never outweighs a correct answer, and it says nothing about
      probe-versus-answer, which the ground truth cannot judge from one step.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

from agents.roles.schema import DecisionError, Schema, parse_decision, submission_of
from agents.sim.apps import AppSpec, app_spec
from agents.sim.faults import Fault, fault_get
from agents.sim.grading import grade_analysis, grade_detection, grade_localization

FORMAT_VALID = 1.0
FORMAT_JSON_ONLY = 0.5
FORMAT_OPENS = 0.1  # text that opens a JSON object, not yet one
FORMAT_KEYS = 0.2  # times the share of the required keys named
NEXT_MOVE_WEIGHT = 0.2
ANSWER_TASKS = ("detection", "localization", "analysis", "incident", "mitigation")


def prefill_of(prompt: Any) -> str:
    """What the completion continues: the content of a final assistant message of a conversational prompt
    (the trainer's prefill, e.g. "{"), else nothing."""
    if isinstance(prompt, Sequence) and not isinstance(prompt, str) and prompt:
        last = prompt[-1]
        if isinstance(last, Mapping) and last.get("role") == "assistant":
            return str(last.get("content") or "")
    return ""


def decision_texts(completions: list[Any], prompts: list[Any] | None) -> list[str]:
    """Each completion's whole decision text: its prompt's prefill followed by what the model wrote."""
    prefills = [prefill_of(prompt) for prompt in prompts] if prompts is not None else [""] * len(completions)
    return [prefill + completion_text(c) for prefill, c in zip(prefills, completions, strict=True)]


def completion_text(completion: Any) -> str:
    """The text of one completion: conversational (the last message's content) or plain text."""
    if isinstance(completion, str):
        return completion
    if isinstance(completion, Sequence) and completion:
        last = completion[-1]
        if isinstance(last, Mapping):
            return str(last.get("content") or "")
    return ""


def as_mapping(value: Any) -> dict[str, Any]:
    """A dataset cell holding JSON (text or an already decoded dict) as a dict; {} for anything else."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            return {}
    return dict(value) if isinstance(value, Mapping) else {}


def _json_object(text: str) -> bool:
    start, end = text.find("{"), text.rfind("}")
    if start < 0 or end < start:
        return False
    try:
        return isinstance(json.loads(text[start : end + 1]), dict)
    except json.JSONDecodeError:
        return False


def _shape_score(text: str, schema: Schema) -> float:
    """Partial credit for text that is not a JSON object yet: ``FORMAT_OPENS`` when it opens one, and up to
    ``FORMAT_KEYS`` for the share of the schema's required keys it names in quotes. A model that writes prose
    (all a small model does at first, unconstrained) gets 0 in every completion of a group, so no gradient;
    this gives the groups a spread to learn from, always below a real JSON object's 0.5."""
    body = text.strip().strip("`").removeprefix("json").lstrip()
    required = [str(key) for key in schema.get("required") or list(schema.get("properties") or {})]
    named = sum(f'"{key}"' in body for key in required) / len(required) if required else 0.0
    return round(FORMAT_OPENS * body.startswith("{") + FORMAT_KEYS * named, 4)


def format_score(text: str, schema: Schema) -> float:
    """``format_reward`` for one completion text."""
    try:
        parse_decision(text, schema)
    except DecisionError:
        if _json_object(text.strip().strip("`").removeprefix("json")):
            return FORMAT_JSON_ONLY
        return _shape_score(text, schema)
    return FORMAT_VALID


def format_reward(completions: list[Any], schema: list[Any], prompts: list[Any] | None = None, **_: Any) -> list[float]:
    """1.0 for a decision valid against the row's schema, 0.5 for a JSON object that is not, else up to 0.3:
    0.1 for opening a JSON object and 0.2 times the share of the required keys named (``_shape_score``)."""
    texts = decision_texts(completions, prompts)
    return [format_score(text, as_mapping(s)) for text, s in zip(texts, schema, strict=True)]


@functools.cache
def _fault(name: str) -> Fault:
    return fault_get(name)


@functools.cache
def _app(name: str) -> AppSpec:
    return app_spec(name)


def _localization(truth: Mapping[str, Any], names: Any) -> float:
    fault, app = _fault(truth["fault"]), _app(truth["app"])
    _, details = grade_localization(fault, app, truth.get("target"), names)
    return float(details["localization_accuracy"]) / 100.0


def _analysis(truth: Mapping[str, Any], decision: Mapping[str, Any]) -> float:
    _, details = grade_analysis(_fault(truth["fault"]), decision)
    return 0.5 * float(details["system_level_correct"]) + 0.5 * float(details["fault_type_correct"])


def _incident(truth: Mapping[str, Any], decision: Mapping[str, Any]) -> float:
    fault = _fault(truth["fault"])
    component = 1.0 if _localization(truth, [decision["component"]]) == 1.0 else 0.0
    if "fix_needed" not in decision:  # the diagnosis alone: whether a fix follows is the runtime's rule now
        return component / 3 + 2 * _analysis(truth, decision) / 3
    fix_right = (decision["fix_needed"] == "yes") == fault.detected
    return 0.25 * component + 0.5 * _analysis(truth, decision) + 0.25 * float(fix_right)


def _answer(task: str, truth: Mapping[str, Any], decision: Mapping[str, Any]) -> float:
    if task == "detection":
        return float(grade_detection(_fault(truth["fault"]), submission_of(task, decision))[0])
    if task == "localization":
        return _localization(truth, submission_of(task, decision))
    if task == "analysis":
        return _analysis(truth, decision)
    return _incident(truth, decision)


def _focus(decision: Mapping[str, Any], truth: Mapping[str, Any]) -> list[str]:
    """The services a next move sends Probes at: its ``focus`` (the earlier shape), else the application's
    services its chosen question names (the runtime's questions name the services they look at, one Probe
    each); none when it answers."""
    if "focus" in decision:
        return list(decision["focus"])
    if decision.get("next") != "probe":
        return []
    question = str(decision.get("question", ""))
    return [service for service in _app(truth["app"]).services if _names(question, service)]


def _names(text: str, service: str) -> bool:
    """Whether ``text`` names ``service`` as a whole name (user-service is not named by user-service-v2)."""
    return re.search(rf"(?<![\w-]){re.escape(service)}(?![\w-])", text) is not None


def answer_score(text: str, schema: Schema, task: str, truth: Mapping[str, Any]) -> float:
    """``answer_reward`` for one completion text."""
    try:
        decision = parse_decision(text, schema)
    except DecisionError:
        return 0.0
    if "next" in decision:
        return NEXT_MOVE_WEIGHT * _localization(truth, _focus(decision, truth))
    if "target" in decision and set(decision) <= {"target", "goal"}:
        return _localization(truth, [decision["target"]])
    if task in ANSWER_TASKS:
        return _answer(task, truth, decision)
    return 0.0


def answer_reward(
    completions: list[Any],
    schema: list[Any],
    task: list[str],
    truth: list[Any],
    prompts: list[Any] | None = None,
    **_: Any,
) -> list[float]:
    """Correctness of each valid decision against the row's ground truth (0 to 1, partial credit)."""
    texts = decision_texts(completions, prompts)
    return [
        answer_score(text, as_mapping(s), t, as_mapping(g))
        for text, s, t, g in zip(texts, schema, task, truth, strict=True)
    ]


REWARD_FUNCTIONS = (format_reward, answer_reward)
