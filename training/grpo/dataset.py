"""Training rows for GRPO from plain records of Observer decisions: no ORM, JSON in and out.

A record is one Observer decision step as the platform stores it: the prompt text that
``agents.roles.decide`` records (``[system]\\n...\\n\\n[user]\\n...``), the decision's JSON schema, and the
problem it was taken on (``problem_id`` and ``task``; the fault, application and target come from the
registry, or from the record itself for a problem outside it). A row is what TRL's ``GRPOTrainer`` reads:
``prompt`` as chat messages, plus the columns the rewards read (``training.grpo.rewards``):

- ``schema``: the decision's JSON schema, as canonical JSON text;
- ``task``: the task posed (detection, localization, analysis, mitigation, incident);
- ``truth``: the ground truth (problem, fault, application, target, accepted locations, system level,
  fault type, whether a detector would flag it, split), as canonical JSON text.

Why JSON text and not dicts: ``datasets`` stores a dict column as one Arrow struct whose fields are the
union over all rows, so two schemas of different shapes would come back with each other's keys set to None.
Records whose prompt is longer than ``max_prompt_chars`` are left out: the embedded model reads on CPU, and
a long prompt costs more than it teaches (MODEL-NOTES).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from typing import Any

from agents.roles.schema import Schema
from agents.sim.apps import app_spec
from agents.sim.faults import fault_get
from agents.sim.problems import SPLITS, Problem, problem_registry

# The Observer's prompts carry the findings list (about 2,000 characters, up to 3,300 seen on the train
# split); longer ones are left out of a dataset rather than cut.
MAX_PROMPT_CHARS = 3600
_ROLE_HEADER = re.compile(r"(?:^|\n\n)\[(system|user|assistant)\]\n")


def messages_from_prompt_text(text: str) -> list[dict[str, str]]:
    """The chat messages of a stored prompt text (``[role]\\ncontent`` blocks joined by blank lines)."""
    headers = list(_ROLE_HEADER.finditer(text))
    if not headers or headers[0].start() != 0:
        raise ValueError("a stored prompt starts with a [system] or [user] header")
    ends = [header.start() for header in headers[1:]] + [len(text)]
    return [
        {"role": header.group(1), "content": text[header.end() : end]}
        for header, end in zip(headers, ends, strict=True)
    ]


def canonical_json(value: Any) -> str:
    """One spelling per value: sorted keys, no spaces, UTF-8 kept."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def truth_of(*, problem_id: str, fault: str, app: str, target: str | None, split: str) -> dict[str, Any]:
    """The ground truth of a problem, from the fault library: what the rewards grade against."""
    spec, found = app_spec(app), fault_get(fault)
    return {
        "problem_id": problem_id,
        "fault": fault,
        "app": app,
        "target": target,
        "accepted": list(found.accepted_locations(spec, target)),
        "system_level": found.system_level,
        "fault_type": found.fault_type,
        "detected": found.detected,
        "split": split,
    }


def truth_of_problem(problem: Problem) -> dict[str, Any]:
    return truth_of(
        problem_id=problem.problem_id, fault=problem.fault, app=problem.app, target=problem.target, split=problem.split
    )


def _truth_of_record(record: Mapping[str, Any]) -> dict[str, Any]:
    problem = problem_registry().get(str(record["problem_id"]))
    if problem is not None:
        return truth_of_problem(problem)
    return truth_of(
        problem_id=str(record["problem_id"]),
        fault=str(record["fault"]),
        app=str(record["app"]),
        target=record.get("target"),
        split=str(record.get("split", "scenario")),
    )


def row_from_record(record: Mapping[str, Any]) -> dict[str, Any]:
    """One training row from one record (keys: ``prompt``, ``schema``, ``problem_id``, ``task``, and for a
    problem outside the registry ``fault``, ``app``, ``target``, optionally ``split``)."""
    schema: Schema = dict(record["schema"])
    return {
        "prompt": messages_from_prompt_text(str(record["prompt"])),
        "schema": canonical_json(schema),
        "task": str(record["task"]),
        "truth": canonical_json(_truth_of_record(record)),
    }


def rows_from_records(
    records: Iterable[Mapping[str, Any]], *, max_prompt_chars: int = MAX_PROMPT_CHARS
) -> list[dict[str, Any]]:
    """Training rows in the records' order; records with a prompt over ``max_prompt_chars`` are left out."""
    return [row_from_record(record) for record in records if len(str(record["prompt"])) <= max_prompt_chars]


def dataset_hash(rows: Iterable[Mapping[str, Any]]) -> str:
    """SHA-256 of the rows as canonical JSON: names the dataset snapshot a training run read."""
    digest = hashlib.sha256()
    for row in rows:
        digest.update(canonical_json(row).encode("utf-8"))
        digest.update(b"\n")
    return digest.hexdigest()


def split_of(row: Mapping[str, Any]) -> str:
    """The row's split: the registry's (problems.csv's ``split`` column), else "scenario"."""
    return str(json.loads(row["truth"]).get("split") or "scenario")


def rows_in_split(rows: Iterable[Mapping[str, Any]], split: str) -> list[dict[str, Any]]:
    """The rows of one split (train, test or scenario), in order. An unknown split is a ValueError."""
    if split not in SPLITS:
        raise ValueError(f"unknown split {split!r}; known: {', '.join(SPLITS)}")
    return [dict(row) for row in rows if split_of(row) == split]
