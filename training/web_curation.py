"""Server-rendered pages of the curation queue, mounted at ``/learning/``: the queue
(``proposals/``), one proposal (``proposals/<id>/``), and one POST form per curation action, each calling
one service of ``training.services.curation``.

Reading needs the view or the curation permission (``training.roles``), acting the curation permission;
the buttons are shown to curators only and every action view checks again (403). A refusal the service
explains (another curator's claim, a decided proposal, a blank reason, an invalid edit) re-renders the
proposal with the message and with what the person typed, so nothing is lost."""

from collections.abc import Callable
from typing import Any
from uuid import UUID

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import URLPattern, path, reverse
from django.views.decorators.http import require_POST, require_safe

from aoi_platform.errors import Conflict, DomainError, Forbidden
from training.models import FailurePattern, GuidanceProposal, ProposalStatus
from training.roles import user_may_curate, user_may_read_proposals
from training.selectors_curation import (
    curator_list,
    proposal_claim_expires_at,
    proposal_claim_holder,
    proposal_context,
    proposal_get,
    proposal_queue,
)
from training.services.curation import (
    proposal_approve,
    proposal_assign,
    proposal_claim,
    proposal_reject,
    proposal_release,
)
from trajectories.selectors import trajectory_is_visible
from trajectories.web import STEPS_PER_PAGE

PROPOSALS_PER_PAGE = 50
ANY = ("", "any")


class QueueFilterForm(forms.Form):
    """The queue's filters; an empty field filters nothing."""

    status = forms.ChoiceField(required=False, choices=[ANY, *ProposalStatus.choices])
    failure_pattern = forms.ChoiceField(required=False, choices=[ANY, *FailurePattern.choices])
    mine = forms.BooleanField(required=False, label="Assigned to me")


def _names(raw: str) -> list[str]:
    """Names typed one per line or separated by commas."""
    return [name.strip() for name in raw.replace("\n", ",").split(",") if name.strip()]


class EditForm(forms.Form):
    """The guidance as the curator will publish it, prefilled with the current final guidance. Blank texts
    and invalid lists are the service's to refuse, so the page and the API explain them alike."""

    title = forms.CharField(required=False, strip=False, widget=forms.TextInput(attrs={"maxlength": 200}))
    text = forms.CharField(required=False, strip=False, widget=forms.Textarea(attrs={"rows": 8}))
    fault_types = forms.CharField(required=False, help_text="Comma-separated.")
    services = forms.CharField(required=False, help_text="Comma-separated.")

    def edit(self) -> dict[str, object]:
        data = self.cleaned_data
        return {
            "title": data["title"],
            "text": data["text"],
            "fault_types": _names(data["fault_types"]),
            "services": _names(data["services"]),
        }


class RejectForm(forms.Form):
    reason = forms.CharField(required=False, strip=False, widget=forms.Textarea(attrs={"rows": 3}))


def _person(request: HttpRequest) -> User:
    if not isinstance(request.user, User):
        raise PermissionDenied("Sign in first.")
    return request.user


def _readable(request: HttpRequest, proposal_id: UUID) -> GuidanceProposal:
    if not user_may_read_proposals(user=request.user):
        raise PermissionDenied("Only curators may read guidance proposals.")
    proposal = proposal_get(proposal_id=proposal_id)
    if proposal is None:
        raise Http404("No such proposal.")
    return proposal


@login_required
@require_safe
def proposal_list_page(request: HttpRequest) -> HttpResponse:
    """The queue: pending proposals first, newest first, 50 a page, narrowed by the filters."""
    if not user_may_read_proposals(user=request.user):
        raise PermissionDenied("Only curators may read guidance proposals.")
    form = QueueFilterForm(request.GET)
    if form.is_valid():
        data = form.cleaned_data
        proposals = proposal_queue(
            status=data["status"] or None,
            failure_pattern=data["failure_pattern"] or None,
            assigned_to=_person(request) if data["mine"] else None,
        )
    else:
        proposals = GuidanceProposal.objects.none()
    page = Paginator(proposals, PROPOSALS_PER_PAGE).get_page(request.GET.get("page"))
    rows = [(proposal, proposal_claim_holder(proposal=proposal)) for proposal in page.object_list]
    context = {"form": form, "page": page, "rows": rows, "statuses": ProposalStatus.choices}
    return render(request, "training/proposal_list.html", context, status=200 if form.is_valid() else 400)


def _step_href(proposal: GuidanceProposal) -> str:
    """The source run's page at the step the teacher names (steps are numbered from 1, 100 a page)."""
    base = reverse("trajectory-detail-page", args=[proposal.trajectory_id])
    if proposal.failed_step < 1:
        return base
    return f"{base}?page={(proposal.failed_step - 1) // STEPS_PER_PAGE + 1}#step-{proposal.failed_step}"


def _joined(names: object) -> str:
    return ", ".join(map(str, names)) if isinstance(names, list) else ""


