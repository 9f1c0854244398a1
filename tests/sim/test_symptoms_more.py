"""Chaos experiments and Astronomy Shop flags: each leaves its mark where AIOpsLab's does, and only there."""

import csv
import io

import pytest

from agents.sim.episode import Episode, episode_start
from agents.sim.problems import problem_get

HR = "test-hotel-reservation"
AS = "astronomy-shop"


def metric(episode: Episode, namespace: str, kpi: str, pod_prefix: str) -> list[float]:
    env = episode.environment(read_only=True)
    folder = env.get_metrics(namespace, 10).splitlines()[0].split(": ", 1)[1]
    rows = csv.DictReader(io.StringIO(env.read_metrics(f"{folder}/{kpi}.csv")))
    return [float(row["value"]) for row in rows if row["cmdb_id"].startswith(pod_prefix)]


def trace_spans(episode: Episode, namespace: str, service: str) -> list[dict[str, str]]:
    env = episode.environment(read_only=True)
    path = env.get_traces(namespace, 5).split("exported to: ", 1)[1].split(" ", 1)[0]
    return [row for row in csv.DictReader(io.StringIO(env.read_traces(path))) if row["service_name"] == service]


def restarts_of(episode: Episode, owner: str) -> int:
    return sum(pod.restarts for pod in episode.state.pods_of(owner))


def logs(episode: Episode, namespace: str, service: str) -> str:
    return str(episode.environment(read_only=True).get_logs(namespace, service))


EVIDENCE = [
    ("container_kill-detection", HR, lambda ep: restarts_of(ep, "geo") >= 1),
    ("pod_kill_hotel_res-detection-1", HR, lambda ep: all(pod.created_at >= 0 for pod in ep.state.pods_of("user"))),
    (
        "network_delay_hotel_res-detection-1",
        HR,
        lambda ep: "slow response from user: 10.0s" in logs(ep, HR, "frontend"),
    ),
    ("network_loss_hotel_res-detection-1", HR, lambda ep: "DeadlineExceeded" in logs(ep, HR, "frontend")),
    ("astronomy_shop_ad_service_failure-detection-1", AS, lambda ep: "GetAds failed" in logs(ep, AS, "frontend")),
    (
        "astronomy_shop_ad_service_high_cpu-detection-1",
        AS,
        lambda ep: (
            max(metric(ep, AS, "container_cpu_usage_seconds_total", "ad-"))
            > 1.5 * max(metric(ep, AS, "container_cpu_usage_seconds_total", "cart-"))
        ),
    ),
    (
        "astronomy_shop_ad_service_manual_gc-detection-1",
        AS,
        lambda ep: "slow response from ad" in logs(ep, AS, "frontend"),
    ),
    ("astronomy_shop_cart_service_failure-detection-1", AS, lambda ep: "EmptyCart failed" in logs(ep, AS, "checkout")),
    ("astronomy_shop_image_slow_load-detection-1", AS, lambda ep: "completed in 5.04s" in logs(ep, AS, "frontend")),
    (
        "astronomy_shop_kafka_queue_problems-detection-1",
        AS,
        lambda ep: "slow response from kafka" in logs(ep, AS, "checkout"),
    ),
    ("astronomy_shop_loadgenerator_flood_homepage-detection-1", AS, lambda ep: "GET / 503" in logs(ep, AS, "frontend")),
    (
        "astronomy_shop_payment_service_failure-detection-1",
        AS,
        lambda ep: any(span["has_error"] == "True" for span in trace_spans(ep, AS, "payment")),
    ),
    ("astronomy_shop_payment_service_unreachable-detection-1", AS, lambda ep: "badAddress" in logs(ep, AS, "checkout")),
    (
        "astronomy_shop_product_catalog_service_failure-detection-1",
        AS,
        lambda ep: "Product Catalog Fail" in logs(ep, AS, "frontend"),
    ),
    (
        "astronomy_shop_recommendation_service_cache_failure-detection-1",
        AS,
        lambda ep: "slow response from recommendation" in logs(ep, AS, "frontend"),
    ),
]
NOOP = {HR: "noop_detection_hotel_reservation-1", AS: "noop_detection_astronomy_shop-1"}


@pytest.mark.parametrize(("problem_id", "namespace", "evidence"), EVIDENCE, ids=[case[0] for case in EVIDENCE])
def test_fault_leaves_its_evidence_and_a_healthy_cluster_does_not(problem_id, namespace, evidence):
    assert evidence(episode_start(problem_get(problem_id), seed=2)) is True
    assert evidence(episode_start(problem_get(NOOP[namespace]), seed=2)) is False


def test_pod_failure_makes_calls_through_the_pod_fail():
    failing = episode_start(problem_get("pod_failure_hotel_res-localization-1"), seed=0)
    healthy = episode_start(problem_get("noop_detection_hotel_reservation-1"), seed=0)

    assert "rpc error calling user: dial tcp" in logs(failing, HR, "frontend")
    assert "rpc error calling user" not in logs(healthy, HR, "frontend")


def test_chaos_ends_after_its_duration_and_the_pod_recovers():
    from agents.sim import engine

    episode = episode_start(problem_get("pod_failure_hotel_res-detection-1"), seed=0)
    assert not all(engine.container_ready(pod) for pod in episode.state.pods_of("user"))

    episode.environment(read_only=True).exec_shell("sleep 240")

    assert all(engine.container_ready(pod) for pod in episode.state.pods_of("user"))
