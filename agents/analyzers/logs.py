"""Logs: error, panic and fatal lines, deduplicated, first occurrence first; database and authentication
errors kept verbatim; the services an error names; addresses on ports their Service does not expose.

Three readings of a service's log that a small model cannot do by itself:
- errors logged before the service's last start-up message, with none after, are start-up noise (a client
  that retried until its database came up);
- an error that names another service of the namespace (``rpc error calling ledger``, ``Failed to connect
  billing-service-client``, ``upstream quotes failed``) is evidence about that service: the callee gets a
  ``callers_fail`` finding;
- ``host:port`` where the host is a Service of the namespace and the port is not one it exposes is a
  connection that cannot work, whatever the log's level.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from agents.analyzers.findings import CRITICAL, NOTICE, WARNING, Finding

_TIMESTAMP = re.compile(
    r"^\s*(\[[^\]]*\d{2}:\d{2}:\d{2}[^\]]*\]|\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})?)\s*"
)
_ERROR = re.compile(
    r"(\b(ERR|ERROR|FATAL|FTL|PNC|CRIT|CRITICAL|SEVERE)\b|<(error|fatal|critical)>|\blevel=(error|fatal)\b"
    r"|\b(panic|fatal|Exception|Traceback|exception)\b|\berror:|\bfailed\b|\bFailed\b)"
)
_PANIC = re.compile(r"\b(panic|PNC|FATAL|FTL|fatal|Traceback)\b")
_AUTH = re.compile(
    r"(not authorized|unauthori[sz]ed|authentication failed|auth(entication)? error|permission denied|"
    r"access denied|SASL|invalid credentials|login failed|UserNotFound|Unauthenticated)",
    re.IGNORECASE,
)
_DATABASE = re.compile(
    r"(mongo|ismaster|createIndexes|no reachable servers|server selection|serverSelection|sql|postgres|mysql|"
    r"redis|memcache|database|\bdb\b)",
    re.IGNORECASE,
)
_STARTED = re.compile(
    r"(\bStarting\b|\bstarted\b|\bStarted\b|\blistening\b|\bListening\b|\bServing\b|ready to accept|"
    r"Successfully connected|server is running)"
)
_NOISE = re.compile(r"^(goroutine \d+|\s+\S+\.go:\d+|main\.|\s*$)")
_TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9.-]*")
_ADDRESS = re.compile(r"([A-Za-z0-9][A-Za-z0-9.-]*):(\d{2,5})\b")
_NUMBER = re.compile(r"\d+")


@dataclass
class _Line:
    text: str
    count: int = 1
    mentions: tuple[str, ...] = ()


@dataclass
class LogReading:
    """What one service's log says, before it becomes findings."""

    errors: list[_Line] = field(default_factory=list)
    startup_errors: list[_Line] = field(default_factory=list)
    addresses: list[tuple[str, str, str]] = field(default_factory=list)  # (service, port, line)
    dependencies: tuple[str, ...] = ()  # every service the log names, at any level: what it talks to


def strip_timestamp(line: str) -> str:
    return _TIMESTAMP.sub("", line, count=1).strip()


def mentions(line: str, services: Sequence[str], *, self_name: str = "") -> tuple[str, ...]:
    """The services of the namespace a line names (``billing-service-client`` names ``billing-service``), in
    order of appearance, the logging service itself left out."""
    named: list[str] = []
    for token in _TOKEN.findall(line):
        token = token.rstrip(".-")
        candidates = [s for s in services if token == s or token.startswith(s + "-")]
        best = max(candidates, key=len, default="")
        if best and best != self_name and best not in named:
            named.append(best)
    return tuple(named)


def log_read(text: str, *, service: str, services: Sequence[str], ports: Mapping[str, set[int]]) -> LogReading:
    """Read one service's log: errors (deduplicated in order), start-up errors, suspicious addresses."""
    reading = LogReading()
    lines = [strip_timestamp(line) for line in text.splitlines() if not _NOISE.match(line)]
    last_start = max((i for i, line in enumerate(lines) if _STARTED.search(line)), default=-1)
    errors_after_start = any(_ERROR.search(line) for line in lines[last_start + 1 :])
    seen: dict[str, _Line] = {}
    named: dict[str, None] = {}
    for index, line in enumerate(lines):
        _addresses(line, service, ports, reading)
        named.update(dict.fromkeys(mentions(line, services, self_name=service)))
        if not _ERROR.search(line):
            continue
        key = _NUMBER.sub("#", line)
        if key in seen:
            seen[key].count += 1
            continue
        entry = _Line(line[:240], 1, mentions(line, services, self_name=service))
        seen[key] = entry
        during_startup = index < last_start and not errors_after_start
        (reading.startup_errors if during_startup else reading.errors).append(entry)
    reading.dependencies = tuple(named)
    return reading


def _addresses(line: str, service: str, ports: Mapping[str, set[int]], reading: LogReading) -> None:
    for host, port in _ADDRESS.findall(line):
        exposed = ports.get(host)
        if host != service and exposed and int(port) not in exposed:
            reading.addresses.append((host, port, line[:240]))


def shared_addresses(readings: Sequence[LogReading], *, at_least: int = 3) -> set[tuple[str, str]]:
    """Addresses (host, port) that ``at_least`` services all use: a convention of the deployment (an agent
    port that the Service object does not list), not one service's misconfiguration."""
    users: dict[tuple[str, str], int] = {}
    for reading in readings:
        for address in {address[:2] for address in reading.addresses}:
            users[address] = users.get(address, 0) + 1
    return {address for address, count in users.items() if count >= at_least}


def logs_findings(reading: LogReading, *, service: str, source: str) -> list[Finding]:
    """The findings of one service's reading: its own errors, and ``callers_fail`` on the services its
    errors name."""
    found: list[Finding] = []
    for host, port, line in {address[:2]: address for address in reading.addresses}.values():
        detail = f"connects to {host}:{port}, a port Service {host} does not expose: {line}"
        found.append(Finding(service, "address_mismatch", detail, source, CRITICAL, related=host))
    for entry in reading.errors:
        related = entry.mentions[0] if entry.mentions else ""
        kind = _kind(entry.text)
        severity = CRITICAL if kind in ("auth_error", "panic") or _PANIC.search(entry.text) else WARNING
        found.append(Finding(service, kind, entry.text, source, severity, entry.count, related=related))
        for callee in entry.mentions:
            detail = f"{service} logs: {entry.text}"
            found.append(Finding(callee, "callers_fail", detail, source, WARNING, entry.count, related=service))
    for dependency in reading.dependencies:
        detail = f"its log names {dependency} (a service it talks to)"
        found.append(Finding(service, "depends_on", detail, source, NOTICE, related=dependency))
    if reading.startup_errors:
        first = reading.startup_errors[0]
        extra = f" (+{len(reading.startup_errors) - 1} more)" if len(reading.startup_errors) > 1 else ""
        detail = f"before it started: {first.text}{extra}"
        found.append(Finding(service, "startup_errors", detail, source, NOTICE))
    return found


def _kind(line: str) -> str:
    """What an error line is about; a panic about an unreachable database is a database error first."""
    if _AUTH.search(line):
        return "auth_error"
    if _DATABASE.search(line):
        return "db_error"
    if _PANIC.search(line):
        return "panic"
    return "log_errors"
