"""Django admin for incidents, teams, alert integrations and the write gate.

Write-gate records are read-only here: approvals go through the API and the dashboard, where the
separation-of-duties checks run; the admin must not become a way around them."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from guardian.admin import GuardedModelAdmin

from incidents.models import ActionRequest, AlertIntegration, Approval, Incident, IncidentEvent, RejectedDelivery, Team


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "auto_diagnose", "created_at")
    search_fields = ("name", "slug")
    readonly_fields = ("viewers", "responders", "approvers")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # teams are created by ``team_create`` so their groups and audit entry exist


@admin.register(Incident)
class IncidentAdmin(GuardedModelAdmin):
    list_display = ("title", "severity", "status", "team", "application", "namespace", "created_at")
    list_filter = ("status", "severity", "team", "source")
    search_fields = ("title", "fingerprint", "application", "namespace")
    readonly_fields = [f.name for f in Incident._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # incidents are opened by alerts, the API or the simulator (services audit them)


@admin.register(IncidentEvent)
class IncidentEventAdmin(ReadOnlyAdmin):
    list_display = ("incident", "seq", "type", "created_at")
    list_filter = ("type",)


@admin.register(AlertIntegration)
class AlertIntegrationAdmin(admin.ModelAdmin):
    list_display = ("name", "team", "token_prefix", "is_active", "last_delivery_at")
    list_filter = ("is_active", "team")
    readonly_fields = ("team", "name", "token_prefix", "created_at", "last_delivery_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # created by ``create_alert_integration``, which shows the token once


@admin.register(RejectedDelivery)
class RejectedDeliveryAdmin(ReadOnlyAdmin):
    list_display = ("received_at", "status_code", "reason", "integration", "body_size", "remote_addr")
    list_filter = ("status_code",)


class ApprovalInline(admin.TabularInline):
    model = Approval
    extra = 0
    can_delete = False
    readonly_fields = ("user", "decision", "reason", "action_hash", "created_at")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ActionRequest)
class ActionRequestAdmin(ReadOnlyAdmin):
    list_display = ("uuid", "incident", "risk_class", "status", "requester_user", "requester_agent", "expires_at")
    list_filter = ("status", "risk_class")
    inlines = (ApprovalInline,)


@admin.register(Approval)
class ApprovalAdmin(ReadOnlyAdmin):
    list_display = ("action", "user", "decision", "action_hash", "created_at")
    list_filter = ("decision",)
