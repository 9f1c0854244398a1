"""Benchmark: the incident live stream, publish-to-client latency through channels-redis with 50
subscribed WebSocket clients.

The platform's own path end to end. daphne serves the platform on a free loopback port with
``REDIS_URL`` set, so its channel layer is channels-redis on the Redis of ``BENCH_REDIS_URL`` (default
``redis://127.0.0.1:6379/12``). ``--clients`` viewers of one incident, each signed in with a Django
session of their own, subscribe to ``/ws/incidents/<uuid>/`` from one asyncio process (autobahn, which
daphne brings), apart from this one. This process appends events with ``incident_event_append``, one
transaction each, at ``--rate`` per second; each is published on commit through channels-redis, as the
platform does. An event's payload carries ``t_publish``, the wall clock read just before its transaction
(whose only statement is the insert, then commit and publish); a client reads the wall clock as each
frame arrives, before decoding it.

Latency: arrival - ``t_publish``, one sample per client and event, warm-up events left out. Also shown:
the same from the start of the commit, until the last client had the event (fan-out complete), and the
publisher's own time (insert, commit, ``group_send``). Every client must get every event, warm-up
included, exactly once and in ``seq`` order; anything else fails the run.

    python -m bench.streaming [--clients 50] [--events 300] [--rate 20] [--warmup 10] [--results FILE]
"""

import argparse
import asyncio
import json
import os
import select
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from bench import harness
from tests.servers import free_port

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/12"
EVENT_TYPE = "bench.streaming"
CONNECT_TIMEOUT = 60.0
DRAIN_TIMEOUT = 15.0  # after the last publish: how long the clients may take to receive everything
CLOSE_TIMEOUT = 5.0


# The subscribers: one asyncio process of their own, so that they and the publisher share no GIL.
# Its stdout carries the answers: nothing else may print there.


def _subscriber_class() -> type[Any]:
    """The client protocol. autobahn is imported here, in the clients' process only: Django's setup
    imports daphne, which sets autobahn's txaio to Twisted, and a process can have one framework."""
    from autobahn.asyncio.websocket import WebSocketClientProtocol

    class Subscriber(WebSocketClientProtocol):
        """One viewer's stream: the hello's ``last_seq``, then (seq, arrival wall clock) per event."""

        def __init__(self) -> None:
            super().__init__()
            self.hello: asyncio.Future[int] = asyncio.get_running_loop().create_future()
            self.arrivals: list[tuple[int, float]] = []
            self.other_messages: list[Any] = []
            self.close_code: int | None = None

        def onMessage(self, payload: bytes, isBinary: bool) -> None:
            arrived = time.time()
            message = json.loads(payload)
            if message.get("type") == "event":
                self.arrivals.append((message["event"]["seq"], arrived))
            elif message.get("type") == "hello" and not self.hello.done():
                self.hello.set_result(message["last_seq"])
            else:
                self.other_messages.append(message)

        def onClose(self, wasClean: bool, code: int | None, reason: str | None) -> None:
            self.close_code = code if code is not None else -1
            if not self.hello.done():
                self.hello.set_exception(ConnectionError(f"closed before its hello: {code} {reason}"))

        def has(self, seq: int) -> bool:
            return bool(self.arrivals) and self.arrivals[-1][0] >= seq

    return Subscriber


async def _subscribe(protocol: type[Any], port: int, path: str, cookie: str) -> Any:
    """A connected viewer, its hello received; the Origin is the server's own, as a browser's would be."""
    from autobahn.asyncio.websocket import WebSocketClientFactory

    origin = f"http://127.0.0.1:{port}"
    factory = WebSocketClientFactory(f"ws://127.0.0.1:{port}{path}", origin=origin, headers={"Cookie": cookie})
    factory.protocol = protocol
    _, subscriber = await asyncio.get_running_loop().create_connection(factory, "127.0.0.1", port)
    await asyncio.wait_for(subscriber.hello, CONNECT_TIMEOUT)
    return subscriber


