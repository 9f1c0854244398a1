"""The Observer's dual-timescale memory: this incident's evidence buffer, and knowledge from past ones.

Short-term: the Probes' evidence, in order; past its token budget it is compressed by a compressor call
into one summary (the facts kept, the wording shortened). Long-term: knowledge items (curated guidance,
past incident summaries) retrieved by similarity to the current evidence: TF-IDF cosine over word tokens,
which needs no model and no index to build.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

WORD = re.compile(r"[a-z0-9][a-z0-9_.-]{1,}")


def estimate_tokens(text: str) -> int:
    """A cheap token estimate (about four characters a token), used only for budgets."""
    return max(1, len(text) // 4)


@dataclass
class EvidenceBuffer:
    """This run's evidence, as text items; ``over_budget`` says when it needs compressing."""

    budget_tokens: int = 500
    items: list[str] = field(default_factory=list)
    compressions: int = 0

    def add(self, item: str) -> None:
        self.items.append(item)

    def text(self) -> str:
        return "\n".join(f"- {item}" for item in self.items) or "(none yet)"

    @property
    def over_budget(self) -> bool:
        return estimate_tokens(self.text()) > self.budget_tokens

    def replace_with_summary(self, summary: str) -> None:
        self.items = [f"(summary) {summary}"]
        self.compressions += 1

    def to_dict(self) -> dict[str, Any]:
        return {"budget_tokens": self.budget_tokens, "items": list(self.items), "compressions": self.compressions}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> EvidenceBuffer:
        return cls(
            budget_tokens=int(data["budget_tokens"]), items=list(data["items"]), compressions=int(data["compressions"])
        )


@dataclass(frozen=True)
class Knowledge:
    """A long-term memory item as the runtime sees it (the ``KnowledgeItem`` model, without Django)."""

    title: str
    text: str
    tags: tuple[str, ...] = ()


def _tokens(text: str) -> list[str]:
    return WORD.findall(text.lower())


def retrieve(items: Sequence[Knowledge], query: str, *, limit: int = 3) -> list[Knowledge]:
    """The ``limit`` items most similar to ``query`` (TF-IDF cosine); items sharing no word are left out."""
    documents = [_tokens(f"{item.title} {item.text} {' '.join(item.tags)}") for item in items]
    if not documents:
        return []
    frequency = Counter(word for document in documents for word in set(document))
    count = len(documents)

    def vector(words: list[str]) -> dict[str, float]:
        counts = Counter(words)
        return {word: n * math.log((1 + count) / (1 + frequency.get(word, 0))) + n for word, n in counts.items()}

    query_vector = vector(_tokens(query))
    scored = []
    for item, document in zip(items, documents, strict=True):
        item_vector = vector(document)
        dot = sum(weight * item_vector.get(word, 0.0) for word, weight in query_vector.items())
        if dot <= 0:
            continue
        norm = math.sqrt(sum(v * v for v in item_vector.values())) * math.sqrt(
            sum(v * v for v in query_vector.values())
        )
        scored.append((dot / norm, item.title, item))
    scored.sort(key=lambda entry: (-entry[0], entry[1]))
    return [item for _, _, item in scored[:limit]]
