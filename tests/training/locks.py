"""Holding a job's lock from another database connection, as a process still working on it would."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator

from django.db import connection

from agents.hosting import run_lock


@contextlib.contextmanager
def held_elsewhere(key: str) -> Iterator[None]:
    """Hold ``run_lock(key)`` in another thread (its own connection) for the duration of the block."""
    taken, release = threading.Event(), threading.Event()

    def hold() -> None:
        try:
            with run_lock(key) as got:
                assert got
                taken.set()
                release.wait(30)
        finally:
            connection.close()

    holder = threading.Thread(target=hold, daemon=True)
    holder.start()
    assert taken.wait(10), "the lock was not taken"
    try:
        yield
    finally:
        release.set()
        holder.join(10)
