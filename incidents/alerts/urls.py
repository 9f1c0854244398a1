"""Alert ingestion endpoints, mounted under ``/api/v1/alerts/``."""

from django.urls import URLPattern, path

from incidents.alerts.views import alertmanager_webhook

urlpatterns: list[URLPattern] = [
    path("alertmanager/", alertmanager_webhook, name="alertmanager-webhook"),
]
