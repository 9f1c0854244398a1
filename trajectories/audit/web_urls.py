"""The audit log page and its verify button, mounted at ``/audit/``."""

from django.urls import path

from trajectories.audit import web

urlpatterns = [
    path("", web.audit_page, name="audit-page"),
    path("verify/", web.audit_verify, name="audit-verify"),
]
