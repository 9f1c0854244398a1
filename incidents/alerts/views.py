"""The Alertmanager webhook. Thin: authenticate, bound and parse the body, call one service.

A webhook, not a browser endpoint: no session, no CSRF; the caller is the integration whose bearer
token it presents (Alertmanager's ``http_config.authorization``). Every refusal answers a 4xx with
its reason and is kept as a ``RejectedDelivery``; it never touches an incident."""

from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from incidents.alerts.parsing import DeliveryRejected, alertmanager_payload_parse
from incidents.alerts.services import alertmanager_ingest, rejected_delivery_record
from incidents.models import AlertIntegration
from incidents.services.integrations import alert_integration_for_token

# Tokens in URLs end up in access logs and proxy histories; a query string carrying one is refused.
QUERY_TOKEN_PARAMS = ("token", "access_token", "api_key", "apikey")


@csrf_exempt
@require_POST
def alertmanager_webhook(request: HttpRequest) -> JsonResponse:
    """Accept one Alertmanager version-4 delivery for the integration named by the bearer token.
    Answers 200 with a summary (``created``, ``updated``, ``resolved``, ``reopened``, ``ignored``,
    ``incidents``), or 400/401/413/415/422 with ``detail`` and ``code``."""
    integration: AlertIntegration | None = None
    body: bytes | None = None
    try:
        integration = _authenticated_integration(request)
        _require_json(request)
        body = _body_within_limit(request)
        payload = alertmanager_payload_parse(body)
    except DeliveryRejected as rejection:
        return _refuse(request, rejection, integration=integration, body=body)
    result = alertmanager_ingest(integration=integration, payload=payload)
    return JsonResponse(result.as_dict())


def _authenticated_integration(request: HttpRequest) -> AlertIntegration:
    if any(name in request.GET for name in QUERY_TOKEN_PARAMS):
        raise _unauthorized("token in the query string refused; send it as Authorization: Bearer <token>")
    scheme, _, token = request.headers.get("Authorization", "").strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise _unauthorized("missing bearer token; send Authorization: Bearer <token>")
    integration = alert_integration_for_token(token.strip())
    if integration is None:
        raise _unauthorized("unknown or inactive token")
    return integration


def _unauthorized(reason: str) -> DeliveryRejected:
    return DeliveryRejected(reason, status_code=401, code="unauthorized")


def _require_json(request: HttpRequest) -> None:
    if request.content_type != "application/json":
        shown = request.META.get("CONTENT_TYPE") or "none"
        raise DeliveryRejected(
            f"Content-Type: must be application/json (got {shown[:100]})",
            status_code=415,
            code="unsupported_media_type",
        )
    charset = (request.content_params or {}).get("charset", "utf-8").lower()
    if charset not in ("utf-8", "utf8"):
        raise DeliveryRejected(
            f"Content-Type: charset must be utf-8 (got {charset[:40]})", status_code=415, code="unsupported_media_type"
        )


def _declared_length(request: HttpRequest) -> int | None:
    try:
        return int(request.META.get("CONTENT_LENGTH") or "")
    except ValueError:
        return None


def _body_within_limit(request: HttpRequest) -> bytes:
    """The raw body, refused past ``AOI_ALERT_MAX_BODY_BYTES``: on the declared length before
    reading anything, then on what actually arrives (read at most one byte past the limit)."""
    limit = settings.AOI_ALERT_MAX_BODY_BYTES
    declared = _declared_length(request)
    if declared is not None and declared > limit:
        raise DeliveryRejected(f"body: {declared} bytes, over the limit of {limit}", status_code=413, code="too_large")
    # Read from the stream, not ``request.body``: it caps nothing when no length is declared.
    body = request.read(limit + 1)
    if len(body) > limit:
        raise DeliveryRejected(
            f"body: over the limit of {limit} bytes", status_code=413, code="too_large", received=body
        )
    return body


def _refuse(
    request: HttpRequest, rejection: DeliveryRejected, *, integration: AlertIntegration | None, body: bytes | None
) -> JsonResponse:
    excerpt_limit = settings.AOI_REJECTED_DELIVERY_BODY_BYTES
    head = body if body is not None else rejection.received
    if head is None:
        # Refused on its headers alone: read no more than the excerpt we keep.
        head = request.read(excerpt_limit)
    declared = _declared_length(request)
    rejected_delivery_record(
        reason=rejection.reason,
        status_code=rejection.status_code,
        body_head=head[:excerpt_limit],
        body_size=declared if declared is not None else len(head),
        content_type=request.META.get("CONTENT_TYPE", ""),
        remote_addr=request.META.get("REMOTE_ADDR", ""),
        integration=integration,
    )
    response = JsonResponse({"detail": rejection.reason, "code": rejection.code}, status=rejection.status_code)
    if rejection.status_code == 401:
        response["WWW-Authenticate"] = 'Bearer realm="aoi-alertmanager"'
    return response
