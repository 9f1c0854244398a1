"""Steps and prompts are append-only in the database itself, on PostgreSQL and on SQLite: the ORM and
raw SQL both bounce off the triggers. The run's own row stays updatable (status, counters)."""

from collections.abc import Callable

import pytest
from django.db import DatabaseError, connection, connections, transaction
from django.db.models import ProtectedError

from tests.trajectories.conftest import append_steps, start_problem_run
from trajectories.models import Prompt, Step, Trajectory
from trajectories.services.steps import prompt_store

REFUSED = "append-only"


def _refused(attempt: Callable[[], object], using: str = "default") -> None:
    # The savepoint keeps the test's transaction usable after the trigger aborts the statement.
    with pytest.raises(DatabaseError, match=REFUSED), transaction.atomic(using=using):
        attempt()


def _snapshot(using: str = "default") -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
    steps = Step.objects.using(using).order_by("pk").values_list("pk", "index", "completion", "tool_result")
    prompts = Prompt.objects.using(using).order_by("sha256").values_list("sha256", "text")
    return list(steps), list(prompts)


@pytest.mark.django_db
def test_orm_cannot_edit_or_delete_steps_or_prompts() -> None:
    run = start_problem_run()
    first, second = append_steps(run, 2)
    orphan = prompt_store(text="no step sent me")  # so the ORM's PROTECT check does not answer first
    before = _snapshot()
    first.completion = "rewritten"
    prompt = Prompt.objects.get(pk=second.prompt_id)
    prompt.text = "rewritten"

    _refused(first.save)
    _refused(lambda: Step.objects.filter(pk=second.pk).update(tool_result="forged"))
    _refused(lambda: Step.objects.bulk_update([first], ["completion"]))
    _refused(lambda: Step.objects.filter(pk=first.pk).delete())
    _refused(prompt.save)
    _refused(lambda: Prompt.objects.all().update(text="forged"))
    _refused(lambda: Prompt.objects.filter(pk=orphan.sha256).delete())

    assert _snapshot() == before


@pytest.mark.django_db
def test_raw_sql_cannot_edit_or_delete_steps_or_prompts() -> None:
    append_steps(start_problem_run(), 2)
    before = _snapshot()
    cursor = connection.cursor()

    _refused(lambda: cursor.execute("UPDATE trajectories_step SET completion = 'forged'"))
    _refused(lambda: cursor.execute("DELETE FROM trajectories_step"))
    _refused(lambda: cursor.execute("UPDATE trajectories_prompt SET text = 'forged'"))
    _refused(lambda: cursor.execute("DELETE FROM trajectories_prompt"))

    assert _snapshot() == before


@pytest.mark.django_db
def test_the_run_row_stays_updatable_but_not_deletable_while_it_has_steps() -> None:
    run = start_problem_run()
    append_steps(run, 1)

    Trajectory.objects.filter(pk=run.pk).update(status="failed")

    assert Trajectory.objects.get(pk=run.pk).status == "failed"
    with pytest.raises(ProtectedError):
        run.delete()
    assert Step.objects.filter(trajectory=run).count() == 1


@pytest.mark.django_db(databases=["default", "sqlite"])
def test_sqlite_steps_and_prompts_are_append_only_too() -> None:
    run = Trajectory.objects.using("sqlite").create(problem_id="p", agent_kind="aoi", backend="replay", model="m")
    prompt = Prompt.objects.using("sqlite").create(sha256="a" * 64, text="words")
    Step.objects.using("sqlite").create(trajectory=run, index=1, role="probe", phase="act", prompt=prompt)
    before = _snapshot("sqlite")
    cursor = connections["sqlite"].cursor()

    _refused(lambda: Step.objects.using("sqlite").update(completion="forged"), using="sqlite")
    _refused(lambda: cursor.execute("DELETE FROM trajectories_step"), using="sqlite")
    _refused(lambda: Prompt.objects.using("sqlite").update(text="forged"), using="sqlite")
    _refused(lambda: cursor.execute("DELETE FROM trajectories_prompt"), using="sqlite")

    assert _snapshot("sqlite") == before
    Step.objects.using("sqlite").create(trajectory=run, index=2, role="probe", phase="act")  # appends still work
    assert Step.objects.using("sqlite").count() == 2
