"""Benchmark: Alertmanager ingestion, ``POST /api/v1/alerts/alertmanager/`` with 10-alert v4
payloads (target: p99 under 100 ms).

Through the real HTTP stack: daphne serves the platform on a free loopback port against the
benchmark database, and one keep-alive client (``http.client``) posts deliveries one after the
other with ``Authorization: Bearer``. Most deliveries carry new fingerprints (10 new incidents
each); every ``--repeat-every``-th re-sends an earlier delivery (10 updates). The same mix then
runs in-process through Django's test client, which shows what the server and network add.

    python -m bench.alert_ingest [--requests 1000] [--inprocess-requests 300] [--alerts 10]
"""

import argparse
import http.client
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import harness

PATH = "/api/v1/alerts/alertmanager/"
REPO_ROOT = Path(__file__).resolve().parent.parent
SERVICES = ("frontend", "search", "geo", "rate", "profile", "recommendation", "user", "reservation")


def payload(delivery: int, alerts: int) -> bytes:
    """An Alertmanager v4 delivery of ``alerts`` firing alerts whose fingerprints are unique to
    ``delivery`` (so re-sending the same ``delivery`` repeats them)."""
    starts_at = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    items = []
    for i in range(alerts):
        service = SERVICES[(delivery + i) % len(SERVICES)]
        labels = {
            "alertname": "KubePodCrashLooping",
            "namespace": "test-hotel-reservation",
            "service": service,
            "pod": f"{service}-{delivery:06d}-{i:02d}",
            "severity": "critical" if i % 3 == 0 else "warning",
        }
        items.append(
            {
                "status": "firing",
                "labels": labels,
                "annotations": {"summary": f"{service} is restarting", "runbook_url": "https://runbooks.example/crash"},
                "startsAt": starts_at,
                "endsAt": "0001-01-01T00:00:00Z",
                "generatorURL": "http://prometheus.monitoring:9090/graph",
                "fingerprint": f"{delivery:010x}{i:06x}",
            }
        )
    document = {
        "version": "4",
        "groupKey": f'{{}}:{{alertname="KubePodCrashLooping", batch="{delivery}"}}',
        "truncatedAlerts": 0,
        "status": "firing",
        "receiver": "aoi",
        "groupLabels": {"alertname": "KubePodCrashLooping"},
        "commonLabels": {"alertname": "KubePodCrashLooping", "namespace": "test-hotel-reservation"},
        "commonAnnotations": {},
        "externalURL": "http://alertmanager.monitoring:9093",
        "alerts": items,
    }
    return json.dumps(document).encode()


