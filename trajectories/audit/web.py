"""The audit log page, for auditors: the filtered log newest first, and a button that verifies
the whole chain as ``manage.py verify_audit`` does.

The page takes the API's filters (``AuditFilterSerializer``), so a filtered page and a filtered
``/api/v1/audit/export/`` show the same events. Pages are cut by seq (keyset), never by offset:
the log only grows, and a deep page must cost what the first one costs.
"""

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_POST, require_safe
from rest_framework import serializers

from trajectories.audit.api import EXPORT, VIEW, AuditFilterSerializer
from trajectories.audit.selectors import audit_event_list, audit_hashes_at, audit_log_verify
from trajectories.audit.verification import Verdict, describe
from trajectories.models import ActorType, AuditEvent

PAGE_SIZE = 100
CURSORS = ("before", "after")
# Where the verify view leaves its verdict for the page it redirects to (shown once).
VERDICT_SESSION_KEY = "audit_verdict"


class AuditPageSerializer(AuditFilterSerializer):
    """The API's filters plus the page's keyset cursor: events below ``before`` (older) or above
    ``after`` (newer) than a seq already shown; at most one of the two."""

    before = serializers.IntegerField(required=False, min_value=1)
    after = serializers.IntegerField(required=False, min_value=0)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if "before" in attrs and "after" in attrs:
            raise serializers.ValidationError("Give either before or after, not both.")
        return attrs


@dataclass(frozen=True)
class AuditRow:
    event: AuditEvent
    payload_json: str


@dataclass(frozen=True)
class AuditPage:
    """Rows newest first, and the seqs the "older" and "newer" links continue from (None: no link)."""

    rows: list[AuditRow]
    older_than: int | None
    newer_than: int | None


def _require_auditor(request: HttpRequest) -> None:
    # The same rule as the API's list (``required_perms["list"]``); superusers hold every permission.
    if not request.user.has_perm(VIEW):
        raise PermissionDenied("Only auditors may read the audit log.")


def _row(event: AuditEvent) -> AuditRow:
    return AuditRow(event, json.dumps(event.payload, indent=2, sort_keys=True, ensure_ascii=False))


def _page(events: QuerySet[AuditEvent], *, before: int | None, after: int | None) -> AuditPage:
    """One page of ``events`` in one query: ``PAGE_SIZE + 1`` rows tell whether more lie further
    in the direction of travel; the cursor itself proves there are rows the other way."""
    if after is not None:
        fetched = list(events.filter(seq__gt=after).order_by("seq")[: PAGE_SIZE + 1])
        more_newer, shown = len(fetched) > PAGE_SIZE, fetched[:PAGE_SIZE][::-1]
        more_older = bool(shown)
    else:
        narrowed = events if before is None else events.filter(seq__lt=before)
        fetched = list(narrowed.order_by("-seq")[: PAGE_SIZE + 1])
        more_older, shown = len(fetched) > PAGE_SIZE, fetched[:PAGE_SIZE]
        more_newer = before is not None and bool(shown)
    return AuditPage(
        rows=[_row(event) for event in shown],
        older_than=shown[-1].seq if more_older else None,
        newer_than=shown[0].seq if more_newer else None,
    )


def _link(filters: QueryDict, **cursor: int | None) -> str | None:
    """The page's address with the same filters and ``cursor``; None when the cursor is None."""
    if any(value is None for value in cursor.values()):
        return None
    query = filters.copy()
    for name, value in cursor.items():
        query[name] = str(value)
    return f"{reverse('audit-page')}?{query.urlencode()}"


@login_required
@require_safe
def audit_page(request: HttpRequest) -> HttpResponse:
    _require_auditor(request)
    params = AuditPageSerializer(data=request.GET)
    filters = request.GET.copy()
    for cursor in CURSORS:
        filters.pop(cursor, None)
    context: dict[str, Any] = {
        "filters": filters,
        "actor_types": ActorType.choices,
        "can_export": request.user.has_perm(EXPORT),
        "export_query": filters.urlencode(),
        "verdict": request.session.pop(VERDICT_SESSION_KEY, None),
    }
    if not params.is_valid():
        context["errors"] = params.errors
        return render(request, "audit/log.html", context, status=400)
    given = dict(params.validated_data)
    before, after = given.pop("before", None), given.pop("after", None)
    page = _page(audit_event_list(**given), before=before, after=after)
    context.update(
        rows=page.rows,
        older_url=_link(filters, before=page.older_than),
        newer_url=_link(filters, after=page.newer_than),
        newest_url=_link(filters) if before is not None or after is not None else None,
    )
    return render(request, "audit/log.html", context)


def _verdict_for_page(verdict: Verdict, checkpoints_path: Path) -> dict[str, Any]:
    """The verdict as the session can hold it, with the hash of the head that was verified (read
    by seq, not as the current head: events appended since were not verified)."""
    head_hash = audit_hashes_at(seqs={verdict.head_seq}).get(verdict.head_seq, "") if verdict.ok else ""
    summary = describe(verdict, checkpoints_path=checkpoints_path)
    return {**asdict(verdict), "head_hash": head_hash, "summary": summary}


@require_POST
@login_required
def audit_verify(request: HttpRequest) -> HttpResponse:
    """Verify the chain and the signed checkpoints exactly as ``manage.py verify_audit`` (without
    options) does, then redirect to the page, which shows the verdict once."""
    _require_auditor(request)
    checkpoints_path = Path(settings.AOI_AUDIT_CHECKPOINT_PATH)
    key = settings.AOI_AUDIT_CHECKPOINT_KEY.encode()
    verdict = audit_log_verify(checkpoints_path=checkpoints_path, key=key)
    request.session[VERDICT_SESSION_KEY] = _verdict_for_page(verdict, checkpoints_path)
    page = reverse("audit-page")
    return HttpResponseRedirect(f"{page}?{request.GET.urlencode()}" if request.GET else page)
