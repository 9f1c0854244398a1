"""Every model of the platform's apps is in the admin; write-gate and audit records are read-only."""

from typing import Any

import pytest
from django.apps import apps
from django.contrib import admin
from django.test import RequestFactory

PLATFORM_APPS = ("incidents", "trajectories", "agents", "training")
READ_ONLY = ("ActionRequest", "Approval", "IncidentEvent", "RejectedDelivery", "AuditEvent")


@pytest.mark.parametrize("model", [m for a in PLATFORM_APPS for m in apps.get_app_config(a).get_models()], ids=str)
def test_every_model_is_in_the_admin(model: Any) -> None:
    assert admin.site.is_registered(model)


@pytest.mark.parametrize("name", READ_ONLY)
def test_records_of_the_gate_and_the_audit_are_read_only_in_the_admin(superuser: Any, name: str) -> None:
    model = next(m for a in PLATFORM_APPS for m in apps.get_app_config(a).get_models() if m.__name__ == name)
    model_admin = admin.site._registry[model]
    request = RequestFactory().get("/admin/")
    request.user = superuser

    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request)
    assert not model_admin.has_delete_permission(request)
