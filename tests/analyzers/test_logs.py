"""Logs: error, panic and fatal lines deduplicated, first occurrence first; database and authentication
errors verbatim; the services an error names; addresses on ports their Service does not expose."""

from __future__ import annotations

import pytest

from agents.analyzers.findings import CRITICAL, NOTICE, WARNING, Finding, significant
from agents.analyzers.logs import LogReading, log_read, logs_findings, mentions, shared_addresses, strip_timestamp

SERVICES = ("gateway", "ledger", "ledger-db", "notifier")
PORTS = {"gateway": {80}, "ledger": {443}, "ledger-db": {5432}, "notifier": {9000}}
SOURCE = "get_logs books ledger"

LEDGER_LOG = """\
2026-03-02T14:10:00.120Z INFO  ledger.app: starting ledger 1.8.4
2026-03-02T14:10:00.340Z INFO  ledger.app: Listening on 0.0.0.0:8443
2026-03-02T14:28:11.002Z ERROR ledger.repo: connection to server at "ledger-db" (10.96.4.12), port 5432 failed: \
FATAL:  password authentication failed for user "ledger"
2026-03-02T14:28:12.517Z ERROR ledger.api: POST /v1/entries 500 after 1503 ms
2026-03-02T14:28:13.004Z ERROR ledger.repo: connection to server at "ledger-db" (10.96.4.12), port 5432 failed: \
FATAL:  password authentication failed for user "ledger"
2026-03-02T14:28:14.521Z ERROR ledger.api: POST /v1/entries 500 after 1488 ms
2026-03-02T14:28:20.000Z ERROR ledger.repo: could not serialize access due to concurrent update (SQLSTATE 40001)
2026-03-02T14:28:21.000Z INFO  ledger.api: GET /healthz 200 after 2 ms
"""
AUTH_LINE = (
    'ERROR ledger.repo: connection to server at "ledger-db" (10.96.4.12), port 5432 failed: '
    'FATAL:  password authentication failed for user "ledger"'
)


def _findings(text: str, service: str = "ledger") -> list[Finding]:
    reading = log_read(text, service=service, services=SERVICES, ports=PORTS)
    return logs_findings(reading, service=service, source=f"get_logs books {service}")


def test_errors_are_deduplicated_first_occurrence_first_with_counts():
    found = [f for f in _findings(LEDGER_LOG) if f.service == "ledger" and f.signal != "depends_on"]

    assert [(f.signal, f.detail, f.count) for f in found] == [
        ("auth_error", AUTH_LINE, 2),
        ("log_errors", "ERROR ledger.api: POST /v1/entries 500 after 1503 ms", 2),
        ("db_error", "ERROR ledger.repo: could not serialize access due to concurrent update (SQLSTATE 40001)", 1),
    ]


def test_an_authentication_failure_is_critical_verbatim_and_names_the_database():
    found = _findings(LEDGER_LOG)

    assert found[0] == Finding("ledger", "auth_error", AUTH_LINE, SOURCE, CRITICAL, 2, related="ledger-db")


def test_the_service_an_error_names_gets_a_callers_fail_finding():
    found = _findings(LEDGER_LOG)

    assert [f for f in found if f.signal == "callers_fail"] == [
        Finding("ledger-db", "callers_fail", f"ledger logs: {AUTH_LINE}", SOURCE, WARNING, 2, related="ledger")
    ]
    assert [f for f in found if f.signal == "depends_on"] == [
        Finding(
            "ledger", "depends_on", "its log names ledger-db (a service it talks to)", SOURCE, NOTICE, 1, "ledger-db"
        )
    ]


def test_a_database_error_is_kept_verbatim():
    log = (
        "2026-03-02T14:29:30Z ERR cmd/ledger/store.go:57 > pq: duplicate key value violates unique constraint "
        '"entries_pkey" (SQLSTATE 23505)\n'
    )

    found = _findings(log)

    assert [(f.signal, f.detail, f.severity) for f in found] == [
        (
            "db_error",
            'ERR cmd/ledger/store.go:57 > pq: duplicate key value violates unique constraint "entries_pkey" '
            "(SQLSTATE 23505)",
            WARNING,
        )
    ]


def test_a_go_panic_is_critical_and_its_goroutine_dump_is_dropped():
    log = """\
2026-03-02T14:20:01Z INF cmd/gateway/main.go:40 > Starting server at port 8080
2026-03-02T14:28:41Z ERR cmd/gateway/handler.go:112 > upstream ledger failed: rpc error: code = Unavailable
panic: runtime error: invalid memory address or nil pointer dereference
[signal SIGSEGV: segmentation violation code=0x1 addr=0x18 pc=0x9d4f3a]

goroutine 42 [running]:
main.(*Handler).ServeHTTP(0x0, {0xb7c4e0, 0xc0001a2000})
	/src/cmd/gateway/handler.go:131 +0x3a
"""

    found = significant(_findings(log, service="gateway"))

    assert [(f.service, f.signal, f.severity, f.related) for f in found] == [
        ("gateway", "log_errors", WARNING, "ledger"),
        ("ledger", "callers_fail", WARNING, "gateway"),
        ("gateway", "panic", CRITICAL, ""),
    ]
    assert found[2].detail == "panic: runtime error: invalid memory address or nil pointer dereference"


