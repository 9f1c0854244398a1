"""Units of the simulator that carry rules of their own: patches, label selectors, the mongo shell, Helm."""

import pytest

from agents.sim import helm, mongo, patching
from agents.sim.apps import app_spec
from agents.sim.bootstrap import cluster_build
from agents.sim.kubectl import selector_matches


def test_json_patch_replaces_adds_and_removes():
    document: dict = {"spec": {"ports": [{"port": 9090, "targetPort": 9999}], "selector": {"app": "x"}}}
    patched = patching.json_patch(
        document,
        [
            {"op": "replace", "path": "/spec/ports/0/targetPort", "value": 9090},
            {"op": "add", "path": "/spec/type", "value": "ClusterIP"},
            {"op": "remove", "path": "/spec/selector"},
        ],
    )
    assert patched == {"spec": {"ports": [{"port": 9090, "targetPort": 9090}], "type": "ClusterIP"}}
    assert document["spec"]["ports"][0]["targetPort"] == 9999


def test_json_patch_on_a_missing_path_fails_with_kubectls_message():
    with pytest.raises(patching.PatchError, match="nonexistent key"):
        patching.json_patch({"spec": {}}, [{"op": "remove", "path": "/spec/nodeSelector"}])


def test_merge_patch_null_deletes():
    assert patching.merge_patch({"spec": {"claimRef": {"uid": "1"}, "x": 1}}, {"spec": {"claimRef": None}}) == {
        "spec": {"x": 1}
    }


def test_strategic_patch_merges_containers_by_name():
    template = {"containers": [{"name": "a", "image": "one"}, {"name": "b", "image": "two"}]}
    patched = patching.strategic_patch(template, {"containers": [{"name": "b", "image": "three"}]})
    assert patched == {"containers": [{"name": "a", "image": "one"}, {"name": "b", "image": "three"}]}


@pytest.mark.parametrize(
    ("selector", "expected"),
    [
        ("app=geo", True),
        ("app!=geo", False),
        ("app in (geo,rate)", True),
        ("app notin (geo)", False),
        ("tier", False),
        ("!tier", True),
        ("app=geo,tier=db", False),
    ],
)
def test_label_selectors(selector, expected):
    assert selector_matches(selector, {"app": "geo"}) is expected


def test_mongo_shell_requires_authentication_when_auth_is_on():
    state = cluster_build(app_spec("HotelReservation"), seed=0, leaks=True)
    script = "db.grantRolesToUser('admin', [{role: 'readWrite', db: 'geo-db'}])"

    _, _, anonymous = mongo.run_mongo_shell(state, "mongodb-geo", ["mongo", "admin", "--eval", script])
    _, error, bad_password = mongo.run_mongo_shell(
        state, "mongodb-geo", ["mongo", "admin", "-u", "root", "-p", "x", "--eval", script]
    )

    assert (anonymous, bad_password) == (1, 1)
    assert "Authentication failed" in error


def test_mongo_shell_manages_users():
    state = cluster_build(app_spec("HotelReservation"), seed=0, leaks=True)
    login = ["mongo", "admin", "-u", "root", "-p", "root", "--authenticationDatabase", "admin", "--eval"]

    out, _, code = mongo.run_mongo_shell(state, "mongodb-geo", [*login, "db.dropUser('admin'); db.getUsers()"])
    assert code == 0
    assert "true" in out
    assert '"admin.admin"' not in out
    out, _, code = mongo.run_mongo_shell(
        state,
        "mongodb-geo",
        [*login, "db.createUser({user: 'admin', pwd: 'admin', roles: [{role: 'readWrite', db: 'geo-db'}]})"],
    )
    assert code == 0
    assert "Successfully added user" in out
    assert state.mongo["mongodb-geo"].users["admin"].roles == [("readWrite", "geo-db")]


def test_mongo_shell_rejects_anything_but_user_commands():
    state = cluster_build(app_spec("HotelReservation"), seed=0, leaks=True)
    out, _, code = mongo.run_mongo_shell(
        state, "mongodb-geo", ["mongo", "-u", "root", "-p", "root", "--eval", "while(true){}"]
    )
    assert code == 1
    assert "ReferenceError" in out


def mongod_container(state):
    deployment = state.deployment("url-shorten-mongodb")
    assert deployment is not None
    return deployment["spec"]["template"]["spec"]["containers"][0]


def test_helm_upgrade_records_a_revision_and_renders_tls_into_the_deployment():
    state = cluster_build(app_spec("SocialNetwork"), seed=0, leaks=True)

    helm.upgrade(state, {"url-shorten-mongodb.tls.enabled": "true"})

    release = helm.release(state)
    assert release is not None
    assert [entry.revision for entry in release.revisions] == [1, 2]
    assert "requireTLS" in mongod_container(state)["args"]
    helm.rollback(state, release, 1)
    assert "args" not in mongod_container(state)
