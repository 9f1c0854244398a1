"""Benchmark: ``audit_append`` throughput and latency with 1 and with 4 concurrent writers.

Each writer is a thread with its own database connection; each append commits on its own, as a
service's transaction would. Appends are serialised by the chain's lock, so more writers raise
latency, not throughput: the figures show by how much. After each round the chain is verified.

    python -m bench.audit_append [--per-writer 2000] [--writers 1 4]
"""

import argparse
import threading
import time
from typing import Any

from bench import harness


def _writer(index: int, count: int, start: threading.Barrier, latencies: list[float], bar: Any) -> None:
    from django.db import connection

    from trajectories.audit.services import Actor, audit_append

    actor = Actor.agent(f"bench-writer-{index}")
    try:
        start.wait()
        for i in range(count):
            began = time.perf_counter()
            audit_append(
                actor=actor,
                verb="bench.appended",
                object_type="bench",
                object_id=f"{index}-{i}",
                payload={"writer": index, "i": i, "note": "audit append benchmark"},
            )
            latencies.append(time.perf_counter() - began)
            bar.update(1)
    finally:
        connection.close()


def _round(writers: int, per_writer: int) -> dict[str, Any]:
    from tqdm import tqdm

    latencies: list[list[float]] = [[] for _ in range(writers)]
    start = threading.Barrier(writers + 1)
    with tqdm(total=writers * per_writer, desc=f"audit_append x{writers}", unit="event") as bar:
        threads = [
            threading.Thread(target=_writer, args=(i, per_writer, start, latencies[i], bar)) for i in range(writers)
        ]
        for thread in threads:
            thread.start()
        start.wait()
        began = time.perf_counter()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - began
    samples = [s for per_thread in latencies for s in per_thread]
    if len(samples) != writers * per_writer:
        raise SystemExit(f"{writers * per_writer - len(samples)} appends failed; see the errors above")
    return {
        "writers": writers,
        "events": len(samples),
        "seconds": round(elapsed, 3),
        "events_per_second": round(len(samples) / elapsed, 1),
        "latency_ms": harness.percentiles_ms(samples),
    }


def _chain_intact() -> tuple[bool, int]:
    from trajectories.audit.chain import verify_events
    from trajectories.models import AuditEvent

    rows = AuditEvent.objects.order_by("seq").iterator(chunk_size=5000)
    report = verify_events(row.hashed_fields() | {"prev_hash": row.prev_hash, "hash": row.hash} for row in rows)
    return report.ok, report.checked


def run(options: argparse.Namespace) -> dict[str, Any]:
    harness.recreate_database()
    rounds = []
    for writers in options.writers:
        result = _round(writers, options.per_writer)
        intact, checked = _chain_intact()
        if not intact:
            raise SystemExit(f"the audit chain is broken after {writers} concurrent writers")
        result["chain_verified_events"] = checked
        rounds.append(result)
        latency = result["latency_ms"]
        print(
            f"  {writers} writer(s): {result['events_per_second']:.0f} events/s, "
            f"p50 {latency['p50']:.2f} ms, p99 {latency['p99']:.2f} ms, chain intact ({checked} events)"
        )
    config = {"per_writer": options.per_writer, "writers": options.writers, "mode": "threads, one connection each"}
    path = harness.write_result("audit_append", config, {"rounds": rounds})
    print(f"  -> {path}")
    return {"rounds": rounds}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--per-writer", type=int, default=2000, help="appends per writer (default 2000)")
    parser.add_argument("--writers", type=int, nargs="+", default=[1, 4], help="writer counts, one round each")
    parser.add_argument("--quick", action="store_true", help="a short run (200 per writer)")
    return parser


def parse_options(argv: list[str] | None = None) -> argparse.Namespace:
    options = build_parser().parse_args(argv)
    if options.quick:
        options.per_writer = min(options.per_writer, 200)
    return options


def main(argv: list[str] | None = None) -> None:
    options = parse_options(argv)
    harness.configure()
    run(options)


if __name__ == "__main__":
    main()
