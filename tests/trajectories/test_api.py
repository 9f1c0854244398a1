"""The run endpoints' behaviour: filters and pagination, steps since an index, the JSONL export."""

import json
from collections.abc import Callable
from typing import Any

import pytest
import yaml
from asgiref.sync import async_to_sync
from django.test import AsyncClient, Client
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from incidents.models import Incident
from tests.trajectories.conftest import SYSTEM, append_steps, start_problem_run
from trajectories.models import Trajectory
from trajectories.services.runs import trajectory_finish
from trajectories.services.steps import step_append

Api = Callable[[Any], APIClient]
LIST = "/api/v1/trajectories/"


def _ids(response: Any) -> list[str]:
    assert response.status_code == 200, response.content
    return [run["id"] for run in response.json()["results"]]


def test_list_filters_through_query_parameters(
    api: Api, superuser: Any, incident: Incident, incident_run: Trajectory
) -> None:
    won = start_problem_run("a-detection-1", model="qwen")
    lost = start_problem_run("a-detection-1", agent_kind="baseline")
    trajectory_finish(trajectory=won, status="succeeded", actor=SYSTEM, success=True)
    trajectory_finish(trajectory=lost, status="failed", actor=SYSTEM, success=False)
    client = api(superuser)

    assert set(_ids(client.get(LIST, {"problem": "a-detection-1"}))) == {str(won.pk), str(lost.pk)}
    assert _ids(client.get(LIST, {"agent_kind": "baseline", "problem": "a-detection-1"})) == [str(lost.pk)]
    assert _ids(client.get(LIST, {"status": "succeeded"})) == [str(won.pk)]
    assert _ids(client.get(LIST, {"outcome": "failure"})) == [str(lost.pk)]
    assert _ids(client.get(LIST, {"model": "qwen"})) == [str(won.pk)]
    assert _ids(client.get(LIST, {"incident": str(incident.uuid)})) == [str(incident_run.pk)]
    assert len(_ids(client.get(LIST, {"problem": "", "status": ""}))) == 3  # empty form fields filter nothing


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"status": "exploded"}, "status"),
        ({"outcome": "maybe"}, "outcome"),
        ({"agent_kind": "solo"}, "agent_kind"),
        ({"started_after": "yesterday"}, "started_after"),
        ({"incident": "not-a-uuid"}, "incident"),
    ],
)
def test_a_bad_filter_is_a_400_naming_it(api: Api, superuser: Any, params: dict[str, str], field: str) -> None:
    response = api(superuser).get(LIST, params)

    assert response.status_code == 400
    assert list(response.json()) == [field]


def test_list_is_paginated_newest_first(api: Api, superuser: Any) -> None:
    runs = [start_problem_run(f"p-{n}") for n in range(3)]

    page = api(superuser).get(LIST, {"limit": 2})

    body = page.json()
    assert (body["count"], len(body["results"])) == (3, 2)
    assert body["next"] is not None
    assert _ids(page) == [str(runs[2].pk), str(runs[1].pk)]


def test_detail_shows_the_run(api: Api, viewer: Any, incident: Incident, incident_run: Trajectory) -> None:
    body = api(viewer).get(f"{LIST}{incident_run.pk}/").json()

    assert body["id"] == str(incident_run.pk)
    assert body["incident"] == str(incident.uuid)
    assert (body["agent_kind"], body["backend"], body["status"], body["created_by"]) == (
        "baseline",
        "transformers",
        "running",
        "responder",
    )
    assert (body["steps_count"], body["tokens_in"], body["tokens_out"]) == (2, 20, 6)


def test_a_problem_run_has_no_incident(api: Api, superuser: Any, problem_run: Trajectory) -> None:
    body = api(superuser).get(f"{LIST}{problem_run.pk}/").json()

    assert (body["incident"], body["problem_id"], body["seed"], body["leaks"]) == (
        None,
        problem_run.problem_id,
        7,
        False,
    )


def test_steps_resume_after_an_index_with_previews_only(api: Api, superuser: Any, problem_run: Trajectory) -> None:
    step_append(trajectory=problem_run, role="probe", phase="act", tool_result="z" * 1000)

    body = api(superuser).get(f"{LIST}{problem_run.pk}/steps/", {"since": 2}).json()

    assert body["steps_count"] == 4
    assert [s["index"] for s in body["steps"]] == [3, 4]
    last = body["steps"][-1]
    assert (len(last["tool_preview"]), last["tool_result_chars"]) == (400, 1000)
    assert "tool_result" not in last
    assert "prompt" not in last


def test_steps_in_full_carry_prompts_and_whole_results(api: Api, superuser: Any, problem_run: Trajectory) -> None:
    body = api(superuser).get(f"{LIST}{problem_run.pk}/steps/", {"full": "true", "limit": "1"}).json()

    [step] = body["steps"]
    assert (step["index"], step["prompt"], step["tool_result"]) == (
        1,
        "prompt 0",
        "NAME READY STATUS\ncheckout-0 1/1 Running\n",
    )


@pytest.mark.parametrize("params", [{"since": "-1"}, {"since": "x"}, {"limit": "0"}, {"limit": "501"}])
def test_bad_step_parameters_are_a_400(api: Api, superuser: Any, problem_run: Trajectory, params: dict) -> None:
    response = api(superuser).get(f"{LIST}{problem_run.pk}/steps/", params)

    assert response.status_code == 400
    assert list(response.json()) == list(params)


def _lines(response: Any) -> list[dict[str, Any]]:
    return [json.loads(line) for line in b"".join(response.streaming_content).decode().splitlines()]


def test_export_streams_json_lines_as_an_attachment(api: Api, superuser: Any, problem_run: Trajectory) -> None:
    response = api(superuser).get(f"{LIST}{problem_run.pk}/export/", HTTP_ACCEPT="application/x-ndjson")

    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"] == "application/x-ndjson"
    assert response["Content-Disposition"] == f'attachment; filename="trajectory-{problem_run.pk}.jsonl"'
    records = _lines(response)
    assert [r["type"] for r in records] == ["trajectory", "prompt", "step", "prompt", "step", "step"]


@pytest.mark.django_db
def test_export_streams_under_asgi(superuser: Any) -> None:
    run = start_problem_run()
    append_steps(run, 120)  # more than one chunk of lines
    token, _ = Token.objects.get_or_create(user=superuser)

    async def fetch() -> tuple[Any, list[bytes]]:
        response: Any = await AsyncClient().get(
            f"{LIST}{run.pk}/export/", headers={"Authorization": f"Token {token.key}"}
        )
        return response, [chunk async for chunk in response.streaming_content]

    response, chunks = async_to_sync(fetch)()

    assert response.status_code == 200
    assert response.is_async
    assert len(chunks) > 1
    lines = b"".join(chunks).decode().splitlines()
    assert [json.loads(line)["type"] for line in lines].count("step") == 120


@pytest.mark.django_db
def test_the_schema_lists_the_run_endpoints(client: Client) -> None:
    document = yaml.safe_load(client.get("/api/schema/").content)

    assert {
        "/api/v1/trajectories/",
        "/api/v1/trajectories/{id}/",
        "/api/v1/trajectories/{id}/steps/",
        "/api/v1/trajectories/{id}/export/",
    } <= set(document["paths"])
