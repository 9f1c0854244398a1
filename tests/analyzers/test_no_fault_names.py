"""The no-fault-name rule: the analyzers and the roles' prompts and evidence encode Kubernetes and telemetry
semantics, never the benchmark's answers. No problem id, fault name or problem target of the registry may
appear in them, not even in a docstring's example (a small model is shown the prompts; a reviewer is shown
the docstrings, and an example drawn from the benchmark invites code that special-cases it).

Words are taken from the registry itself, so a problem added to it is covered without editing this test.
A word matches a whole identifier only: hyphens and underscores join an identifier (``geo`` does not match
inside ``geometry``, ``mongodb-geo`` or ``geo_index``; ``mongodb-geo`` matches itself), anything else
separates (``cmd/geo/main.go`` names ``geo``).

Generic words: some targets are ordinary English or programming words (``user``, ``cart``, ``payment``...).
In code they are fair names (``user = prompts.X`` is the chat role of a prompt, not the benchmark's service),
so Python names in code are not checked for them; in strings, docstrings and comments, where a service name
would be written, they are checked like every other word.
"""

from __future__ import annotations

import io
import re
import tokenize
from pathlib import Path

import pytest

from agents.sim.faults import fault_names
from agents.sim.problems import problem_registry

ROOT = Path(__file__).resolve().parents[2]
CHECKED = sorted(
    [
        *(ROOT / "agents" / "analyzers").glob("*.py"),
        *(ROOT / "agents" / "roles" / f"{name}.py" for name in ("prompts", "evidence", "schema", "probe")),
        *(ROOT / "agents" / "roles" / f"{name}.py" for name in ("executor", "writes")),
        ROOT / "agents" / "runtime" / "aoi.py",
    ]
)
# Targets that are also ordinary words: exempt only as Python names in code (see the module docstring).
GENERIC = frozenset({"user", "ad", "cart", "checkout", "frontend", "payment", "profile", "recommendation"})
# Where prose and literals are: f-strings are one STRING token before Python 3.12, FSTRING_MIDDLE parts after.
TEXT_TOKENS = frozenset({tokenize.STRING, tokenize.COMMENT, getattr(tokenize, "FSTRING_MIDDLE", tokenize.STRING)})
IDENTIFIER = re.compile(r"[A-Za-z0-9_]+(?:-[A-Za-z0-9_]+)*")


def forbidden_words() -> dict[str, str]:
    """Every registry problem id, fault name and target, with what it is."""
    words: dict[str, str] = {}
    for problem in problem_registry().values():
        words.setdefault(problem.problem_id, "problem id")
        words.setdefault(problem.fault, "fault")
        if problem.target:
            words.setdefault(problem.target, "target")
    for name in fault_names():
        words.setdefault(name, "fault")
    return words


def violations(source: str, words: dict[str, str]) -> list[tuple[int, str, str]]:
    """(line, word, what it is) for each forbidden word in ``source`` (Python), in order."""
    found: list[tuple[int, str, str]] = []
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type == tokenize.NAME:
            checked = {word: kind for word, kind in words.items() if word not in GENERIC}
        elif token.type in TEXT_TOKENS:
            checked = words
        else:
            continue
        for offset, line in enumerate(token.string.splitlines()):
            for identifier in IDENTIFIER.findall(line):
                if identifier in checked:
                    found.append((token.start[0] + offset, identifier, checked[identifier]))
    return found


def test_the_words_come_from_the_registry_and_the_generic_ones_are_targets():
    words = forbidden_words()

    assert {"problem id", "fault", "target"} == set(words.values())
    assert {word for word, kind in words.items() if kind == "target"} >= GENERIC
    assert all((ROOT / path).is_file() for path in CHECKED)


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ('"""Reads ``geometry`` and mongodb-geo-ish things."""\n', []),
        ('x = "rpc error calling geo"\n', [(1, "geo", "target")]),
        ("# cmd/geo/main.go\n", [(1, "geo", "target")]),
        ("user = prompts.X\n", []),
        ('label = "user"\n', [(1, "user", "target")]),
        ("geo = 1\n", [(1, "geo", "target")]),
        ('"""Line one\nnames mongodb-geo."""\n', [(2, "mongodb-geo", "target")]),
        ('x = f"{y} k8s_target_port-misconfig"\n', [(1, "k8s_target_port-misconfig", "fault")]),
    ],
)
def test_the_rule_matches_whole_identifiers(source, expected):
    assert violations(source, forbidden_words()) == expected


@pytest.mark.parametrize("path", CHECKED, ids=lambda path: str(path.relative_to(ROOT)))
def test_no_fault_problem_or_target_name_in_the_source(path):
    found = violations(path.read_text(encoding="utf-8"), forbidden_words())

    where = [f"{path.relative_to(ROOT)}:{line}: {word} ({kind})" for line, word, kind in found]
    assert where == [], "benchmark names in the source:\n" + "\n".join(where)
