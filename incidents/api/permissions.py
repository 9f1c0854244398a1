"""The one DRF permission class for incident-scoped endpoints.

A viewset declares, per action, the object permission it needs (``required_object_perms``); an
action it does not declare is denied. Objects are found through the selectors, so anything a
user may not view is a 404, never a hint that it exists."""

from typing import Any

from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.views import APIView

from incidents.models import ActionRequest, Incident


def incident_of(obj: Any) -> Incident:
    if isinstance(obj, Incident):
        return obj
    if isinstance(obj, ActionRequest):
        return obj.incident
    raise TypeError(f"no incident for {type(obj).__name__}")


class IncidentObjectPermission(BasePermission):
    """Authenticated, the action declared, and the declared object permission held on the incident."""

    message = "You do not have permission to do this on this incident."

    def _required(self, view: APIView) -> str | None:
        declared: dict[str, str | None] = getattr(view, "required_object_perms", {})
        action = getattr(view, "action", None)
        if action not in declared:
            return ""  # undeclared: deny
        return declared[action]

    def has_permission(self, request: Request, view: APIView) -> bool:
        return bool(request.user and request.user.is_authenticated) and self._required(view) != ""

    def has_object_permission(self, request: Request, view: APIView, obj: Any) -> bool:
        perm = self._required(view)
        if perm is None:  # declared as "no object permission beyond visibility"
            return True
        return bool(perm) and request.user.has_perm(perm, incident_of(obj))
