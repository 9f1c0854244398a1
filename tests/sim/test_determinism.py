"""Same seed, same bytes; another seed, another cluster; leaks are a switch recorded with the result."""

import json

import yaml

from agents.sim.episode import episode_start
from agents.sim.problems import problem_get

CALLS = [
    ("exec_shell", ("kubectl get pods -n test-hotel-reservation -o wide",)),
    ("exec_shell", ("kubectl describe pods -n test-hotel-reservation",)),
    ("get_logs", ("test-hotel-reservation", "geo")),
    ("get_metrics", ("test-hotel-reservation", 5)),
    ("get_traces", ("test-hotel-reservation", 5)),
    ("exec_shell", ("kubectl get events -n test-hotel-reservation",)),
]


def transcript(seed: int) -> list[str]:
    episode = episode_start(problem_get("revoke_auth_mongodb-localization-1"), seed=seed)
    env = episode.environment(read_only=True)
    outputs = [getattr(env, name)(*args) for name, args in CALLS]
    outputs += [env.read_metrics(path) for path in sorted(episode.files) if path.startswith("metrics_output")]
    outputs += [env.read_traces(path) for path in sorted(episode.files) if path.startswith("traces_output")]
    return outputs


def test_same_seed_gives_the_same_bytes():
    assert transcript(7) == transcript(7)


def test_another_seed_gives_another_cluster():
    assert transcript(7)[0] != transcript(8)[0]


def test_leak_mode_hides_the_fault_machinery_and_is_recorded():
    problem = problem_get("pod_failure_hotel_res-detection-1")
    visible = episode_start(problem, seed=0, leaks=True)
    hidden = episode_start(problem, seed=0, leaks=False)

    assert "pod-failure-user" in visible.environment(read_only=True).exec_shell(
        "kubectl get podchaos -n test-hotel-reservation"
    )
    assert "pod-failure" not in hidden.environment(read_only=True).exec_shell(
        "kubectl get podchaos -n test-hotel-reservation"
    )
    assert hidden.submit("Yes").as_dict()["leaks"] is False


def test_flag_leak_is_visible_only_in_leak_mode():
    problem = problem_get("astronomy_shop_ad_service_failure-detection-1")
    command = "kubectl get configmap flagd-config -n astronomy-shop -o yaml"

    def ad_failure_variant(output: str) -> str:
        flags = json.loads(yaml.safe_load(output)["data"]["demo.flagd.json"])["flags"]
        return str(flags["adFailure"]["defaultVariant"])

    visible = episode_start(problem, seed=0, leaks=True).environment(read_only=True).exec_shell(command)
    hidden_episode = episode_start(problem, seed=0, leaks=False)
    hidden = hidden_episode.environment(read_only=True).exec_shell(command)

    assert ad_failure_variant(visible) == "on"
    assert ad_failure_variant(hidden) == "off"
    assert "GetAds failed" in hidden_episode.environment(read_only=True).get_logs("astronomy-shop", "frontend")


def test_steps_and_tokens_are_recorded():
    episode = episode_start(problem_get("noop_detection_social_network-1"), seed=0)
    env = episode.environment(read_only=True)
    env.exec_shell("kubectl get pods -n test-social-network")
    env.get_traces("test-social-network", 5)
    episode.record_tokens(tokens_in=120, tokens_out=30)

    grade = episode.submit("No").as_dict()

    assert grade["success"] is True
    assert (grade["steps"], grade["tokens_in"], grade["tokens_out"]) == (3, 120, 30)
    assert grade["wall_time_s"] > 0
    assert grade["sim_time_s"] > 0


def test_sleep_waits_in_simulated_time():
    episode = episode_start(problem_get("noop_detection_social_network-1"), seed=0)
    env = episode.environment(read_only=True)
    before = episode.state.clock.now

    assert env.exec_shell("sleep 30") == ""

    assert episode.state.clock.now - before >= 30
