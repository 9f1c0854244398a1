"""Recording fake programs for the shell tests: they answer canned text and remember every argv."""

from collections.abc import Sequence
from dataclasses import dataclass, field

from agents.cli.shell import ProgramResult


@dataclass
class Recorder:
    """A program that records each call and answers with ``result``."""

    result: ProgramResult = field(default_factory=lambda: ProgramResult("ok\n"))
    calls: list[tuple[tuple[str, ...], str]] = field(default_factory=list)

    def __call__(self, argv: Sequence[str], stdin: str) -> ProgramResult:
        self.calls.append((tuple(argv), stdin))
        return self.result

    @property
    def argvs(self) -> list[tuple[str, ...]]:
        return [argv for argv, _ in self.calls]
