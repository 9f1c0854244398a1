"""``kubectl get -o yaml|json|name|jsonpath|custom-columns`` from API-shaped dicts."""

import json
from typing import Any

from agents.cli.render import render_get, render_yaml
from tests.cli_render import NOW, SN, crashloop_pod, meta, pending_pod, pod, service


def config_map() -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": meta("flagd-config", "astronomy-shop", resourceVersion="4821"),
        "data": {"demo.flagd.json": '{\n  "flags": {}\n}\n', "enabled": "true", "port": "8013"},
    }


def test_yaml_of_one_object_sorts_keys_and_double_quotes() -> None:
    out, err = render_get("configmaps", [config_map()], now=NOW, output="yaml", single_item=True)
    assert err == ""
    assert out == (
        "apiVersion: v1\n"
        "data:\n"
        "  demo.flagd.json: |\n"
        "    {\n"
        '      "flags": {}\n'
        "    }\n"
        '  enabled: "true"\n'
        '  port: "8013"\n'
        "kind: ConfigMap\n"
        "metadata:\n"
        '  creationTimestamp: "2026-11-21T10:00:00Z"\n'
        "  name: flagd-config\n"
        "  namespace: astronomy-shop\n"
        '  resourceVersion: "4821"\n'
        "  uid: uid-flagd-config\n"
    )


def test_yaml_of_several_objects_is_a_list() -> None:
    out, _ = render_get("services", [service("user-service"), service("text-service")], now=NOW, output="yaml")
    assert out.startswith("apiVersion: v1\nitems:\n- apiVersion: v1\n  kind: Service\n")
    assert out.endswith('kind: List\nmetadata:\n  resourceVersion: ""\n')
    assert out.count("- apiVersion: v1") == 2


def test_yaml_shows_the_target_port_a_table_hides() -> None:
    out, _ = render_get(
        "services", [service("user-service", target_port=9999)], now=NOW, output="yaml", single_item=True
    )
    assert "    targetPort: 9999\n" in out
    assert '  - name: "9090"\n    port: 9090\n' in out


def test_yaml_key_order_follows_go_yaml() -> None:
    labels = {"app9": "x", "app10": "y", "app_x": "z", "appB": "w"}
    assert render_yaml({"labels": labels}) == "labels:\n  app_x: z\n  app9: x\n  app10: y\n  appB: w\n"


def test_one_object_not_named_prints_a_list() -> None:
    # Given one pod that a selector found (not one asked for by name)
    found = [pending_pod()]

    # When it is printed as yaml, json and jsonpath, then each is a List ({.items[0]...} reads it)
    assert render_get("pods", found, now=NOW, output="yaml")[0].startswith("apiVersion: v1\nitems:\n")
    assert json.loads(render_get("pods", found, now=NOW, output="json")[0])["kind"] == "List"
    name = render_get("pods", found, now=NOW, output="jsonpath={.items[0].metadata.name}")
    assert name == (pending_pod()["metadata"]["name"], "")


def test_json_is_indented_by_four_with_go_escaping() -> None:
    obj = pod("api-0")
    obj["metadata"]["annotations"] = {"note": "<none> & more"}
    out, _ = render_get("pods", [obj], now=NOW, output="json", single_item=True)
    assert out.startswith(
        '{\n    "apiVersion": "v1",\n    "kind": "Pod",\n    "metadata": {\n        "annotations": {\n'
    )
    assert '"note": "\\u003cnone\\u003e \\u0026 more"' in out
    assert out.endswith("}\n")
    assert json.loads(out)["metadata"]["name"] == "api-0"


def test_json_of_nothing_is_an_empty_list_without_a_message() -> None:
    out, err = render_get("pods", [], now=NOW, output="json", namespace=SN)
    assert err == ""
    assert out == (
        '{\n    "apiVersion": "v1",\n    "items": [],\n    "kind": "List",\n'
        '    "metadata": {\n        "resourceVersion": ""\n    }\n}\n'
    )


