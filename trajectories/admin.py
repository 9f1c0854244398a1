"""Django admin for the audit log and agent runs: read-only. Events are appended only by
``audit_append``, runs change only through their services and steps are append-only; the admin
must not even offer an edit that the services would audit or the database triggers refuse."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from trajectories.models import AuditEvent, Prompt, Step, Trajectory


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ("seq", "created_at", "actor_type", "actor_label", "verb", "object_type", "object_id")
    list_filter = ("actor_type", "object_type")
    search_fields = ("verb", "object_id", "actor_id", "actor_label")
    list_per_page = 100
    # Counting a large log on every page load is slow; the head seq already says how many there are.
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ReadOnlyAdmin(admin.ModelAdmin):
    """Shows records, offers no add, change or delete: runs change only through their services
    (which audit them), and steps and prompts are append-only in the database itself."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class StepInline(admin.TabularInline):
    model = Step
    extra = 0
    can_delete = False
    fields = ("index", "role", "phase", "tool_preview", "tokens_in", "tokens_out", "latency_ms", "error")
    readonly_fields = fields
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Trajectory)
class TrajectoryAdmin(ReadOnlyAdmin):
    list_display = (
        "id",
        "agent_kind",
        "problem_id",
        "incident",
        "model",
        "status",
        "success",
        "steps_count",
        "started_at",
    )
    list_filter = ("agent_kind", "status", "success", "backend")
    search_fields = ("problem_id", "model", "benchmark_run")
    date_hierarchy = "started_at"
    list_select_related = ("incident",)
    inlines = (StepInline,)


@admin.register(Step)
class StepAdmin(ReadOnlyAdmin):
    list_display = ("trajectory", "index", "role", "phase", "tokens_in", "tokens_out", "latency_ms", "created_at")
    list_filter = ("role", "phase")
    list_select_related = ("trajectory",)
    show_full_result_count = False


@admin.register(Prompt)
class PromptAdmin(ReadOnlyAdmin):
    list_display = ("sha256", "created_at")
    search_fields = ("sha256",)
    show_full_result_count = False