async def _wait_until(condition: Any, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not condition() and time.monotonic() < deadline:
        await asyncio.sleep(0.05)


def _say(message: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


async def _watch(spec: dict[str, Any]) -> None:
    """Subscribe everyone, say so, and once told the last seq, wait for it and tell what arrived."""
    protocol = _subscriber_class()
    subscribers = await asyncio.gather(*(_subscribe(protocol, spec["port"], spec["path"], c) for c in spec["cookies"]))
    _say({"kind": "ready", "hellos": [s.hello.result() for s in subscribers]})
    last_seq = json.loads(await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline))
    await _wait_until(lambda: all(s.has(last_seq) or s.close_code for s in subscribers), DRAIN_TIMEOUT)
    _say(
        {
            "kind": "arrivals",
            "arrivals": [s.arrivals for s in subscribers],
            "closes": [s.close_code for s in subscribers],
            "others": [s.other_messages for s in subscribers],
        }
    )
    for subscriber in subscribers:
        if subscriber.close_code is None:
            subscriber.sendClose(1000)
    await _wait_until(lambda: all(s.close_code for s in subscribers), CLOSE_TIMEOUT)


def subscribers_main() -> None:
    """The subscribers' process: the spec on its first stdin line, then JSON lines both ways (see
    ``_watch``). A failure goes back as ``{"kind": "error"}``."""
    try:
        asyncio.run(_watch(json.loads(sys.stdin.readline())))
    except Exception as error:
        _say({"kind": "error", "error": f"{type(error).__name__}: {error}"})


@contextmanager
def _subscribers(spec: dict[str, Any]) -> Iterator[subprocess.Popen[bytes]]:
    """The subscribers' process (no Django in it), given ``spec``; stopped by its pid after."""
    process = subprocess.Popen(
        [sys.executable, "-c", "from bench.streaming import subscribers_main; subscribers_main()"],
        cwd=REPO_ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )
    try:
        _tell(process, spec)  # on stdin, not argv: the session cookies are secrets
        yield process
    finally:
        if process.stdin:
            process.stdin.close()  # a process still waiting for the last seq reads EOF and ends
        try:
            process.wait(timeout=CLOSE_TIMEOUT + 5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stdout:
            process.stdout.close()


def _tell(process: subprocess.Popen[bytes], message: Any) -> None:
    assert process.stdin is not None
    process.stdin.write(json.dumps(message).encode() + b"\n")
    process.stdin.flush()


def _expect(process: subprocess.Popen[bytes], kind: str, timeout: float) -> dict[str, Any]:
    """The subscribers' next message, which must be of ``kind``."""
    assert process.stdout is not None
    ready, _, _ = select.select([process.stdout], [], [], timeout)
    if not ready:
        raise SystemExit(f"the clients sent no {kind!r} within {timeout:.0f} s")
    line = process.stdout.readline()
    if not line:
        raise SystemExit(f"the clients' process ended (exit status {process.wait()}) before its {kind!r}")
    message: dict[str, Any] = json.loads(line)
    if message["kind"] != kind:
        raise SystemExit(f"the clients failed: {message.get('error', message)}")
    return message


# The server and the publisher: this process.


@contextmanager
def _daphne(env: dict[str, str], log_path: Path) -> Iterator[int]:
    """daphne serving the platform on a free loopback port with ``env``; stopped by its pid after."""
    port = free_port()
    with log_path.open("wb") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), "aoi_platform.asgi:application"],
            cwd=REPO_ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait_until_serving(server, f"http://127.0.0.1:{port}/accounts/login/", log_path)
        yield port
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def _wait_until_serving(server: subprocess.Popen[bytes], url: str, log_path: Path) -> None:
    deadline = time.monotonic() + 60
    while True:
        if server.poll() is not None:
            raise SystemExit(f"daphne exited with {server.returncode}; see {log_path}")
        try:
            with urllib.request.urlopen(url, timeout=5):  # noqa: S310 (loopback URL we built)
                return
        except OSError:
            if time.monotonic() > deadline:
                raise SystemExit(f"daphne did not answer within 60 s; see {log_path}") from None
            time.sleep(0.2)


def _redis_url() -> str:
    import redis

    url = os.environ.get("BENCH_REDIS_URL") or DEFAULT_REDIS_URL
    try:
        redis.Redis.from_url(url, socket_connect_timeout=5).ping()
    except redis.RedisError as error:
        raise SystemExit(f"The streaming benchmark needs Redis at BENCH_REDIS_URL ({url}): {error}") from None
    return url


