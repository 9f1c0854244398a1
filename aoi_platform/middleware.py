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


# No inline script or style, no plugin, no framing, forms and connections to this origin only (the live
# stream's WebSocket included). Model and log text on the pages can then never run as code, even if a
# template forgot to escape it.
CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)


class ContentSecurityPolicyMiddleware:
    """Sends the platform's strict Content-Security-Policy with every response that has none."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        return response
