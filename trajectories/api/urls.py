"""``/api/v1/trajectories/``: runs, their steps and their export (read-only)."""

from django.urls import URLPattern, path

from trajectories.api.views import TrajectoryViewSet

urlpatterns: list[URLPattern] = [
    path("", TrajectoryViewSet.as_view({"get": "list"}), name="trajectory-list"),
    path("<uuid:pk>/", TrajectoryViewSet.as_view({"get": "retrieve"}), name="trajectory-detail"),
    path("<uuid:pk>/steps/", TrajectoryViewSet.as_view({"get": "steps"}), name="trajectory-steps"),
    path("<uuid:pk>/export/", TrajectoryViewSet.as_view({"get": "export"}), name="trajectory-export"),
]
