"""The learning loop's records: GRPO training runs and their metrics, model versions and their
evaluations, Evolver runs and the guidance proposals people curate.

Long work (a training run, an evaluation, an Evolver run) is a row with a status and a progress count that
a Celery task on the ``training`` queue moves forward; the browser reads the row. A cancel request is a
flag the task reads between units of work, so a cancelled run always ends in a consistent state."""

import uuid
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q


class JobStatus(models.TextChoices):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"


ACTIVE_JOB_STATUSES = (JobStatus.QUEUED, JobStatus.RUNNING)
ENDED_JOB_STATUSES = (JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.CANCELLED)


class Job(models.Model):
    """What every long piece of learning-loop work has: who started it, its status, progress and timing."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    status = models.CharField(max_length=16, choices=JobStatus.choices, default=JobStatus.QUEUED, db_index=True)
    config = models.JSONField(default=dict, blank=True)
    progress_done = models.PositiveIntegerField(default=0)
    progress_total = models.PositiveIntegerField(default=0)
    progress_note = models.CharField(max_length=200, blank=True, default="")
    cancel_requested = models.BooleanField(default=False)
    error = models.TextField(blank=True, default="")
    task_id = models.CharField(max_length=64, blank=True, default="")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True
        ordering: ClassVar = ["-created_at"]

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_JOB_STATUSES

    @property
    def progress_percent(self) -> int:
        if not self.progress_total:
            return 100 if self.status == JobStatus.SUCCEEDED else 0
        return min(100, round(100 * self.progress_done / self.progress_total))


def _known_status(name: str) -> models.CheckConstraint:
    return models.CheckConstraint(condition=Q(status__in=JobStatus.values), name=name)


class ModelKind(models.TextChoices):
    BASE = "base", "base model"
    CHECKPOINT = "checkpoint", "full checkpoint"
    LORA = "lora", "LoRA adapter"


class ModelVersion(models.Model):
    """A model the Observer can run with: the base model, or what a training run produced.

    ``location`` is where the weights are (a local folder: a full checkpoint, or a LoRA adapter over
    ``base_model``; empty for the embedded base). ``serving`` is the backend configuration that runs it
    (``agents.llm.factory.backend_from_config``): a local transformers path by default, or a LoRA adapter's
    name on a vLLM server started with ``--enable-lora`` (the OpenAI backend). At most one version is
    ``active``: the Observer's; ``previous`` is the version that was active before it, which rollback
    returns to."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=100, unique=True)
    kind = models.CharField(max_length=16, choices=ModelKind.choices)
    base_model = models.CharField(max_length=200)
    location = models.CharField(max_length=500, blank=True, default="")
    serving = models.JSONField(default=dict, blank=True)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children", help_text="Trained from."
    )
    training_run = models.OneToOneField(
        "training.TrainingRun", null=True, blank=True, on_delete=models.PROTECT, related_name="model_version"
    )
    notes = models.TextField(blank=True, default="")
    active = models.BooleanField(default=False)
    activated_at = models.DateTimeField(null=True, blank=True)
    previous = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", help_text="Active before this."
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering: ClassVar = ["-created_at"]
        constraints: ClassVar = [
            models.CheckConstraint(condition=Q(kind__in=ModelKind.values), name="model_version_known_kind"),
            models.UniqueConstraint(fields=["active"], condition=Q(active=True), name="model_version_one_active"),
        ]
        permissions: ClassVar = [("activate_modelversion", "Can activate or roll back the Observer's model")]

    def __str__(self) -> str:
        return self.name