def deliveries(count: int, *, first: int, repeat_every: int, alerts: int) -> Iterator[tuple[bool, bytes]]:
    """``count`` (is_repeat, body) pairs: new fingerprints, except that every ``repeat_every``-th
    delivery repeats the previous one."""
    for n in range(count):
        index = first + n
        repeat = repeat_every > 0 and n > 0 and n % repeat_every == 0
        yield repeat, payload(index - 1 if repeat else index, alerts)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _start_server(port: int, log_path: Path) -> subprocess.Popen[bytes]:
    """daphne against the benchmark database (``harness.configure`` set this process's env)."""
    with log_path.open("wb") as log:
        server = subprocess.Popen(
            [
                str(Path(sys.executable).parent / "daphne"),
                "-b",
                "127.0.0.1",
                "-p",
                str(port),
                "aoi_platform.asgi:application",
            ],
            cwd=REPO_ROOT,
            env=dict(os.environ),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"daphne exited with {server.returncode}; see {log_path}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return server
        except OSError:
            time.sleep(0.2)
    server.kill()
    raise SystemExit(f"daphne did not listen on port {port} within 60 s; see {log_path}")


def _stop_server(server: subprocess.Popen[bytes]) -> None:
    server.terminate()
    try:
        server.wait(timeout=15)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


def _measure(post: Callable[[bytes], int], bodies: list[tuple[bool, bytes]], desc: str, alerts: int) -> dict[str, Any]:
    from tqdm import tqdm

    latencies: list[float] = []
    by_kind: dict[bool, list[float]] = {False: [], True: []}
    statuses: Counter[int] = Counter()
    began = time.perf_counter()
    for repeat, body in tqdm(bodies, desc=desc, unit="req"):
        sent = time.perf_counter()
        statuses[post(body)] += 1
        latencies.append(time.perf_counter() - sent)
        by_kind[repeat].append(latencies[-1])
    elapsed = time.perf_counter() - began
    if set(statuses) != {200}:
        raise SystemExit(f"{desc}: expected only 200 answers, got {dict(statuses)}")
    return {
        "requests": len(bodies),
        "seconds": round(elapsed, 3),
        "requests_per_second": round(len(bodies) / elapsed, 1),
        "alerts_per_second": round(len(bodies) * alerts / elapsed, 1),
        "latency_ms": harness.percentiles_ms(latencies),
        "new_fingerprints_latency_ms": harness.percentiles_ms(by_kind[False]),
        "repeated_fingerprints_latency_ms": harness.percentiles_ms(by_kind[True]),
    }


def _over_http(
    port: int, token: str, bodies: list[tuple[bool, bytes]], warmup: list[tuple[bool, bytes]], alerts: int
) -> dict[str, Any]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    def post(body: bytes) -> int:
        connection.request("POST", PATH, body=body, headers=headers)
        response = connection.getresponse()
        answer = response.read()
        if response.status == 200:
            json.loads(answer)
        return response.status

    try:
        for _, body in warmup:
            post(body)
        return _measure(post, bodies, "HTTP (daphne)", alerts)
    finally:
        connection.close()


def _in_process(token: str, bodies: list[tuple[bool, bytes]], alerts: int) -> dict[str, Any]:
    from django.test import Client

    client = Client()

    def post(body: bytes) -> int:
        response = client.post(PATH, data=body, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}")
        if response.status_code == 200:
            response.json()
        return response.status_code

    return _measure(post, bodies, "in-process (test client)", alerts)


def _integration_token() -> str:
    from incidents.services.integrations import alert_integration_create
    from incidents.services.teams import team_create
    from trajectories.audit.services import Actor

    actor = Actor.system("benchmark")
    team = team_create(name="Bench SRE", slug="bench-sre", actor=actor)
    _, token = alert_integration_create(team=team, name="bench-alertmanager", actor=actor)
    return token


def run(options: argparse.Namespace) -> dict[str, Any]:
    from incidents.models import Incident

    harness.recreate_database()
    token = _integration_token()
    shape = {"repeat_every": options.repeat_every, "alerts": options.alerts}
    warmup = list(deliveries(options.warmup, first=1, **shape))
    http_bodies = list(deliveries(options.requests, first=1_000_000, **shape))
    local_bodies = list(deliveries(options.inprocess_requests, first=2_000_000, **shape))
    port = _free_port()
    log_path = Path(tempfile.gettempdir()) / f"aoi-bench-daphne-{port}.log"
    server = _start_server(port, log_path)
    try:
        over_http = _over_http(port, token, http_bodies, warmup, options.alerts)
    finally:
        _stop_server(server)
    in_process = _in_process(token, local_bodies, options.alerts)
    results = {"http": over_http, "in_process": in_process, "incidents_created": Incident.objects.count()}
    results["within_target"] = over_http["latency_ms"]["p99"] < 100
    for label, figures in (("HTTP (daphne)", over_http), ("in-process", in_process)):
        latency, new, repeated = (
            figures["latency_ms"],
            figures["new_fingerprints_latency_ms"],
            figures["repeated_fingerprints_latency_ms"],
        )
        print(
            f"  {label}: {figures['requests_per_second']:.1f} req/s ({figures['alerts_per_second']:.0f} alerts/s), "
            f"p50 {latency['p50']:.1f} ms, p99 {latency['p99']:.1f} ms "
            f"(new fingerprints p50 {new['p50']:.1f} / p99 {new['p99']:.1f} ms; "
            f"repeats p50 {repeated['p50']:.1f} / p99 {repeated['p99']:.1f} ms)"
        )
    print(f"  -> {harness.write_result('alert_ingest', vars(options), results)}")
    return results


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=1000, help="deliveries over HTTP (default 1000)")
    parser.add_argument("--inprocess-requests", type=int, default=300, help="deliveries through the test client")
    parser.add_argument("--alerts", type=int, default=10, help="alerts per delivery (default 10)")
    parser.add_argument("--repeat-every", type=int, default=5, help="every Nth delivery repeats the previous one")
    parser.add_argument("--warmup", type=int, default=20, help="untimed deliveries first")
    parser.add_argument("--quick", action="store_true", help="a short run (100 + 50 deliveries)")
    return parser


def parse_options(argv: list[str] | None = None) -> argparse.Namespace:
    options = build_parser().parse_args(argv)
    if options.quick:
        options.requests, options.inprocess_requests = min(options.requests, 100), min(options.inprocess_requests, 50)
    return options


def main(argv: list[str] | None = None) -> None:
    options = parse_options(argv)
    harness.configure()
    run(options)


if __name__ == "__main__":
    main()
