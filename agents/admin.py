"""Django admin for the agents' stored state. Hosted runs are read-only. Knowledge items are created by their
service (audited); here curators read them and retire or restore them, through the same audited service."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from agents.knowledge.services import knowledge_item_set_active
from agents.models import AgentRun, KnowledgeItem
from trajectories.admin import ReadOnlyAdmin
from trajectories.audit.services import Actor


@admin.register(KnowledgeItem)
class KnowledgeItemAdmin(admin.ModelAdmin):
    list_display = ("title", "kind", "active", "source", "created_by", "created_at")
    list_filter = ("kind", "active")
    search_fields = ("title", "text", "source")
    readonly_fields = ("id", "kind", "title", "text", "fault_types", "services", "source", "created_by", "created_at")
    fields = ("active", *readonly_fields)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # created by ``knowledge_item_create``, which audits it

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # retired (``active`` cleared), never deleted: past runs stay explainable

    def save_model(self, request: HttpRequest, obj: KnowledgeItem, form: Any, change: bool) -> None:
        knowledge_item_set_active(item=obj, active=obj.active, actor=Actor.of_user(request.user))


@admin.register(AgentRun)
class AgentRunAdmin(ReadOnlyAdmin):
    """Hosted runs, as the workers left them; they change only through ``agents.hosting``."""

    list_display = ("id", "incident", "status", "queue", "deliveries", "version", "created_at", "finished_at")
    list_filter = ("status", "queue")
    search_fields = ("id", "incident__title", "trajectory__id")
    raw_id_fields = ("trajectory", "incident", "awaiting_action")
