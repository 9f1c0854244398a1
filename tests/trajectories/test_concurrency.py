"""Concurrent writers of one run's steps: indexes stay gapless and unique, the counters exact."""

import threading

import pytest
from django.db import connection, transaction

from tests.audit.helpers import requires_postgresql
from tests.trajectories.conftest import start_problem_run
from trajectories.models import Prompt, Step, Trajectory
from trajectories.services.steps import step_append

WRITERS = 4
STEPS_PER_WRITER = 15


def _append(run: Trajectory, writer: int, start: threading.Barrier, errors: list[BaseException]) -> None:
    try:
        start.wait(timeout=10)
        for i in range(STEPS_PER_WRITER):
            with transaction.atomic():
                # Every writer stores the same prompts: the concurrent inserts of one text must not fail.
                step_append(
                    trajectory=run,
                    role="probe",
                    phase="act",
                    prompt_text=f"shared prompt {i % 3}",
                    completion=f"{writer}:{i}",
                    tokens_in=writer + 1,
                    tokens_out=1,
                )
    except BaseException as exc:  # a thread's exception would otherwise be lost: the test asserts on it
        errors.append(exc)
    finally:
        connection.close()


@requires_postgresql
@pytest.mark.django_db(transaction=True)
def test_concurrent_appends_get_gapless_indexes_and_exact_counters() -> None:
    run = start_problem_run()
    start, errors = threading.Barrier(WRITERS), list[BaseException]()
    threads = [threading.Thread(target=_append, args=(run, w, start, errors)) for w in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    total = WRITERS * STEPS_PER_WRITER
    rows = list(Step.objects.filter(trajectory=run).order_by("index").values_list("index", "completion"))
    assert [index for index, _ in rows] == list(range(1, total + 1))
    for writer in range(WRITERS):  # each writer's steps keep its own order
        mine = [int(completion.split(":")[1]) for _, completion in rows if completion.startswith(f"{writer}:")]
        assert mine == list(range(STEPS_PER_WRITER))
    stored = Trajectory.objects.get(pk=run.pk)
    expected_in = sum((w + 1) * STEPS_PER_WRITER for w in range(WRITERS))
    assert (stored.steps_count, stored.tokens_in, stored.tokens_out) == (total, expected_in, total)
    assert Prompt.objects.count() == 3
