"""Scenario files: the examples load, every field is validated, and the fault library refuses nonsense."""

from pathlib import Path

import pytest
import yaml

from agents.sim import faults
from agents.sim.apps import APPS
from agents.sim.problems import Problem, problem_registry, problem_resolve
from agents.sim.scenarios import ScenarioError, scenario_load, scenario_parse

EXAMPLES = Path(__file__).resolve().parents[2] / "agents" / "sim" / "scenarios"
VALID = {
    "app": "HotelReservation",
    "fault": "scale_pod_zero_social_net",
    "target": "rate",
    "task": "mitigation",
}


def _parse(fields: dict, name: str = "rate.yaml") -> Problem:
    return scenario_parse(yaml.safe_dump(fields), name=name)


def test_the_examples_are_valid_scenarios():
    names = sorted(path.name for path in EXAMPLES.glob("*.yaml"))

    assert names == ["revoke-auth-mongodb-profile.yaml", "scale-zero-rate.yaml", "target-port-home-timeline.yaml"]
    for path in EXAMPLES.glob("*.yaml"):
        problem = scenario_load(path)
        assert problem.split == "scenario"
        assert problem.source == path.name
        assert problem.namespace == APPS[problem.app].namespace
        assert problem.problem_id not in problem_registry()


def test_target_port_example_poses_a_new_target_for_a_registry_fault():
    problem = scenario_load(EXAMPLES / "target-port-home-timeline.yaml")

    assert problem.problem_id == "target-port-home-timeline-mitigation"
    assert (problem.app, problem.fault, problem.target, problem.task) == (
        "SocialNetwork",
        "k8s_target_port-misconfig",
        "home-timeline-service",
        "mitigation",
    )
    assert problem.seed == 11
    assert problem.leaks is None
    assert problem.expected == faults.fault_get("k8s_target_port-misconfig").expected_answer(
        task="mitigation", app=APPS["SocialNetwork"], target="home-timeline-service"
    )


def test_revoked_auth_example_hides_leaks():
    problem = scenario_load(EXAMPLES / "revoke-auth-mongodb-profile.yaml")

    assert (problem.fault, problem.target, problem.task, problem.leaks) == (
        "revoke_auth_mongodb",
        "mongodb-profile",
        "localization",
        False,
    )
    assert "mongodb-profile" in problem.expected


def test_problem_resolve_takes_a_scenario_path():
    problem = problem_resolve(str(EXAMPLES / "scale-zero-rate.yaml"))

    assert (problem.problem_id, problem.app, problem.target, problem.task) == (
        "scale-zero-rate-analysis",
        "HotelReservation",
        "rate",
        "analysis",
    )


def test_optional_fields_are_carried_and_the_id_defaults_to_the_file_stem():
    fields = {**VALID, "fault": "k8s_target_port-misconfig", "params": {"port": 7070}}
    problem = _parse({**fields, "seed": 3, "leaks": True, "description": "rate down"})

    assert problem.problem_id == "rate"
    assert dict(problem.params) == {"port": 7070}
    assert (problem.seed, problem.leaks, problem.description, problem.source) == (3, True, "rate down", "rate.yaml")


