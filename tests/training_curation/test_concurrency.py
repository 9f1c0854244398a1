"""Two curators pressing Claim (or Approve) at the same moment, each in its own transaction and database
connection: the row lock lets exactly one through, the other is refused naming the winner."""

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection

from agents.models import KnowledgeItem
from aoi_platform.errors import Conflict
from training.models import GuidanceProposal
from training.services.curation import proposal_approve, proposal_claim

pytestmark = pytest.mark.django_db(transaction=True)


def race(*attempts: Callable[[], object]) -> list[object]:
    """Run the attempts at once, one thread (and connection) each; what each returned or raised."""
    start = threading.Barrier(len(attempts))
    results: list[object] = [None] * len(attempts)

    def run(number: int) -> None:
        start.wait()
        try:
            results[number] = attempts[number]()
        except Exception as error:
            results[number] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(number,)) for number in range(len(attempts))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


@pytest.mark.parametrize("service", ["claim", "approve"])
def test_two_curators_at_once_one_wins(service: str, proposal: GuidanceProposal, curator: Any, curator2: Any) -> None:
    def attempt(user: Any) -> Callable[[], object]:
        if service == "claim":
            return lambda: proposal_claim(proposal=proposal, user=user)
        return lambda: proposal_approve(proposal=proposal, user=user)

    results = race(attempt(curator), attempt(curator2))

    won = [result for result in results if isinstance(result, GuidanceProposal)]
    lost = [result for result in results if isinstance(result, Conflict)]
    assert (len(won), len(lost)) == (1, 1), results
    winner = won[0].claimed_by
    assert winner is not None
    assert winner.get_username() in str(lost[0])
    proposal.refresh_from_db()
    assert proposal.claimed_by == winner
    assert KnowledgeItem.objects.count() == (1 if service == "approve" else 0)