def test_output_fills_in_api_version_and_kind_and_hides_managed_fields() -> None:
    bare = {"metadata": {"name": "api-0", "namespace": SN, "managedFields": [{"manager": "kubectl"}]}}
    out, _ = render_get("pods", [bare], now=NOW, output="json", single_item=True)
    assert json.loads(out) == {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "api-0", "namespace": SN}}


def test_name_output_uses_kind_and_group() -> None:
    deploy = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": meta("geo")}
    assert render_get("pods", [crashloop_pod(), pod("api-0")], now=NOW, output="name") == (
        "pod/api-0\npod/user-service-6d5f8b7c9-x2x4q\n",
        "",
    )
    assert render_get("deployments", [deploy], now=NOW, output="name") == ("deployment.apps/geo\n", "")
    assert render_get("pods", [], now=NOW, output="name") == ("", "")


def test_jsonpath_over_a_list_and_over_one_named_object() -> None:
    pods = [crashloop_pod(), pod("api-0")]
    assert render_get("pods", pods, now=NOW, output="jsonpath={.items[*].metadata.name}") == (
        "api-0 user-service-6d5f8b7c9-x2x4q",
        "",
    )
    one = render_get(
        "pods",
        [crashloop_pod()],
        now=NOW,
        output="jsonpath={.status.containerStatuses[0].restartCount}",
        single_item=True,
    )
    assert one == ("3", "")


def test_jsonpath_missing_keys_print_nothing_as_kubectl_allows_them() -> None:
    assert render_get("pods", [pending_pod()], now=NOW, output="jsonpath={.status.podIP}") == ("", "")


def test_jsonpath_errors_go_to_stderr() -> None:
    out, err = render_get("pods", [], now=NOW, output="jsonpath={.items[0].metadata.name}")
    assert out == ""
    assert err.startswith('error: error executing jsonpath "{.items[0].metadata.name}": Error executing template: ')
    assert "array index out of bounds: index 0, length 0" in err
    assert render_get("pods", [], now=NOW, output="jsonpath={.items[0")[1] == (
        "error: error parsing jsonpath {.items[0, unterminated array\n"
    )
    assert (
        render_get("pods", [], now=NOW, output="jsonpath=")[1]
        == "error: template format specified but no template given\n"
    )


def test_jsonpath_as_json() -> None:
    out, _ = render_get("pods", [pod("api-0")], now=NOW, output="jsonpath-as-json={.metadata.name}", single_item=True)
    assert out == '[\n    "api-0"\n]\n'


def test_custom_columns() -> None:
    spec = (
        "NAME:.metadata.name,NODE:.spec.nodeName,IMAGES:.spec.containers[*].image,"
        "RESTARTS:{.status.containerStatuses[0].restartCount}"
    )
    out, err = render_get("pods", [crashloop_pod(), pending_pod()], now=NOW, output=f"custom-columns={spec}")
    assert err == ""
    assert out == (
        "NAME                           NODE          IMAGES                                               RESTARTS\n"
        "geo-84fbc958c7-p8wq6           <none>        yinfangchen/geo:app3                                 <none>\n"
        "user-service-6d5f8b7c9-x2x4q   kind-worker   deathstarbench/social-network-microservices:latest   3\n"
    )


def test_custom_columns_errors() -> None:
    assert render_get("pods", [], now=NOW, output="custom-columns=NAME")[1] == (
        "error: unexpected custom-columns spec: NAME, expected <header>:<json-path-expr>\n"
    )
    assert render_get("pods", [], now=NOW, output="custom-columns=")[1] == (
        "error: custom-columns format specified but no custom columns given\n"
    )
    assert render_get("pods", [], now=NOW, output="custom-columns=NAME:.metadata.name") == ("NAME\n", "")


def test_unknown_output_format() -> None:
    out, err = render_get("pods", [pod("api-0")], now=NOW, output="table")
    assert out == ""
    assert err.startswith(
        'error: unable to match a printer suitable for the output format "table", allowed formats are: '
    )
    assert err.endswith("jsonpath-file,name,template,templatefile,wide,yaml\n")