class TrainingRun(Job):
    """One GRPO run of the Observer's model: its settings (``config``), the model it started from, the
    dataset snapshot it read (rows written to ``dataset_path``, named by ``dataset_hash``), progress in
    optimizer steps, and where its output went. ``TrainingMetric`` rows hold what TRL logged."""

    base_version = models.ForeignKey(
        ModelVersion, null=True, blank=True, on_delete=models.PROTECT, related_name="training_runs"
    )
    base_model = models.CharField(max_length=200)
    dataset_hash = models.CharField(max_length=64, blank=True, default="")
    dataset_rows = models.PositiveIntegerField(default=0)
    dataset_summary = models.JSONField(default=dict, blank=True, help_text="Rows by task and by source.")
    dataset_path = models.CharField(max_length=500, blank=True, default="")
    output_dir = models.CharField(max_length=500, blank=True, default="")
    seconds_per_step = models.FloatField(null=True, blank=True)

    class Meta(Job.Meta):
        constraints: ClassVar = [_known_status("training_run_known_status")]
        permissions: ClassVar = [("start_trainingrun", "Can start and cancel GRPO training")]

    def __str__(self) -> str:
        return f"training run {self.pk} ({self.status})"


class TrainingMetric(models.Model):
    """What TRL logged at one logging step of a training run (its own metric names, floats only)."""

    run = models.ForeignKey(TrainingRun, on_delete=models.CASCADE, related_name="metrics")
    step = models.PositiveIntegerField()
    values = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering: ClassVar = ["run", "step", "pk"]
        indexes: ClassVar = [models.Index(fields=["run", "step"])]

    def __str__(self) -> str:
        return f"{self.run_id} step {self.step}"


class Evaluation(Job):
    """One benchmark of a model version on held-out (or other) problems: ``split`` names the problems
    (``test``, ``train``, ``all`` or a list of ids), ``runs`` is K. ``benchmark_label`` labels its stored
    trajectories; ``summary`` is ``agents.runtime.scoring.summarise`` over them (overall and by task)."""

    version = models.ForeignKey(ModelVersion, on_delete=models.PROTECT, related_name="evaluations")
    split = models.CharField(max_length=500)
    runs = models.PositiveIntegerField(default=1)
    seed = models.BigIntegerField(default=0)
    knowledge = models.BooleanField(default=True, help_text="Ran with the curated knowledge items.")
    benchmark_label = models.CharField(max_length=100, blank=True, default="", db_index=True)
    summary = models.JSONField(default=dict, blank=True)

    class Meta(Job.Meta):
        constraints: ClassVar = [_known_status("evaluation_known_status")]

    def __str__(self) -> str:
        return f"evaluation of {self.version_id} on {self.split} ({self.status})"


class EvolverRun(Job):
    """One pass of the Evolver: failed trajectories selected, a teacher's proposal for each, each proposal
    validated by re-running its problem with the guidance in long-term memory. ``summary`` holds the
    counts (selected, proposals, invalid teacher outputs, salvaged)."""

    summary = models.JSONField(default=dict, blank=True)

    class Meta(Job.Meta):
        constraints: ClassVar = [_known_status("evolver_run_known_status")]
        permissions: ClassVar = [("start_evolverrun", "Can start Evolver runs")]

    def __str__(self) -> str:
        return f"evolver run {self.pk} ({self.status})"


class FailurePattern(models.TextChoices):
    MISSING_EVIDENCE = "missing_evidence", "missing evidence"
    WRONG_INVESTIGATION_PATH = "wrong_investigation_path", "wrong investigation path"
    PREMATURE_ANSWER = "premature_answer", "premature answer"
    WRONG_ANSWER = "wrong_answer", "wrong conclusion from the evidence"
    WRONG_FIX = "wrong_fix", "wrong fix"
    MISSING_VERIFICATION = "missing_verification", "missing verification"
    OTHER = "other", "other"


class ProposalStatus(models.TextChoices):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


class ValidationStatus(models.TextChoices):
    NOT_RUN = "not_run", "not run"
    SALVAGED = "salvaged"
    NOT_SALVAGED = "not_salvaged", "not salvaged"
    ERROR = "error"