def test_a_fatal_line_about_an_unreachable_database_is_a_critical_database_error():
    log = "2026-03-02T14:21:45Z FTL cmd/ledger/db.go:26 > no reachable servers\n"

    assert [(f.signal, f.severity) for f in _findings(log)] == [("db_error", CRITICAL)]


@pytest.mark.xfail(
    strict=True,
    reason="a Python traceback keeps only its 'Traceback (most recent call last):' line: the exception line "
    "(`psycopg.errors.UndefinedTable: ...`) matches no error pattern (`error:` is matched lower-case only)",
)
def test_a_python_tracebacks_exception_line_is_kept():
    log = """\
2026-03-02T14:29:00Z INFO ledger.worker: posting batch 7
Traceback (most recent call last):
  File "/app/ledger/worker.py", line 88, in run
    post(entry)
psycopg.errors.UndefinedTable: relation "journal_entries" does not exist
"""

    details = [f.detail for f in _findings(log)]

    assert 'psycopg.errors.UndefinedTable: relation "journal_entries" does not exist' in details


def test_errors_before_the_last_start_up_with_none_after_are_start_up_noise():
    log = """\
2026-03-02T14:00:01Z INFO ledger.app: starting ledger 1.8.4
2026-03-02T14:00:02Z ERROR ledger.repo: connection to server at "ledger-db" (10.96.4.12), port 5432 failed: refused
2026-03-02T14:00:04Z ERROR ledger.repo: connection to server at "ledger-db" (10.96.4.12), port 5432 failed: refused
2026-03-02T14:00:06Z ERROR ledger.app: migrations failed: the database system is starting up
2026-03-02T14:00:09Z INFO ledger.app: Listening on 0.0.0.0:8443
2026-03-02T14:05:09Z INFO ledger.api: GET /v1/entries 200 after 12 ms
"""

    found = _findings(log)

    assert significant(found) == []
    assert [(f.signal, f.detail) for f in found if f.signal == "startup_errors"] == [
        (
            "startup_errors",
            'before it started: ERROR ledger.repo: connection to server at "ledger-db" (10.96.4.12), port 5432 '
            "failed: refused (+1 more)",
        )
    ]


def test_errors_on_both_sides_of_the_start_up_are_all_errors():
    log = """\
2026-03-02T14:00:02Z ERROR ledger.app: migrations failed: lock timeout
2026-03-02T14:00:09Z INFO ledger.app: Listening on 0.0.0.0:8443
2026-03-02T14:05:09Z ERROR ledger.api: POST /v1/entries 500 after 3001 ms
"""

    found = _findings(log)

    assert [f.signal for f in found] == ["log_errors", "log_errors"]


def test_an_address_on_a_port_its_service_does_not_expose_is_critical_at_any_level():
    log = "2026-03-02T14:00:01Z INFO ledger.app: Read database URL: ledger-db:5433\n"

    found = _findings(log)

    assert found[0] == Finding(
        "ledger",
        "address_mismatch",
        "connects to ledger-db:5433, a port Service ledger-db does not expose: "
        "INFO ledger.app: Read database URL: ledger-db:5433",
        SOURCE,
        CRITICAL,
        related="ledger-db",
    )


def test_an_address_every_service_uses_is_a_convention_not_a_misconfiguration():
    line = "2026-03-02T14:00:01Z INFO {0}: exporting spans to otel-agent:4317\n"
    ports = {**PORTS, "otel-agent": {4318}}
    readings = [
        log_read(line.format(name), service=name, services=(*SERVICES, "otel-agent"), ports=ports)
        for name in ("gateway", "ledger", "notifier")
    ]
    lone = log_read(
        "2026-03-02T14:00:01Z INFO ledger: Read database URL: ledger-db:5433\n",
        service="ledger",
        services=SERVICES,
        ports=PORTS,
    )

    assert shared_addresses([*readings, lone]) == {("otel-agent", "4317")}


def test_a_healthy_log_gives_nothing_significant():
    log = """\
[2026-Mar-02 14:00:01.120331] <info>: (NotifierServer.cpp:51:main) Starting the notifier server ...
[2026-Mar-02 14:00:01.320331] <info>: (NotifierServer.cpp:88:main) Listening on port 9000
[2026-Mar-02 14:12:44.003210] <info>: (Mailer.cpp:120:Send) Delivered statement 8812 to smtp relay
"""

    assert _findings(log, service="notifier") == []


def test_mentions_name_the_longest_service_a_token_starts_with_and_never_the_logger_itself():
    line = "ERROR ledger: Failed to connect ledger-db-client; then gateway retried (notifier-7d9c8f6b5-q2x8m)"

    assert mentions(line, SERVICES, self_name="ledger") == ("ledger-db", "gateway", "notifier")
    assert mentions("ledgerly geometry gateways", SERVICES) == ()


@pytest.mark.parametrize(
    ("line", "stripped"),
    [
        ("2026-03-02T14:28:11.002Z ERROR boom", "ERROR boom"),
        ("2026-03-02 14:28:11.002 ERROR boom", "ERROR boom"),
        ("2026-03-02T14:28:11+01:00 ERR boom", "ERR boom"),
        ("[2026-Mar-02 14:00:01.120331] <error>: boom", "<error>: boom"),
        ("no timestamp here", "no timestamp here"),
    ],
)
def test_strip_timestamp(line, stripped):
    assert strip_timestamp(line) == stripped


def test_an_empty_reading_gives_no_findings():
    assert logs_findings(LogReading(), service="ledger", source=SOURCE) == []
