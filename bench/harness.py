"""What every benchmark shares: a dedicated PostgreSQL database, Django set up against it,
percentiles, and the JSON result file.

The benchmark database is dropped and recreated before each benchmark: audit rows cannot be
deleted (triggers), so a fresh database is the only clean slate. Its URL is ``BENCH_DATABASE_URL``,
or the server of ``DATABASE_URL`` (default: the one ``make test`` uses) with the name ``aoi_bench``.
Call ``configure()`` before importing anything that touches Django models."""

import json
import os
import platform
import statistics
import sys
import tempfile
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

DEFAULT_SERVER_URL = "postgres://postgres@127.0.0.1:5432/aoi"
BENCH_DATABASE_NAME = "aoi_bench"
RESULTS_DIR = Path(__file__).resolve().parent / "results"


def bench_database_url() -> str:
    explicit = os.environ.get("BENCH_DATABASE_URL")
    if explicit:
        return explicit
    parts = urlsplit(os.environ.get("DATABASE_URL") or DEFAULT_SERVER_URL)
    if not parts.scheme.startswith("postgres"):
        raise SystemExit("The benchmarks need PostgreSQL: set BENCH_DATABASE_URL or a postgres:// DATABASE_URL.")
    return urlunsplit(parts._replace(path=f"/{BENCH_DATABASE_NAME}"))


def configure() -> str:
    """Point this process (and the servers it starts) at the benchmark database, in embedded mode
    (no Redis: nothing leaves the process), with a private audit checkpoint file. Returns the URL."""
    url = bench_database_url()
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "aoi_platform.settings.base"
    os.environ.pop("REDIS_URL", None)
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    checkpoints = Path(tempfile.gettempdir()) / f"aoi-bench-checkpoints-{os.getpid()}.jsonl"
    checkpoints.unlink(missing_ok=True)
    os.environ["AOI_AUDIT_CHECKPOINT_PATH"] = str(checkpoints)
    import django

    django.setup()
    return url


def recreate_database() -> None:
    """Drop and recreate the benchmark database, then migrate it."""
    import psycopg
    from django.core.management import call_command
    from django.db import connections
    from psycopg import sql

    connections.close_all()
    # DROP ... WITH (FORCE) ends every connection to the database, pooled ones included: close the
    # pool too, so that nothing hands out a dead connection afterwards.
    connections["default"].close_pool()  # type: ignore[attr-defined]  # PostgreSQL backend only
    settings_db = connections["default"].settings_dict
    admin = psycopg.connect(
        dbname="postgres",
        host=settings_db["HOST"] or None,
        port=settings_db["PORT"] or None,
        user=settings_db["USER"] or None,
        password=settings_db["PASSWORD"] or None,
        autocommit=True,
    )
    with admin:
        name = sql.Identifier(settings_db["NAME"])
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))
        admin.execute(sql.SQL("CREATE DATABASE {}").format(name))
    call_command("migrate", verbosity=0, interactive=False)


def percentiles_ms(seconds: Sequence[float]) -> dict[str, float]:
    """p50, p90, p99, mean and max of latencies given in seconds, in milliseconds."""
    if len(seconds) < 2:
        only = seconds[0] * 1000 if seconds else 0.0
        return {"p50": only, "p90": only, "p99": only, "mean": only, "max": only}
    cuts = statistics.quantiles(seconds, n=100, method="inclusive")
    return {
        "p50": round(cuts[49] * 1000, 3),
        "p90": round(cuts[89] * 1000, 3),
        "p99": round(cuts[98] * 1000, 3),
        "mean": round(statistics.fmean(seconds) * 1000, 3),
        "max": round(max(seconds) * 1000, 3),
    }


def environment(*, with_database: bool = True) -> dict[str, Any]:
    found: dict[str, Any] = {"python": sys.version.split()[0], "platform": platform.platform(), "cpus": os.cpu_count()}
    if with_database:
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            found["database"] = f"PostgreSQL {cursor.fetchone()[0]}"
    return found


def write_result(name: str, config: dict[str, Any], results: dict[str, Any], *, with_database: bool = True) -> Path:
    """Write ``bench/results/<name>.json`` and return its path (``with_database``: record the server's version)."""
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / f"{name}.json"
    document = {
        "benchmark": name,
        "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "environment": environment(with_database=with_database),
        "config": config,
        "results": results,
    }
    path.write_text(json.dumps(document, indent=2) + "\n")
    return path
