"""Django admin for the audit log: read-only. Events are appended only by ``audit_append``; the
admin must not even offer an edit that the database triggers would then refuse."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from trajectories.models import AuditEvent


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
