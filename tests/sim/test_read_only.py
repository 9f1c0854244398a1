"""A Probe's handle on the simulated cluster cannot change it, whatever the command string holds."""

import copy
import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agents.sim.episode import episode_start
from agents.sim.problems import problem_get

NS = "test-hotel-reservation"
WRITES = [
    f"kubectl scale deployment geo --replicas=0 -n {NS}",
    f"kubectl delete pod -l io.kompose.service=geo -n {NS}",
    f'kubectl patch svc geo -n {NS} -p \'{{"spec":{{"ports":[{{"port":8083,"targetPort":1}}]}}}}\'',
    f"kubectl rollout restart deployment/geo -n {NS}",
    f"kubectl set image deployment/geo hotel-reserv-geo=busybox:1.36 -n {NS}",
    f"kubectl exec deployment/mongodb-geo -n {NS} -- mongo -u root -p root --eval \"db.dropUser('admin')\"",
    "helm upgrade social-network -n test-social-network --set a=b",
    f"kubectl -n {NS} delete deploy geo",
    f"kubectl --kubeconfig=/tmp/admin get pods -n {NS}",
]
JOINERS = [" | ", " ; ", " && ", " || ", "\n", " $(", " `", " <<EOF\n"]
READS = [
    f"kubectl get pods -n {NS}",
    f"kubectl logs deployment/geo -n {NS}",
    "echo hi",
    f"kubectl describe svc geo -n {NS}",
]


def snapshot(episode):
    state = episode.state
    return json.dumps(
        {
            "objects": {"|".join(key): value for key, value in state.objects.items()},
            "pods": sorted((pod.name, pod.deleted_at is None, pod.restarts) for pod in state.pods.values()),
            "users": {
                name: sorted((user.name, tuple(map(tuple, user.roles))) for user in server.users.values())
                for name, server in state.mongo.items()
            },
        },
        sort_keys=True,
        default=str,
    )


def test_every_write_is_refused_and_changes_nothing():
    episode = episode_start(problem_get("revoke_auth_mongodb-mitigation-1"), seed=0)
    probe = episode.environment(read_only=True)
    before = snapshot(episode)

    for command in WRITES:
        output = probe.exec_shell(command)
        assert "read-only" in output.lower() or "not allowed" in output.lower(), (command, output)

    assert snapshot(episode) == before
    assert all(action.refused for action in episode.actions)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    read=st.sampled_from(READS),
    joiner=st.sampled_from(JOINERS),
    write=st.sampled_from(WRITES),
    tail=st.sampled_from(["", ")", "`", "\nEOF"]),
)
def test_writes_smuggled_behind_reads_change_nothing(read, joiner, write, tail):
    episode = episode_start(problem_get("revoke_auth_mongodb-mitigation-1"), seed=0)
    before = snapshot(episode)

    episode.environment(read_only=True).exec_shell(f"{read}{joiner}{write}{tail}")

    assert snapshot(episode) == before


def test_the_executor_handle_can_write():
    episode = episode_start(problem_get("revoke_auth_mongodb-mitigation-1"), seed=0)
    before = copy.deepcopy(episode.state.deployment("geo"))
    assert before is not None

    output = episode.environment(read_only=False).exec_shell(f"kubectl scale deployment geo --replicas=2 -n {NS}")

    assert output == "deployment.apps/geo scaled\n"
    assert before["spec"]["replicas"] == 1
    assert (episode.state.deployment("geo") or {})["spec"]["replicas"] == 2
