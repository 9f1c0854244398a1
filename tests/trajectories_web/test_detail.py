"""One run's page: its header, every step in order with its full prompt, completion and tool result
one click away, errors marked, neighbours linked, text from models and tools escaped."""

import re
from typing import Any

from django.test import Client

from tests.conftest import SignedIn
from tests.trajectories.conftest import SYSTEM, append_steps, start_problem_run
from trajectories.models import Trajectory
from trajectories.services.runs import trajectory_finish
from trajectories.services.steps import step_append
from trajectories.web import STEPS_PER_PAGE

HOSTILE = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"


def test_header_shows_the_run_and_its_grade(signed_in: SignedIn, reader: Any) -> None:
    run = start_problem_run(seed=42)
    outcome = {"success": True, "detail": {"answer": "Yes", "expected": "Yes"}, "steps": 3}
    trajectory_finish(trajectory=run, status="succeeded", actor=SYSTEM, outcome=outcome, success=True)

    page = signed_in(reader).get(f"/trajectories/{run.pk}/").content.decode()

    for text in ("aoi", "smollm2-135m", "replay", "observer v1", "probe v1", "42", "Succeeded", run.problem_id):
        assert text in page
    assert "<th>detail</th>" in page
    assert "&quot;expected&quot;: &quot;Yes&quot;" in page
    assert f'href="/api/v1/trajectories/{run.pk}/export/"' in page


def test_every_step_with_its_prompt_completion_and_result(signed_in: SignedIn, reader: Any) -> None:
    run = start_problem_run()
    append_steps(run, 3)

    page = signed_in(reader).get(f"/trajectories/{run.pk}/").content.decode()

    assert re.findall(r'id="step-(\d+)"', page) == ["1", "2", "3"]
    assert page.count("<details>") == 3
    assert page.count("<pre>prompt 0</pre>") == 2
    assert page.count("<pre>prompt 1</pre>") == 1
    assert "kubectl get pods -n shop #2" in page
    assert "checkout-1 1/1 Running" in page
    assert "&quot;tool&quot;: &quot;kubectl&quot;" in page
    assert page.count('href="#step-2"') == 2  # next of 1, previous of 3


def test_error_steps_are_marked(signed_in: SignedIn, reader: Any) -> None:
    run = start_problem_run()
    step_append(trajectory=run, role="probe", phase="act", completion="x", error="kubectl timed out")

    page = signed_in(reader).get(f"/trajectories/{run.pk}/").content.decode()

    assert 'class="traj-step traj-step-error"' in page
    assert "Error: kubectl timed out" in page


def test_text_from_models_and_tools_is_escaped(signed_in: SignedIn, reader: Any) -> None:
    run = start_problem_run()
    step_append(
        trajectory=run,
        role="probe",
        phase="act",
        prompt_text=HOSTILE,
        completion=HOSTILE,
        action={"command": HOSTILE},
        tool_result=HOSTILE,
        error=HOSTILE,
    )
    other = start_problem_run()
    step_append(trajectory=other, role="probe", phase="act", completion="benign")
    client = signed_in(reader)

    pages = [
        client.get(f"/trajectories/{run.pk}/").content.decode(),
        client.get(f"/trajectories/diff/?a={run.pk}&b={other.pk}").content.decode(),
        client.get("/trajectories/").content.decode(),
    ]

    for page in pages[:2]:
        assert HOSTILE not in page
        assert ESCAPED in page
    assert "<script>alert" not in pages[2]


def test_steps_beyond_a_page_link_across_pages(signed_in: SignedIn, reader: Any) -> None:
    run = start_problem_run()
    append_steps(run, STEPS_PER_PAGE + 2)
    client = signed_in(reader)

    first = client.get(f"/trajectories/{run.pk}/").content.decode()
    second = client.get(f"/trajectories/{run.pk}/?page=2").content.decode()

    assert len(re.findall(r'id="step-\d+"', first)) == STEPS_PER_PAGE
    assert re.findall(r'id="step-(\d+)"', second) == [str(STEPS_PER_PAGE + 1), str(STEPS_PER_PAGE + 2)]
    assert f'href="?page=2#step-{STEPS_PER_PAGE + 1}"' in first
    assert f'href="?page=1#step-{STEPS_PER_PAGE}"' in second


def test_compare_form_offers_other_runs_of_the_same_problem(
    signed_in: SignedIn, reader: Any, problem_run: Trajectory
) -> None:
    same = start_problem_run()
    different = start_problem_run("auth_miss_mongodb-detection-1")

    page = signed_in(reader).get(f"/trajectories/{problem_run.pk}/").content.decode()

    assert 'action="/trajectories/diff/"' in page
    assert f'<input type="hidden" name="a" value="{problem_run.pk}">' in page
    assert f'<option value="{same.pk}">' in page
    assert str(different.pk) not in page


def test_export_link_works_with_the_session(reader: Any, problem_run: Trajectory) -> None:
    client = Client()
    client.force_login(reader)

    response: Any = client.get(f"/api/v1/trajectories/{problem_run.pk}/export/")

    assert response.status_code == 200
    assert str(problem_run.pk) in b"".join(response.streaming_content).decode()
