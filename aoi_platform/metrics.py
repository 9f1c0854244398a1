"""Prometheus metrics: request counts and latency (middleware) plus business gauges read from the
database at scrape time (open incidents, pending actions, approval latency)."""

import hmac
import time
from collections.abc import Callable, Iterator
from datetime import timedelta

from django.conf import settings
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

# auto_describe off: describing the business collector would query the database at import time.
REGISTRY = CollectorRegistry(auto_describe=False)
REQUESTS = Counter("aoi_http_requests", "HTTP requests served.", ["method", "route", "status"], registry=REGISTRY)
LATENCY = Histogram(
    "aoi_http_request_duration_seconds",
    "Time to serve a request.",
    ["method", "route"],
    registry=REGISTRY,
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)
APPROVAL_WINDOW_HOURS = 24


class RequestMetricsMiddleware:
    """Counts requests by route pattern (not raw path, so ids do not explode the label space)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        route = match.route if match is not None else "unmatched"
        LATENCY.labels(request.method, route).observe(time.perf_counter() - started)
        REQUESTS.labels(request.method, route, str(response.status_code)).inc()
        return response


class BusinessCollector(Collector):
    """Reads the gauges from the database on each scrape; correct with any number of processes."""

    def collect(self) -> Iterator[Metric]:
        from incidents.models import ActionRequest, ActionStatus, Incident, IncidentStatus

        incidents = GaugeMetricFamily("aoi_incidents", "Incidents by status (closed excluded).", labels=["status"])
        by_status = dict(
            Incident.objects.exclude(status=IncidentStatus.CLOSED).values_list("status").annotate(n=Count("pk"))
        )
        for value in IncidentStatus.values:
            if value != IncidentStatus.CLOSED:
                incidents.add_metric([value], by_status.get(value, 0))
        yield incidents
        yield GaugeMetricFamily(
            "aoi_actions_pending",
            "Actions waiting for approval.",
            value=ActionRequest.objects.filter(status=ActionStatus.PENDING).count(),
        )
        yield self._approval_latency()

    def _approval_latency(self) -> Metric:
        from incidents.models import Approval

        since = timezone.now() - timedelta(hours=APPROVAL_WINDOW_HOURS)
        waits = sorted(
            (created - requested).total_seconds()
            for created, requested in Approval.objects.filter(created_at__gte=since).values_list(
                "created_at", "action__created_at"
            )
        )
        family = GaugeMetricFamily(
            "aoi_approval_latency_seconds",
            f"Seconds from action request to each decision, over the last {APPROVAL_WINDOW_HOURS} h.",
            labels=["quantile"],
        )
        for q in (0.5, 0.9, 0.99):
            family.add_metric([str(q)], waits[min(len(waits) - 1, int(q * len(waits)))] if waits else 0.0)
        return family


REGISTRY.register(BusinessCollector())


def metrics_view(request: HttpRequest) -> HttpResponse:
    """Prometheus exposition. With ``AOI_METRICS_TOKEN`` set, a matching bearer token is required."""
    token = settings.AOI_METRICS_TOKEN
    if token:
        supplied = request.headers.get("Authorization", "").removeprefix("Bearer ")
        if not hmac.compare_digest(supplied.encode(), token.encode()):
            return HttpResponse("Unauthorized\n", status=401, content_type="text/plain")
    return HttpResponse(generate_latest(REGISTRY), content_type=CONTENT_TYPE_LATEST)
