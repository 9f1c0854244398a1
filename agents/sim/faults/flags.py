"""Astronomy Shop's feature-flag faults: flagd turns on a flag that makes one service misbehave.

Detection and localization only. The flag is turned on in the ``flagd-config`` ConfigMap when the problem
leaks it (hidden in the state otherwise) and flagd is restarted to read it; the services' symptoms follow
from the flag (``rules``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from agents.sim.apps import ASTRONOMY_SHOP, AppSpec
from agents.sim.faults.base import DETECT_LOCALIZE, Fault, Inject, TargetCheck, restart_pods
from agents.sim.state import ClusterState

# (fault name, flag, the service it breaks)
_FLAGS = (
    ("astronomy_shop_ad_service_failure", "adFailure", "ad"),
    ("astronomy_shop_ad_service_high_cpu", "adHighCpu", "ad"),
    ("astronomy_shop_ad_service_manual_gc", "adManualGc", "ad"),
    ("astronomy_shop_cart_service_failure", "cartFailure", "cart"),
    ("astronomy_shop_image_slow_load", "imageSlowLoad", "frontend"),
    ("astronomy_shop_kafka_queue_problems", "kafkaQueueProblems", "kafka"),
    ("astronomy_shop_loadgenerator_flood_homepage", "loadGeneratorFloodHomepage", "frontend"),
    ("astronomy_shop_payment_service_failure", "paymentFailure", "payment"),
    ("astronomy_shop_payment_service_unreachable", "paymentUnreachable", "checkout"),
    ("astronomy_shop_product_catalog_service_failure", "productCatalogFailure", "product-catalog"),
    ("astronomy_shop_recommendation_service_cache_failure", "recommendationCacheFailure", "recommendation"),
)


def _flag_check(flag: str, default_target: str) -> TargetCheck:
    def check(app: AppSpec, target: str | None, params: Mapping[str, Any]) -> str | None:
        if app.name != ASTRONOMY_SHOP:
            return f"the {flag} feature flag exists only in the Astronomy Shop (flagd)"
        if target not in (None, default_target):
            return f"the {flag} flag breaks {default_target!r}; target {target!r} makes no sense"
        return None

    return check


def _flag_inject(flag: str) -> Inject:
    def inject(state: ClusterState, target: str | None, params: Mapping[str, Any]) -> None:
        if state.leaks:
            config = state.get("configmaps", state.app.namespace, "flagd-config")
            assert config is not None
            document = json.loads(config["data"]["demo.flagd.json"])
            document["flags"][flag]["defaultVariant"] = "on"
            config["data"]["demo.flagd.json"] = json.dumps(document, indent=2)
        else:
            state.hidden_flags.add(flag)
        restart_pods(state, "flagd")

    return inject


FLAG_FAULTS = tuple(
    Fault(
        name,
        f"the {flag} feature flag is turned on",
        DETECT_LOCALIZE,
        None,
        None,
        inject=_flag_inject(flag),
        target_check=_flag_check(flag, service),
    )
    for name, flag, service in _FLAGS
)
