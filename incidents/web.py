"""Server-rendered pages: the signed-in user's incidents and one incident. The full dashboard
builds on these."""

from uuid import UUID

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from incidents.selectors import (
    action_list_for_user,
    action_pending_count_for_user,
    incident_events_since,
    incident_list_for_user,
)
from incidents.services.actions import APPROVE_PERMISSION


@login_required
def home(request: HttpRequest) -> HttpResponse:
    incidents = incident_list_for_user(user=request.user).select_related("team").order_by("-created_at")[:100]
    return render(
        request,
        "incidents/home.html",
        {
            "incidents": incidents,
            "pending_approvals": action_pending_count_for_user(user=request.user),
        },
    )


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
        },
    )
