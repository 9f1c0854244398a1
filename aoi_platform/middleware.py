"""Request middleware of the platform."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from trajectories.audit.services import Actor, acting_as


class AuditActorMiddleware:
    """Attribute changes audited by signal (permission changes made in the admin, say) to the
    signed-in person rather than to the platform."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return self.get_response(request)
        with acting_as(Actor.of_user(user)):
            return self.get_response(request)