def _audience(clients: int) -> tuple[Any, list[str]]:
    """An incident of a new team with ``clients`` viewers, and a session cookie for each viewer."""
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.test import Client

    from incidents.services.incidents import incident_create
    from incidents.services.teams import team_add_member, team_create
    from trajectories.audit.services import Actor

    actor = Actor.system("benchmark")
    team = team_create(name="Bench SRE", slug="bench-sre", actor=actor)
    incident = incident_create(team=team, title="checkout latency above SLO", actor=actor, namespace="shop")
    cookies = []
    for n in range(clients):
        viewer = get_user_model().objects.create_user(username=f"bench-viewer-{n:03d}")  # no password: no hashing
        team_add_member(team=team, user=viewer, role="viewers")
        browser = Client()
        browser.force_login(viewer)
        cookies.append(f"{settings.SESSION_COOKIE_NAME}={browser.cookies[settings.SESSION_COOKIE_NAME].value}")
    return incident, cookies


@dataclass(frozen=True)
class _Published:
    seq: int
    measured: bool
    stamped: float  # t_publish, in the payload: before the transaction
    committing: float  # the insert done, the commit (and with it the publish) starting
    returned: float  # commit and publish returned


def _append(incident: Any, n: int, measured: bool) -> _Published:
    from django.db import transaction

    from incidents.services.incidents import incident_event_append

    stamped = time.time()
    with transaction.atomic():
        payload = {"t_publish": stamped, "n": n, "measured": measured}
        event = incident_event_append(incident=incident, type=EVENT_TYPE, payload=payload)
        committing = time.time()
    return _Published(event.seq, measured, stamped, committing, time.time())


def _publish_all(incident: Any, options: argparse.Namespace, redis_url: str) -> list[_Published]:
    """Warm-up then measured events, paced at ``options.rate``, published through channels-redis."""
    from channels.layers import get_channel_layer
    from django.test import override_settings
    from tqdm import tqdm

    # The layer aoi_platform.settings.base configures when REDIS_URL is set: the server's, prefix included.
    layers = {"default": {"BACKEND": "channels_redis.core.RedisChannelLayer", "CONFIG": {"hosts": [redis_url]}}}
    published = []
    with override_settings(CHANNEL_LAYERS=layers):
        if type(get_channel_layer()).__name__ != "RedisChannelLayer":
            raise SystemExit("the publisher's channel layer is not channels-redis")
        total = options.warmup + options.events
        began = time.monotonic()
        for n in tqdm(range(total), desc=f"publishing to {options.clients} clients", unit="event"):
            delay = began + n / options.rate - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            published.append(_append(incident, n, measured=n >= options.warmup))
    return published


# The figures.


def _delivery(expected: list[int], hellos: list[int], arrivals: list[list[tuple[int, float]]]) -> dict[str, int]:
    wanted, received = set(expected), [[seq for seq, _ in client] for client in arrivals]
    return {
        "expected": len(expected) * len(received),
        "delivered": sum(len(wanted & set(seqs)) for seqs in received),
        "missing": sum(len(wanted - set(seqs)) for seqs in received),
        "duplicates": sum(len(seqs) - len(set(seqs)) for seqs in received),
        "unexpected": sum(len(set(seqs) - wanted) for seqs in received),
        "out_of_order": sum(sum(b < a for a, b in pairwise(seqs)) for seqs in received),
        "clients_exact": sum(seqs == expected for seqs in received),
        "clients_hello_mismatch": sum(hello != expected[0] - 1 for hello in hellos),
    }


def _latencies(published: list[_Published], arrivals: list[list[tuple[int, float]]]) -> dict[str, Any]:
    firsts = []
    for client in arrivals:
        first: dict[int, float] = {}
        for seq, arrived in client:
            first.setdefault(seq, arrived)
        firsts.append(first)
    from_stamp, from_commit, fan_out = [], [], []
    measured = [p for p in published if p.measured]
    for event in measured:
        times = [first[event.seq] for first in firsts if event.seq in first]
        from_stamp += [t - event.stamped for t in times]
        from_commit += [t - event.committing for t in times]
        if times and len(times) == len(firsts):
            fan_out.append(max(times) - event.stamped)
    span = measured[-1].stamped - measured[0].stamped if len(measured) > 1 else 0.0
    return {
        "latency_ms": harness.percentiles_ms(from_stamp),
        "latency_from_commit_ms": harness.percentiles_ms(from_commit),
        "all_clients_latency_ms": harness.percentiles_ms(fan_out),
        "publisher_ms": harness.percentiles_ms([p.returned - p.stamped for p in measured]),
        "samples": len(from_stamp),
        "achieved_rate_per_s": round((len(measured) - 1) / span, 2) if span else None,
    }


