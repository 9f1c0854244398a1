"""``/api/v1/audit/``: the audit log's list and export, for auditors."""

from django.urls import URLPattern, path

from trajectories.audit.api import AuditEventViewSet

urlpatterns: list[URLPattern] = [
    path("", AuditEventViewSet.as_view({"get": "list"}), name="audit-list"),
    path("export/", AuditEventViewSet.as_view({"get": "export"}), name="audit-export"),
]
