"""The playground: staff open a simulated problem as an incident of their team, and may start its
diagnosis at once; everyone else is refused; a refusal shows on the form and creates nothing."""

from typing import Any

import pytest
from django.test import Client

from agents.environments import PROBLEM_LABEL
from agents.models import AgentRun
from incidents.models import Incident, Team
from tests.agents_web.conftest import DETECTION
from tests.conftest import SignedIn
from tests.trajectories_web.test_csp import InlineCodeFinder
from trajectories.models import Trajectory

PLAYGROUND = "/agents/playground/"


def _nothing_created() -> bool:
    return not Incident.objects.exists() and not AgentRun.objects.exists() and not Trajectory.objects.exists()


def test_staff_opens_a_problem_as_an_incident_of_their_team(
    signed_in: SignedIn, staff_responder: Any, team: Team, dispatched: list[tuple[str, str]]
) -> None:
    response = signed_in(staff_responder).post(PLAYGROUND, {"problem": DETECTION, "team": team.pk})

    incident = Incident.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/incidents/{incident.uuid}/"
    assert (incident.team, incident.labels[PROBLEM_LABEL], incident.created_by) == (team, DETECTION, staff_responder)
    assert not AgentRun.objects.exists()
    assert dispatched == []


def test_with_diagnose_checked_a_run_is_started_and_dispatched(
    signed_in: SignedIn,
    staff_responder: Any,
    team: Team,
    dispatched: list[tuple[str, str]],
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = signed_in(staff_responder).post(
            PLAYGROUND, {"problem": DETECTION, "team": team.pk, "diagnose": "on"}
        )

    run = AgentRun.objects.get()
    assert response.status_code == 302
    assert (run.incident, run.started_by) == (Incident.objects.get(), staff_responder)
    assert run.incident.status == "investigating"
    assert dispatched == [(str(run.pk), run.queue)]


def test_form_offers_problems_by_application_and_task_and_only_the_users_teams(
    signed_in: SignedIn, staff_responder: Any, team: Team, other_team: Team
) -> None:
    response = signed_in(staff_responder).get(PLAYGROUND)

    html = response.content.decode()
    assert response.status_code == 200
    assert '<optgroup label="HotelReservation · detection">' in html
    assert f'<option value="{DETECTION}">' in html
    assert list(response.context["form"].fields["team"].queryset) == [team]


def test_superuser_may_choose_any_team(signed_in: SignedIn, superuser: Any, team: Team, other_team: Team) -> None:
    response = signed_in(superuser).get(PLAYGROUND)

    assert set(response.context["form"].fields["team"].queryset) == {team, other_team}
    assert '<a href="/agents/playground/">Playground</a>' in response.content.decode()


def test_a_team_the_user_is_not_in_is_refused(
    signed_in: SignedIn, staff_responder: Any, other_team: Team, dispatched: list[tuple[str, str]]
) -> None:
    response = signed_in(staff_responder).post(PLAYGROUND, {"problem": DETECTION, "team": other_team.pk})

    assert response.status_code == 400
    assert "team" in response.context["form"].errors
    assert _nothing_created()


def test_a_viewer_of_the_team_is_not_offered_it(
    signed_in: SignedIn, staff_viewer: Any, team: Team, dispatched: list[tuple[str, str]]
) -> None:
    response = signed_in(staff_viewer).post(PLAYGROUND, {"problem": DETECTION, "team": team.pk})

    assert response.status_code == 400
    assert list(response.context["form"].fields["team"].queryset) == []
    assert _nothing_created()


def test_an_unknown_problem_shows_an_error_and_creates_nothing(
    signed_in: SignedIn, staff_responder: Any, team: Team, dispatched: list[tuple[str, str]]
) -> None:
    response = signed_in(staff_responder).post(PLAYGROUND, {"problem": "no-such-problem-1", "team": team.pk})

    assert response.status_code == 400
    assert "problem" in response.context["form"].errors
    assert "errorlist" in response.content.decode() or "bench-errors" in response.content.decode()
    assert _nothing_created()


def test_a_service_refusal_shows_on_the_form_and_rolls_back_the_incident(
    signed_in: SignedIn, staff_responder: Any, team: Team, dispatched: list[tuple[str, str]], settings: Any
) -> None:
    settings.AOI_ENVIRONMENT = {"kind": "nowhere"}

    response = signed_in(staff_responder).post(PLAYGROUND, {"problem": DETECTION, "team": team.pk, "diagnose": "on"})

    assert response.status_code == 400
    assert "unknown environment kind" in response.content.decode()
    assert _nothing_created()
    assert dispatched == []


@pytest.mark.parametrize("method", ["get", "post"])
def test_non_staff_are_forbidden(
    signed_in: SignedIn, responder: Any, reader: Any, team: Team, method: str, dispatched: list[tuple[str, str]]
) -> None:
    for user in (responder, reader):
        response = getattr(signed_in(user), method)(PLAYGROUND, {"problem": DETECTION, "team": team.pk})

        assert response.status_code == 403
    assert _nothing_created()


def test_non_staff_get_no_nav_link(signed_in: SignedIn, responder: Any) -> None:
    assert "/agents/playground/" not in signed_in(responder).get("/").content.decode()


def test_anonymous_is_sent_to_sign_in(signed_in: SignedIn, team: Team) -> None:
    response = signed_in(None).post(PLAYGROUND, {"problem": DETECTION, "team": team.pk})

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert _nothing_created()


def test_a_post_without_the_csrf_token_is_refused(
    staff_responder: Any, team: Team, dispatched: list[tuple[str, str]]
) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(staff_responder)

    response = client.post(PLAYGROUND, {"problem": DETECTION, "team": team.pk})

    assert response.status_code == 403
    assert _nothing_created()


def test_the_form_carries_a_csrf_token_and_no_inline_code(
    signed_in: SignedIn, staff_responder: Any, team: Team
) -> None:
    parser = InlineCodeFinder()
    html = signed_in(staff_responder).get(PLAYGROUND).content.decode()

    parser.feed(html)

    assert 'name="csrfmiddlewaretoken"' in html
    assert parser.found == []
    assert "/static/agents/agents.css" in parser.stylesheets