def _detail_context(request: HttpRequest, proposal: GuidanceProposal, **forms_given: Any) -> dict[str, Any]:
    """What the proposal page shows; ``forms_given`` keeps what the person typed after a refusal."""
    final = proposal.final
    can_curate = user_may_curate(user=request.user) and proposal.status == ProposalStatus.PENDING
    holder = proposal_claim_holder(proposal=proposal)
    edit_initial = {**final, "fault_types": _joined(final["fault_types"]), "services": _joined(final["services"])}
    item = proposal.knowledge_item
    return {
        "proposal": proposal,
        "context": proposal_context(proposal=proposal),
        "source_visible": trajectory_is_visible(user=request.user, trajectory=proposal.trajectory),
        "step_href": _step_href(proposal),
        "holder": holder,
        "claim_expires_at": proposal_claim_expires_at(proposal=proposal) if holder is not None else None,
        "holds_claim": holder is not None and holder.pk == request.user.pk,
        "can_curate": can_curate,
        "curators": list(curator_list()) if can_curate else [],
        "edit_form": forms_given.get("edit_form") or EditForm(initial=edit_initial),
        "reject_form": forms_given.get("reject_form") or RejectForm(),
        "knowledge_admin_url": reverse("admin:agents_knowledgeitem_change", args=[item.pk]) if item else None,
    }


@login_required
@require_safe
def proposal_detail_page(request: HttpRequest, proposal_id: UUID) -> HttpResponse:
    """One proposal: the teacher's analysis and failing step, the original guidance and any edit, the
    validation runs, the curation state, and (for curators, while pending) the action forms."""
    proposal = _readable(request, proposal_id)
    return render(request, "training/proposal_detail.html", _detail_context(request, proposal))


Action = Callable[[GuidanceProposal, User], object]


def _act(request: HttpRequest, proposal_id: UUID, action: Action, done: str, **forms_given: Any) -> HttpResponse:
    """Run one curation service; on success back to the proposal with ``done`` said once, on a refusal the
    proposal again with the message (409 for a conflict, 400 for bad input, 403 without the permission)."""
    proposal = _readable(request, proposal_id)
    if not user_may_curate(user=request.user):
        raise PermissionDenied("Only curators may act on guidance proposals.")
    try:
        action(proposal, _person(request))
    except Forbidden as refusal:
        raise PermissionDenied(str(refusal)) from refusal
    except DomainError as refusal:
        fresh = _readable(request, proposal_id)
        context = {**_detail_context(request, fresh, **forms_given), "error": str(refusal)}
        status = 409 if isinstance(refusal, Conflict) else 400
        return render(request, "training/proposal_detail.html", context, status=status)
    messages.success(request, done)
    return HttpResponseRedirect(reverse("proposal-detail-page", args=[proposal_id]))


@require_POST
@login_required
def proposal_assign_view(request: HttpRequest, proposal_id: UUID) -> HttpResponse:
    username = request.POST.get("assignee", "")

    def assign(proposal: GuidanceProposal, user: User) -> object:
        assignee = User.objects.filter(username=username, is_active=True).first()
        if assignee is None:
            raise DomainError(f"No active person named {username!r}.", code="unknown_assignee")
        return proposal_assign(proposal=proposal, assignee=assignee, user=user)

    return _act(request, proposal_id, assign, f"Assigned to {username}.")


@require_POST
@login_required
def proposal_claim_view(request: HttpRequest, proposal_id: UUID) -> HttpResponse:
    return _act(request, proposal_id, lambda p, u: proposal_claim(proposal=p, user=u), "Claimed: it is yours now.")


@require_POST
@login_required
def proposal_release_view(request: HttpRequest, proposal_id: UUID) -> HttpResponse:
    return _act(request, proposal_id, lambda p, u: proposal_release(proposal=p, user=u), "Released.")


@require_POST
@login_required
def proposal_approve_view(request: HttpRequest, proposal_id: UUID) -> HttpResponse:
    """Approve as proposed, or with the edit form's fields when it sent them (``edit``)."""
    if "edit" not in request.POST:
        done = "Approved: the guidance is in long-term memory."
        return _act(request, proposal_id, lambda p, u: proposal_approve(proposal=p, user=u), done)
    form = EditForm(request.POST)
    edit = form.edit() if form.is_valid() else {}
    done = "Approved with your edit: the guidance is in long-term memory."
    return _act(
        request, proposal_id, lambda p, u: proposal_approve(proposal=p, user=u, edit=edit), done, edit_form=form
    )


@require_POST
@login_required
def proposal_reject_view(request: HttpRequest, proposal_id: UUID) -> HttpResponse:
    form = RejectForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    return _act(
        request,
        proposal_id,
        lambda p, u: proposal_reject(proposal=p, user=u, reason=reason),
        "Rejected.",
        reject_form=form,
    )


urlpatterns: list[URLPattern] = [
    path("proposals/", proposal_list_page, name="proposal-list-page"),
    path("proposals/<uuid:proposal_id>/", proposal_detail_page, name="proposal-detail-page"),
    path("proposals/<uuid:proposal_id>/assign/", proposal_assign_view, name="proposal-assign-page"),
    path("proposals/<uuid:proposal_id>/claim/", proposal_claim_view, name="proposal-claim-page"),
    path("proposals/<uuid:proposal_id>/release/", proposal_release_view, name="proposal-release-page"),
    path("proposals/<uuid:proposal_id>/approve/", proposal_approve_view, name="proposal-approve-page"),
    path("proposals/<uuid:proposal_id>/reject/", proposal_reject_view, name="proposal-reject-page"),
]