def _report(results: dict[str, Any]) -> None:
    latency, fan_out, publisher = results["latency_ms"], results["all_clients_latency_ms"], results["publisher_ms"]
    delivery = results["delivery"]
    print(
        f"  {results['clients']} clients x {results['events']} events "
        f"({results['achieved_rate_per_s']} events/s, after {results['warmup_events']} warm-up): "
        f"publish->client p50 {latency['p50']:.2f} ms, p90 {latency['p90']:.2f} ms, p99 {latency['p99']:.2f} ms, "
        f"max {latency['max']:.2f} ms"
    )
    print(
        f"  all clients reached: p50 {fan_out['p50']:.2f} / p99 {fan_out['p99']:.2f} ms; "
        f"publisher (insert+commit+group_send): p50 {publisher['p50']:.2f} / p99 {publisher['p99']:.2f} ms"
    )
    print(
        f"  delivered {delivery['delivered']}/{delivery['expected']} (missing {delivery['missing']}, "
        f"duplicates {delivery['duplicates']}, out of order {delivery['out_of_order']}, "
        f"closed early {delivery['closed_early']}, other messages {delivery['other_messages']})"
    )


def _config(options: argparse.Namespace, redis_url: str) -> dict[str, Any]:
    parts = urlsplit(redis_url)
    return {
        **vars(options),
        "results": str(options.results) if options.results else None,
        "redis": f"{parts.scheme}://{parts.hostname}:{parts.port or 6379}{parts.path}",  # no credentials
        "channel_layer": "channels_redis.core.RedisChannelLayer",
    }


def run(options: argparse.Namespace) -> dict[str, Any]:
    redis_url = _redis_url()
    harness.recreate_database()
    incident, cookies = _audience(options.clients)
    log_path = Path(tempfile.gettempdir()) / f"aoi-bench-streaming-daphne-{os.getpid()}.log"
    with _daphne({**os.environ, "REDIS_URL": redis_url}, log_path) as port:
        spec = {"port": port, "path": f"/ws/incidents/{incident.uuid}/", "cookies": cookies}
        with _subscribers(spec) as clients:
            hellos = _expect(clients, "ready", CONNECT_TIMEOUT + 30)["hellos"]
            published = _publish_all(incident, options, redis_url)
            _tell(clients, published[-1].seq)
            answer = _expect(clients, "arrivals", DRAIN_TIMEOUT + 30)
    arrivals, closes, others = answer["arrivals"], answer["closes"], answer["others"]
    delivery = _delivery([p.seq for p in published], hellos, arrivals)
    delivery["closed_early"] = sum(code is not None for code in closes)
    delivery["other_messages"] = sum(len(messages) for messages in others)
    complete = delivery["clients_exact"] == options.clients and not (
        delivery["clients_hello_mismatch"] or delivery["closed_early"] or delivery["other_messages"]
    )
    results = {
        "clients": options.clients,
        "events": options.events,
        "warmup_events": options.warmup,
        **_latencies(published, arrivals),
        "delivery": delivery,
        "complete": complete,
    }
    _report(results)
    path = harness.write_result("streaming", _config(options, redis_url), results)
    if options.results:
        options.results.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, options.results)
    print(f"  -> {path}" + (f" (and {options.results})" if options.results else ""))
    if not complete:
        raise SystemExit("streaming: not every client got every event exactly once and in order")
    return results


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=50, help="subscribed WebSocket clients (default 50)")
    parser.add_argument("--events", type=int, default=300, help="measured events (default 300)")
    parser.add_argument("--rate", type=float, default=20.0, help="events published per second (default 20)")
    parser.add_argument("--warmup", type=int, default=10, help="events published first, checked but not timed")
    parser.add_argument("--results", type=Path, help="also copy the JSON result here (always: bench/results/)")
    parser.add_argument("--quick", action="store_true", help="a short run (60 events)")
    return parser


def parse_options(argv: list[str] | None = None) -> argparse.Namespace:
    options = build_parser().parse_args(argv)
    if options.quick:
        options.events = min(options.events, 60)
    if options.clients < 1 or options.events < 2 or options.rate <= 0 or options.warmup < 0:
        build_parser().error("need --clients >= 1, --events >= 2, --rate > 0 and --warmup >= 0")
    return options


def main(argv: list[str] | None = None) -> None:
    options = parse_options(argv)
    harness.configure()
    run(options)


if __name__ == "__main__":
    main()
