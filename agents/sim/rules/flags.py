"""The Astronomy Shop's feature flags: which flagd serves, and what each does to the calls it touches.

flagd reads its config map only at start-up, so an edit takes effect when its pod restarts; a flag then
shapes the edges into one service (``FLAG_EDGES``) and, through ``observability``, that service's load.
"""

from __future__ import annotations

import json

from agents.sim.rules.outcomes import OK_EDGE, EdgeStatus
from agents.sim.state import ClusterState


def enabled_flags_in_config(state: ClusterState) -> set[str]:
    config = state.get("configmaps", state.app.namespace, "flagd-config")
    if config is None:
        return set()
    try:
        flags = json.loads(config.get("data", {}).get("demo.flagd.json", "{}")).get("flags", {})
    except (ValueError, AttributeError):
        return set()
    enabled = set()
    for name, flag in flags.items():
        if not isinstance(flag, dict) or flag.get("state") != "ENABLED":
            continue
        variant = flag.get("variants", {}).get(flag.get("defaultVariant"))
        if variant not in (False, None, 0, "off"):
            enabled.add(name)
    return enabled


def live_flags(state: ClusterState) -> frozenset[str]:
    """The flags flagd serves: those it loaded when it last started (it reads its config at start-up)."""
    for pod in state.pods_of("flagd"):
        run = pod.current_run
        if run is not None and run.finished_at is None:
            return frozenset(run.outcome.flags)
    return frozenset()


FLAG_EDGES: dict[str, tuple[str, float, float, str]] = {
    # flag: (service whose callers see it, error rate, extra latency ms, the error callers log)
    "adFailure": (
        "ad",
        0.1,
        0.0,
        "rpc error: code = Unavailable desc = GetAds failed: adFailure feature flag is enabled",
    ),
    "adHighCpu": ("ad", 0.0, 900.0, ""),
    "adManualGc": ("ad", 0.0, 1600.0, ""),
    "cartFailure": (
        "cart",
        0.5,
        0.0,
        "rpc error: code = FailedPrecondition desc = Can't access cart storage. EmptyCart failed",
    ),
    "paymentFailure": (
        "payment",
        0.5,
        0.0,
        "rpc error: code = Unknown desc = Payment request failed. Invalid token. app.loyalty.level=gold",
    ),
    "productCatalogFailure": (
        "product-catalog",
        0.3,
        0.0,
        "rpc error: code = Internal desc = Error: Product Catalog Fail Feature Flag Enabled",
    ),
    "recommendationCacheFailure": ("recommendation", 0.0, 1200.0, ""),
    "imageSlowLoad": ("frontend", 0.0, 5000.0, ""),
    "loadGeneratorFloodHomepage": (
        "frontend",
        0.05,
        700.0,
        "upstream connect error or disconnect/reset before headers",
    ),
    "kafkaQueueProblems": ("kafka", 0.0, 2500.0, ""),
}


def flag_edge(state: ClusterState, caller: str, callee: str, at: float) -> EdgeStatus:
    if state.app.name != "AstronomyShop":
        return OK_EDGE
    flags = live_flags(state)
    if "paymentUnreachable" in flags and caller == "checkout" and callee == "payment":
        return EdgeStatus(
            ok=False,
            error_rate=1.0,
            kind="connect",
            error=(
                "failed to charge card: could not charge the card: rpc error: code = Unavailable desc = "
                "connection error: "
                'desc = "transport: Error while dialing: dial tcp: lookup badAddress on 10.96.0.10:53: no such host"'
            ),
        )
    for flag in flags:
        target = FLAG_EDGES.get(flag)
        if target is None or target[0] != callee:
            continue
        _, rate, latency, error = target
        return EdgeStatus(ok=rate == 0.0, error_rate=rate, extra_latency_ms=latency, error=error, kind="flag")
    return OK_EDGE
