"""Benchmark: the incidents list page with 1,000 incidents the viewer may see, served by daphne over HTTP.

A team with one viewer and ``--incidents`` incidents (mixed severities and statuses, opened through the
platform's service, so guardian's grants are the real ones) in the benchmark database. daphne serves the
platform (embedded mode: no Redis); the viewer's session cookie comes from a real login. Measured: the
time of ``GET /`` (the first page of 50), of a filtered search (``?severity=critical&q=checkout``) and of
page 10, ``--requests`` each after a warm-up, one request at a time, from the request to the last byte;
and the number of queries one page runs (in-process), which must not grow with the incidents. The issue's
target: the list of 1,000 incidents under 200 ms p95 on this machine.

    python -m bench.incident_list [--incidents 1000] [--requests 200] [--quick]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

from tqdm import tqdm

from bench import harness

SEVERITIES = ("critical", "high", "warning", "info")
APPLICATIONS = ("checkout", "payments", "search", "catalog", "cart")
VARIANTS = {"first page": "/", "filtered search": "/?severity=critical&q=checkout", "page 10": "/?page=10"}


def _incidents(count: int) -> tuple[Any, str]:
    """The team, its viewer's session key, and ``count`` incidents (one in three investigating)."""
    from django.test import Client

    from incidents.models import IncidentStatus
    from incidents.services.incidents import incident_create, incident_transition
    from incidents.services.teams import team_add_member, team_create
    from tests.factories import UserFactory
    from trajectories.audit.services import Actor

    actor = Actor.system("incident_list benchmark")
    team = team_create(name="Bench SRE", slug="bench-sre", actor=actor)
    viewer = UserFactory(username="bench-viewer")
    team_add_member(team=team, user=viewer, role="viewers")
    for index in tqdm(range(count), desc="opening incidents", unit="incident"):
        incident = incident_create(
            team=team,
            title=f"{APPLICATIONS[index % 5]} error rate above SLO #{index}",
            description="5xx ratio above 5% for 10 minutes.",
            actor=actor,
            severity=SEVERITIES[index % 4],
            application=APPLICATIONS[index % 5],
            namespace="shop",
        )
        if index % 3 == 0:
            incident_transition(incident=incident, to_status=IncidentStatus.INVESTIGATING, actor=actor)
    client = Client()
    client.force_login(viewer)
    return client, client.cookies["sessionid"].value


def _queries(client: Any, path: str) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert client.get(path).status_code == 200
    return len(captured)


def _timed(base: str, path: str, session: str, count: int, label: str) -> list[float]:
    request = urllib.request.Request(f"{base}{path}", headers={"Cookie": f"sessionid={session}"})  # noqa: S310
    seconds = []
    for _ in tqdm(range(count), desc=label, unit="request", leave=False):
        began = time.perf_counter()
        with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310 (loopback URL we built)
            body = answer.read()
            assert answer.status == 200
        seconds.append(time.perf_counter() - began)
        assert b"<tr data-incident=" in body
    return seconds


def _p95_ms(seconds: list[float]) -> float:
    return round(statistics.quantiles(seconds, n=100, method="inclusive")[94] * 1000, 3)


def run(options: argparse.Namespace) -> dict[str, Any]:
    from tests.servers import daphne_serving

    harness.recreate_database()
    client, session = _incidents(options.incidents)
    queries = {label: _queries(client, path) for label, path in VARIANTS.items()}
    env = {**os.environ, "AOI_SERVE_STATIC": "true"}
    results: dict[str, Any] = {"incidents": options.incidents, "queries_per_page": queries, "variants": {}}
    with tempfile.TemporaryDirectory() as scratch, daphne_serving(env, Path(scratch) / "daphne.log") as base:
        for label, path in VARIANTS.items():
            _timed(base, path, session, options.warmup, f"warm-up {label}")
            seconds = _timed(base, path, session, options.requests, label)
            results["variants"][label] = {"path": path, **harness.percentiles_ms(seconds), "p95": _p95_ms(seconds)}
    print(f"  {options.incidents} incidents visible to the viewer; {options.requests} requests per page over HTTP")
    for label, figures in results["variants"].items():
        print(
            f"  {label:16} p50 {figures['p50']:7.2f} ms  p95 {figures['p95']:7.2f} ms  p99 {figures['p99']:7.2f} ms"
            f"  ({queries[label]} queries)"
        )
    target = results["variants"]["first page"]["p95"]
    print(f"  target: first page under 200 ms p95 -> {'met' if target < 200 else 'NOT met'} ({target:.1f} ms)")
    print(f"  -> {harness.write_result('incident_list', vars(options), results)}")
    return results


def parse_options(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--incidents", type=int, default=1000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--quick", action="store_true", help="1,000 incidents, 30 requests per page")
    options = parser.parse_args(argv)
    if options.quick:
        options.requests = 30
    return options


if __name__ == "__main__":
    harness.configure()
    run(parse_options())
