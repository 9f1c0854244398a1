"""Server-rendered pages: the signed-in user's incidents (filtered, searched, paginated, live) and one
incident (live reasoning, pending actions)."""

from datetime import UTC, datetime, time, timedelta
from typing import Any
from uuid import UUID

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.dateparse import parse_date

from agents.analyzers.findings import SEVERITY_NAMES
from agents.roles.evidence import findings_of, ranked_findings
from incidents.models import Incident, IncidentStatus, Severity, SystemLevel, Team
from incidents.selectors import (
    action_list_for_user,
    action_pending_count_for_user,
    incident_events_since,
    incident_list_for_user,
)
from incidents.services.actions import APPROVE_PERMISSION

PAGE_SIZE = 50
# The list's filters: query parameter -> incident field (exact match on a value the form offers).
EXACT_FILTERS = {"status": "status", "severity": "severity", "team": "team__slug", "application": "application"}


def _day(value: str, *, end: bool) -> datetime | None:
    """A ``YYYY-MM-DD`` date as the start of that day (UTC), or of the next one for an end bound."""
    day = parse_date(value) if value else None
    if day is None:
        return None
    moment = datetime.combine(day, time.min, tzinfo=UTC)
    return moment + timedelta(days=1) if end else moment


def incidents_filtered(incidents: QuerySet[Incident], params: Any) -> QuerySet[Incident]:
    """``incidents`` narrowed by the list's filters: status, severity, team, application, an opening-date
    range (``from``, ``to``, inclusive days) and ``q``, words searched in title, description and namespace."""
    for param, field in EXACT_FILTERS.items():
        if params.get(param):
            incidents = incidents.filter(**{field: params[param]})
    opened_from, opened_to = _day(params.get("from", ""), end=False), _day(params.get("to", ""), end=True)
    if opened_from is not None:
        incidents = incidents.filter(created_at__gte=opened_from)
    if opened_to is not None:
        incidents = incidents.filter(created_at__lt=opened_to)
    for word in params.get("q", "").split()[:8]:
        incidents = incidents.filter(
            Q(title__icontains=word) | Q(description__icontains=word) | Q(namespace__icontains=word)
        )
    return incidents


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The incidents the user may view, newest first, 50 a page. ``?rows=1`` answers only the table's
    rows and pager: the page's script fetches it to follow new incidents and status changes live."""
    visible = incident_list_for_user(user=request.user)
    incidents = incidents_filtered(visible, request.GET).select_related("team").order_by("-created_at", "-pk")
    page = Paginator(incidents, PAGE_SIZE).get_page(request.GET.get("page"))
    kept = request.GET.copy()
    kept.pop("page", None)
    kept.pop("rows", None)
    context = {
        "page": page,
        "incidents": page.object_list,
        "filters": request.GET,
        "query_string": kept.urlencode(),
        "statuses": IncidentStatus.choices,
        "severities": Severity.choices,
        "teams": Team.objects.filter(incidents__in=visible).distinct().order_by("name"),
        "pending_approvals": action_pending_count_for_user(user=request.user),
    }
    template = "incidents/_rows.html" if request.GET.get("rows") else "incidents/home.html"
    return render(request, template, context)


FINDINGS_SHOWN = 12


def _latest_run(incident: Incident) -> dict[str, Any]:
    """The incident's latest agent run as the page shows it: the findings its Probes extracted (the raw
    reads are in its trajectory, one click away), the Probes' reports the Observer holds, and the graded
    result once it finished."""
    latest = incident.agent_runs.select_related("trajectory").order_by("-created_at").first()
    if latest is None:
        return {"evidence": [], "findings": [], "run": None}
    state = latest.state or {}
    findings = ranked_findings(findings_of(state.get("findings") or []))
    outcome = latest.trajectory.outcome or {}
    return {
        "evidence": [str(item) for item in state.get("evidence", {}).get("items", [])],
        "findings": [
            {"service": f.service, "line": f.line(), "severity": SEVERITY_NAMES.get(f.severity, "notice")}
            for f in findings[:FINDINGS_SHOWN]
        ],
        "findings_more": max(0, len(findings) - FINDINGS_SHOWN),
        "run": {
            "trajectory": latest.trajectory_id,
            "status": latest.trajectory.status,
            "outcome": outcome.get("outcome", ""),
            "graded": outcome.get("graded"),
            "graded_by": outcome.get("graded_by", ""),
            "truth": outcome.get("simulated_truth") or {},
        },
    }


@login_required
def incident_detail(request: HttpRequest, uuid: UUID) -> HttpResponse:
    incident = incident_list_for_user(user=request.user).select_related("team").filter(uuid=uuid).first()
    if incident is None:
        raise Http404("No such incident.")
    events = list(incident_events_since(incident=incident, since=0))
    return render(
        request,
        "incidents/detail.html",
        {
            "incident": incident,
            "actions": action_list_for_user(user=request.user).filter(incident=incident),
            "events": events,
            # The page's live stream goes on from the last event rendered here.
            "last_seq": events[-1].seq if events else 0,
            "can_approve": request.user.has_perm(APPROVE_PERMISSION, incident),
            "can_change": request.user.has_perm("incidents.change_incident", incident),
            "system_levels": SystemLevel.choices,
            **_latest_run(incident),
        },
    )
