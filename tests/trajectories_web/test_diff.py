"""Two runs side by side: aligned by step index, the first divergence marked, refused across problems."""

from typing import Any

from tests.conftest import SignedIn
from tests.trajectories.conftest import start_problem_run
from trajectories.models import Trajectory
from trajectories.services.steps import step_append


def _steps(run: Trajectory, *tool_results: str) -> None:
    for result in tool_results:
        step_append(trajectory=run, role="probe", phase="act", action={"tool": "kubectl"}, tool_result=result)


def test_first_divergence_is_marked(signed_in: SignedIn, reader: Any) -> None:
    a, b = start_problem_run(), start_problem_run()
    _steps(a, "same", "same again", "pods pending", "x")
    _steps(b, "same", "same again", "pods running")

    response = signed_in(reader).get(f"/trajectories/diff/?a={a.pk}&b={b.pk}")

    assert response.status_code == 200
    assert response.context["first"] == 3
    assert [(row.index, row.differs, row.first) for row in response.context["rows"]] == [
        (1, False, False),
        (2, False, False),
        (3, True, True),
        (4, True, False),
    ]
    page = response.content.decode()
    assert '<a href="#step-3">step 3</a>' in page
    assert 'id="step-3" class="traj-diverge-first"' in page
    assert "No step 4." in page
    assert "pods pending" in page
    assert "pods running" in page


def test_a_different_role_or_action_diverges(signed_in: SignedIn, reader: Any) -> None:
    a, b = start_problem_run(), start_problem_run()
    step_append(trajectory=a, role="probe", phase="act", action={"tool": "kubectl", "args": ["get"]})
    step_append(trajectory=b, role="probe", phase="act", action={"tool": "kubectl", "args": ["describe"]})
    c = start_problem_run()
    step_append(trajectory=c, role="observer", phase="act", action={"tool": "kubectl", "args": ["get"]})
    client = signed_in(reader)

    assert client.get(f"/trajectories/diff/?a={a.pk}&b={b.pk}").context["first"] == 1
    assert client.get(f"/trajectories/diff/?a={a.pk}&b={c.pk}").context["first"] == 1


def test_identical_runs_do_not_diverge(signed_in: SignedIn, reader: Any) -> None:
    a, b = start_problem_run(), start_problem_run()
    _steps(a, "one", "two")
    _steps(b, "one", "two")

    response = signed_in(reader).get(f"/trajectories/diff/?a={a.pk}&b={b.pk}")

    assert response.context["first"] is None
    assert "Their steps are the same." in response.content.decode()


def test_runs_of_different_problems_are_refused(signed_in: SignedIn, reader: Any) -> None:
    a, b = start_problem_run(), start_problem_run("auth_miss_mongodb-detection-1")
    _steps(a, "one")

    response = signed_in(reader).get(f"/trajectories/diff/?a={a.pk}&b={b.pk}")

    assert response.status_code == 400
    assert "different problems" in response.content.decode()
    assert "one</pre>" not in response.content.decode()


def test_missing_or_malformed_ids_are_refused(signed_in: SignedIn, reader: Any) -> None:
    client = signed_in(reader)

    for query in ("", "?a=1&b=2", f"?a={start_problem_run().pk}"):
        response = client.get(f"/trajectories/diff/{query}")
        assert response.status_code == 400
        assert "Give two run ids" in response.content.decode()
