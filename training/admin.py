"""Django admin for the learning loop's records: read-only. Jobs move forward through their services and tasks,
model versions are activated and rolled back through theirs, and proposals are curated on the curation pages
(``/learning/proposals/``), whose services audit every step; the admin must offer no edit that bypasses them."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from training.models import Evaluation, EvolverRun, GuidanceProposal, ModelVersion, TrainingMetric, TrainingRun
from trajectories.admin import ReadOnlyAdmin

JOB_FIELDS = ("id", "status", "progress_done", "progress_total", "created_by", "created_at", "finished_at")


@admin.register(ModelVersion)
class ModelVersionAdmin(ReadOnlyAdmin):
    list_display = ("name", "kind", "base_model", "active", "parent", "created_at")
    list_filter = ("kind", "active")
    search_fields = ("name", "base_model", "location")
    list_select_related = ("parent",)


class TrainingMetricInline(admin.TabularInline):
    model = TrainingMetric
    extra = 0
    can_delete = False
    fields = ("step", "values", "created_at")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(TrainingRun)
class TrainingRunAdmin(ReadOnlyAdmin):
    list_display = (*JOB_FIELDS, "base_model", "dataset_rows")
    list_filter = ("status",)
    inlines = (TrainingMetricInline,)


@admin.register(TrainingMetric)
class TrainingMetricAdmin(ReadOnlyAdmin):
    list_display = ("run", "step", "created_at")
    list_select_related = ("run",)
    show_full_result_count = False


@admin.register(Evaluation)
class EvaluationAdmin(ReadOnlyAdmin):
    list_display = (*JOB_FIELDS, "version", "split", "runs", "knowledge")
    list_filter = ("status", "knowledge")
    list_select_related = ("version", "created_by")


@admin.register(EvolverRun)
class EvolverRunAdmin(ReadOnlyAdmin):
    list_display = JOB_FIELDS
    list_filter = ("status",)


@admin.register(GuidanceProposal)
class GuidanceProposalAdmin(ReadOnlyAdmin):
    """Proposals as stored; curating them happens on the curation pages."""

    list_display = (
        "title",
        "failure_pattern",
        "validation_status",
        "status",
        "assigned_to",
        "decided_by",
        "created_at",
    )
    list_filter = ("status", "failure_pattern", "validation_status")
    search_fields = ("title", "text", "edited_title", "edited_text", "analysis")
    list_select_related = ("assigned_to", "decided_by")
    raw_id_fields = ("trajectory", "evolver_run", "knowledge_item", "validation_trajectories")
