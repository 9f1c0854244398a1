"""The Observer's view of the evidence: a compact, ranked list of findings and the questions it may ask.

Findings are kept in the run's state as dictionaries (``Finding.to_dict``); this module turns them into
what the prompts show (the strongest findings first, one line each, services the evidence points at
first) and into the questions the Observer can send a Probe with: each a question about a finding.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from agents.analyzers.findings import Finding, significant
from agents.analyzers.ranking import finding_weight, service_scores

MAX_LINES = 8
LINE_CHARS = 170


def findings_of(data: Iterable[Mapping[str, Any]]) -> list[Finding]:
    return [Finding.from_dict(item) for item in data]


def ranked_findings(findings: Sequence[Finding]) -> list[Finding]:
    """Significant findings, those of the services the evidence points at most first, then by weight
    (cause-like kinds before symptoms)."""
    scores = service_scores(findings)
    chosen = significant(findings)
    position = {id(finding): index for index, finding in enumerate(chosen)}
    return sorted(
        chosen,
        key=lambda f: (-scores.get(f.service, 0.0), -finding_weight(f), f.signal == "callers_fail", position[id(f)]),
    )


def findings_text(findings: Sequence[Finding], *, limit: int = MAX_LINES, fallback: str = "") -> str:
    """The findings as numbered lines for a prompt; ``fallback`` (raw output) when nothing stood out."""
    ranked = ranked_findings(findings)
    if not ranked:
        return "No anomaly found by the analyzers." + (f" Raw read:\n{fallback}" if fallback else "")
    lines = [f"{index}. {_clip(finding.line())}" for index, finding in enumerate(ranked[:limit], start=1)]
    if len(ranked) > limit:
        lines.append(f"(+{len(ranked) - limit} more findings)")
    return "\n".join(lines)


def _clip(text: str) -> str:
    return text if len(text) <= LINE_CHARS else text[: LINE_CHARS - 3] + "..."


@dataclass(frozen=True)
class Question:
    """A question the Observer may send Probes with, and the services they look at (one Probe each)."""

    text: str
    focus: tuple[str, ...]


def questions_for(findings: Sequence[Finding], services: Sequence[str], *, asked: Sequence[str] = ()) -> list[Question]:
    """Questions about the services the evidence points at, strongest first, those already asked left out.
    The first may look at the top two services at once (two Probes in parallel) when both stand out."""
    scores = service_scores(findings)
    suspects = [s for s in sorted(services, key=lambda s: -scores.get(s, 0.0)) if scores.get(s, 0.0) > 0][:4]
    if not suspects:
        suspects = list(services[:2])
    by_service: dict[str, list[str]] = {}
    for finding in ranked_findings(findings):
        by_service.setdefault(finding.service, [])
        phrase = finding.signal.replace("_", " ")
        if phrase not in by_service[finding.service]:
            by_service[finding.service].append(phrase)
    questions = [
        Question(f"What explains the {' and '.join(by_service.get(s, ['state'])[:2])} of {s}?", (s,)) for s in suspects
    ]
    if len(suspects) > 1 and scores.get(suspects[1], 0.0) >= scores.get(suspects[0], 0.0) / 2:
        pair = (suspects[0], suspects[1])
        questions.insert(0, Question(f"Is {pair[0]} or {pair[1]} the cause of what the others see?", pair))
    return [question for question in questions if question.text not in asked]
