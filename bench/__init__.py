"""Benchmarks of the platform's hot paths, run by ``make bench`` (``python -m bench.run``).

Each writes ``bench/results/<name>.json``. They run against a dedicated PostgreSQL database that
is dropped and recreated each time (see ``bench.harness``)."""