# Mitigation is left out: problems.csv words each mitigation check by hand, the library names the fault.
@pytest.mark.parametrize(
    "problem",
    [p for p in problem_registry().values() if p.task != "mitigation"],
    ids=lambda p: p.problem_id,
)
def test_a_scenario_of_a_registry_problem_expects_the_same_answer(problem):
    fields = {"app": problem.app, "fault": problem.fault, "task": problem.task, "id": "copy"}
    if problem.target is not None:
        fields["target"] = problem.target

    assert _parse(fields, name="copy.yaml").expected == problem.expected


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({**VALID, "app": "Hotel"}, "rate.yaml: app: unknown app 'Hotel'; known: HotelReservation, SocialNetwork"),
        ({**VALID, "task": "triage"}, "rate.yaml: task: unknown task 'triage'; known: detection, localization"),
        ({**VALID, "fault": ""}, "rate.yaml: fault: required field is empty"),
        ({**VALID, "fault": 7}, "rate.yaml: fault: expected str, got int 7"),
        ({**VALID, "target": "rates"}, "rate.yaml: target: 'rates' is no deployment of HotelReservation; known: "),
        ({**VALID, "target": ["rate"]}, "rate.yaml: target: expected str, got list"),
        ({**VALID, "params": ["replicas"]}, "rate.yaml: params: expected dict, got list"),
        ({**VALID, "params": {1: "x"}}, "rate.yaml: params: keys must be strings, got 1"),
        ({**VALID, "seed": "seven"}, "rate.yaml: seed: expected int, got str 'seven'"),
        ({**VALID, "seed": True}, "rate.yaml: seed: expected int, got bool True"),
        ({**VALID, "leaks": "no way"}, "rate.yaml: leaks: expected bool, got str 'no way'"),
        ({**VALID, "description": 5}, "rate.yaml: description: expected str, got int 5"),
        ({**VALID, "id": "has space"}, "rate.yaml: id: 'has space' must be letters, digits"),
        ({**VALID, "id": "container_kill-detection"}, "rate.yaml: id: 'container_kill-detection' is a registry"),
        ({**VALID, "tragets": "rate"}, "rate.yaml: tragets: unknown field; allowed: app, fault, task, target"),
        ({"app": "HotelReservation", "fault": "pod_kill_hotel_res"}, "rate.yaml: task: required field missing"),
    ],
)
def test_every_invalid_field_is_named_with_the_file(fields, message):
    with pytest.raises(ScenarioError) as excinfo:
        _parse(fields)

    assert str(excinfo.value).startswith(message)


def test_an_unknown_fault_is_refused_by_the_fault_library():
    with pytest.raises(ScenarioError) as excinfo:
        _parse({**VALID, "fault": "foo"})

    assert str(excinfo.value).startswith("rate.yaml: fault: ")
    assert "'foo'" in str(excinfo.value)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        (
            {"app": "HotelReservation", "fault": "revoke_auth_mongodb", "target": "geo", "task": "detection"},
            "nonsense.yaml: fault: revoke_auth_mongodb on HotelReservation: ",
        ),
        (
            {
                "app": "HotelReservation",
                "fault": "astronomy_shop_ad_service_failure",
                "target": "frontend",
                "task": "detection",
            },
            "nonsense.yaml: fault: astronomy_shop_ad_service_failure on HotelReservation: ",
        ),
        (
            {"app": "HotelReservation", "fault": "container_kill", "target": "geo", "task": "mitigation"},
            "nonsense.yaml: task: container_kill supports the tasks detection, localization, not mitigation",
        ),
        (
            {"app": "SocialNetwork", "fault": "k8s_target_port-misconfig", "task": "localization"},
            "nonsense.yaml: fault: k8s_target_port-misconfig on SocialNetwork: ",
        ),
    ],
    ids=["revoke-auth-on-a-client", "flag-fault-on-another-app", "chaos-has-no-mitigation", "target-missing"],
)
def test_a_nonsense_combination_is_refused(fields, message):
    with pytest.raises(ScenarioError) as excinfo:
        _parse(fields, name="nonsense.yaml")

    assert str(excinfo.value).startswith(message)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("app: [unclosed", "broken.yaml: not valid YAML at line 1"),
        ("- a\n- b\n", "broken.yaml: expected a mapping of fields"),
        ("", "broken.yaml: expected a mapping of fields"),
    ],
)
def test_text_that_is_no_yaml_mapping_is_refused(text, message):
    with pytest.raises(ScenarioError, match="^" + message):
        scenario_parse(text, name="broken.yaml")


def test_a_missing_file_is_a_scenario_error_naming_it(tmp_path):
    with pytest.raises(ScenarioError, match=r"^gone\.yaml: cannot read the file"):
        scenario_load(tmp_path / "gone.yaml")
