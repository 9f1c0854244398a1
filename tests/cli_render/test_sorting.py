"""``kubectl get --sort-by``: tables and Lists in kubectl's order, and kubectl's refusals."""

import json

from agents.cli.render import render_get
from tests.cli_render import NOW, crashloop_pod, pod, service


def pods() -> list[dict]:
    return [pod("web-10"), pod("web-9"), crashloop_pod(), pod("api-0")]


def test_a_table_is_sorted_in_natural_order() -> None:
    out, err = render_get("pods", pods(), now=NOW, sort_by=".metadata.name")
    assert err == ""
    assert [line.split()[0] for line in out.splitlines()] == [
        "NAME",
        "api-0",
        "user-service-6d5f8b7c9-x2x4q",
        "web-9",
        "web-10",
    ]


def test_numbers_sort_by_value_and_ties_keep_the_servers_order() -> None:
    out, _ = render_get("pods", pods(), now=NOW, sort_by="{.status.containerStatuses[0].restartCount}", output="name")
    assert out == "pod/api-0\npod/web-10\npod/web-9\npod/user-service-6d5f8b7c9-x2x4q\n"


def test_a_list_is_sorted_as_a_whole() -> None:
    out, _ = render_get("pods", pods(), now=NOW, sort_by=".metadata.name", output="json")
    names = [item["metadata"]["name"] for item in json.loads(out)["items"]]
    assert names == ["api-0", "user-service-6d5f8b7c9-x2x4q", "web-9", "web-10"]


def test_a_field_no_object_has_empties_a_table_and_fails_a_list() -> None:
    assert render_get("pods", pods(), now=NOW, sort_by=".nothing") == ("", "No resources found in default namespace.\n")
    assert render_get("pods", pods(), now=NOW, sort_by=".nothing", output="name") == (
        "",
        'error: couldn\'t find any field with path "{.nothing}" in the list of objects\n',
    )


def test_the_tables_of_several_kinds_cannot_be_sorted() -> None:
    assert render_get("pods,services", [*pods(), service("a")], now=NOW, sort_by=".metadata.name") == (
        "",
        'error: couldn\'t find any field with path "{.metadata.name}" in the list of objects\n',
    )


def test_a_malformed_path_and_an_unsortable_value_are_kubectls_errors() -> None:
    assert render_get("pods", pods(), now=NOW, sort_by="{.metadata.name", output="name")[1] == (
        "error: unexpected path string, expected a 'name1.name2' or '.name1.name2' or '{name1.name2}' or "
        "'{.name1.name2}'\n"
    )
    assert render_get("pods", pods(), now=NOW, sort_by=".metadata")[1] == (
        "F1121 10:05:00.000000       1 sorter.go:375] Field {.metadata} in [][][]reflect.Value is an unsortable "
        "type: interface, err: unsortable type: map[string]interface {}\n"
    )
