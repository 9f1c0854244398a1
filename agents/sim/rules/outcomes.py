"""The verdicts the rules hand out: how a container behaves when it starts, how calls along one edge fare.

They are values, decided from the state at one moment and then kept (a run keeps its ``StartOutcome``), so
they live apart from the rules that compute them and every rule module can share them without a cycle.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class LogLine:
    """One line a container logs at start-up, ``offset`` seconds after it started."""

    offset: float
    level: str
    text: str
    source: str = ""


@dataclass(frozen=True)
class StartOutcome:
    """What a container does when it starts: serve, serve badly, or die after ``crash_after`` seconds."""

    ready: bool = True
    serving: bool = True
    crash_after: float | None = None
    exit_code: int = 0
    exit_reason: str = "Error"
    restart_immediately: bool = False
    acting_as: str | None = None
    problem: str | None = None
    detail: str = ""
    startup: tuple[LogLine, ...] = ()
    flags: frozenset[str] = field(default_factory=frozenset)


@dataclass(frozen=True)
class EdgeStatus:
    """How calls from one service to another fare right now."""

    ok: bool
    error_rate: float = 0.0
    extra_latency_ms: float = 0.0
    error: str = ""
    kind: str = ""


OK_EDGE = EdgeStatus(ok=True)
