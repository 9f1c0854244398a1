"""The Evolver's pure core: a failed run read by a teacher model, turned into one corrective guidance item.

No Django here: the service (``training.services.evolver``) builds a :class:`FailureCase` from a stored
trajectory and its ground truth, ``teacher_ask`` asks the teacher for a structured reading of it (failure
pattern, the step where the run went wrong, a short analysis, a guidance item tagged with fault types and
services), and ``validation_verdict`` reads the re-runs made with the guidance in long-term memory.
"""

from training.evolver.cases import (
    CaseUnreadable,
    FailureCase,
    StepView,
    incident_case,
    problem_case,
    problem_rebuilt,
    steps_text,
)
from training.evolver.teacher import (
    FAILURE_PATTERNS,
    TeacherOutputInvalid,
    TeacherProposal,
    teacher_ask,
    teacher_messages,
    teacher_parse,
    teacher_request,
    teacher_schema,
    validation_verdict,
)

__all__ = [
    "FAILURE_PATTERNS",
    "CaseUnreadable",
    "FailureCase",
    "StepView",
    "TeacherOutputInvalid",
    "TeacherProposal",
    "incident_case",
    "problem_case",
    "problem_rebuilt",
    "steps_text",
    "teacher_ask",
    "teacher_messages",
    "teacher_parse",
    "teacher_request",
    "teacher_schema",
    "validation_verdict",
]