class GuidanceProposal(models.Model):
    """A teacher's reading of one failed trajectory: the failure pattern, the step where it went wrong,
    and one corrective guidance item tagged with fault types and services.

    The teacher's guidance (``title``, ``text``, ``fault_types``, ``services``) is never changed; a
    curator's edit goes into the ``edited_*`` fields and is what an approval publishes. Curation: a
    proposal may be assigned to somebody, is claimed by the curator working on it (nobody else may act on
    it while the claim holds), then approved (it becomes ``knowledge_item``) or rejected with a reason.
    Only approved proposals reach long-term memory or training data."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    evolver_run = models.ForeignKey(
        EvolverRun, null=True, blank=True, on_delete=models.PROTECT, related_name="proposals"
    )
    trajectory = models.ForeignKey(
        "trajectories.Trajectory", on_delete=models.PROTECT, related_name="guidance_proposals"
    )
    failure_pattern = models.CharField(max_length=32, choices=FailurePattern.choices)
    failed_step = models.PositiveIntegerField(help_text="Index of the step where the run went wrong.")
    analysis = models.TextField(help_text="The teacher's short account of what went wrong.")
    title = models.CharField(max_length=200)
    text = models.TextField()
    fault_types = models.JSONField(default=list, blank=True)
    services = models.JSONField(default=list, blank=True)
    teacher = models.CharField(max_length=200, help_text="Backend and model that wrote the proposal.")
    edited_title = models.CharField(max_length=200, blank=True, default="")
    edited_text = models.TextField(blank=True, default="")
    edited_fault_types = models.JSONField(null=True, blank=True)
    edited_services = models.JSONField(null=True, blank=True)
    edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    validation_status = models.CharField(
        max_length=16, choices=ValidationStatus.choices, default=ValidationStatus.NOT_RUN
    )
    validation_trajectories = models.ManyToManyField(
        "trajectories.Trajectory", blank=True, related_name="validated_proposals"
    )
    status = models.CharField(max_length=16, choices=ProposalStatus.choices, default=ProposalStatus.PENDING)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    claimed_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    reject_reason = models.TextField(blank=True, default="")
    knowledge_item = models.OneToOneField(
        "agents.KnowledgeItem", null=True, blank=True, on_delete=models.PROTECT, related_name="proposal"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering: ClassVar = ["-created_at"]
        indexes: ClassVar = [models.Index(fields=["status", "-created_at"])]
        constraints: ClassVar = [
            models.CheckConstraint(condition=Q(status__in=ProposalStatus.values), name="proposal_known_status"),
            models.CheckConstraint(
                condition=Q(failure_pattern__in=FailurePattern.values), name="proposal_known_failure_pattern"
            ),
            models.CheckConstraint(
                condition=Q(validation_status__in=ValidationStatus.values), name="proposal_known_validation_status"
            ),
            models.CheckConstraint(
                condition=~Q(status="approved") | Q(knowledge_item__isnull=False),
                name="proposal_approved_has_knowledge_item",
            ),
            models.CheckConstraint(
                condition=~Q(status="rejected") | ~Q(reject_reason=""), name="proposal_rejected_has_reason"
            ),
        ]
        permissions: ClassVar = [("curate_guidanceproposal", "Can curate Evolver guidance proposals")]

    def __str__(self) -> str:
        return f"proposal {self.pk}: {self.title} ({self.status})"

    @property
    def edited(self) -> bool:
        return bool(
            self.edited_title
            or self.edited_text
            or self.edited_fault_types is not None
            or self.edited_services is not None
        )

    @property
    def final(self) -> dict[str, object]:
        """What an approval publishes: the edit where there is one, the teacher's text elsewhere."""
        return {
            "title": self.edited_title or self.title,
            "text": self.edited_text or self.text,
            "fault_types": self.edited_fault_types if self.edited_fault_types is not None else self.fault_types,
            "services": self.edited_services if self.edited_services is not None else self.services,
        }
