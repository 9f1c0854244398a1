"""kubectl's JSONPath: selection, ranges, filters, printing and error messages."""

from typing import Any

import pytest

from agents.cli.jsonpath import JsonPathError, find_results, go_json, go_quote, go_repr, go_sprint, jsonpath


def pod_list() -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "List",
        "items": [
            {
                "metadata": {"name": "user-6d5f", "labels": {"app": "user", "tier": "backend"}},
                "spec": {"containers": [{"name": "user", "image": "user:1"}, {"name": "proxy", "image": "envoy:1"}]},
                "status": {
                    "phase": "Running",
                    "podIP": "10.244.1.12",
                    "conditions": [{"type": "Ready", "status": "True"}],
                },
            },
            {
                "metadata": {"name": "geo-84fb"},
                "spec": {"containers": [{"name": "geo", "image": "geo:app3"}]},
                "status": {"phase": "Pending", "conditions": [{"type": "Ready", "status": "False"}]},
            },
        ],
        "metadata": {"resourceVersion": ""},
    }


def test_wildcard_results_are_joined_by_a_space() -> None:
    assert jsonpath("{.items[*].metadata.name}", pod_list()) == "user-6d5f geo-84fb"


def test_index_negative_index_and_slice() -> None:
    assert jsonpath("{.items[0].metadata.name}", pod_list()) == "user-6d5f"
    assert jsonpath("{.items[-1].metadata.name}", pod_list()) == "geo-84fb"
    assert jsonpath("{.items[0:1].metadata.name}", pod_list()) == "user-6d5f"
    assert jsonpath("{.items[0].spec.containers[1:].name}", pod_list()) == "proxy"


def test_range_with_quoted_escapes() -> None:
    template = '{range .items[*]}{.metadata.name}{"\\t"}{.status.phase}{"\\n"}{end}'
    assert jsonpath(template, pod_list()) == "user-6d5f\tRunning\ngeo-84fb\tPending\n"


def test_literal_text_is_printed_without_escape_processing() -> None:
    assert jsonpath("name={.items[0].metadata.name}\\n", pod_list()) == "name=user-6d5f\\n"


def test_nested_range() -> None:
    template = "{range .items[*]}{.metadata.name}:{range .spec.containers[*]} {.image}{end};{end}"
    assert jsonpath(template, pod_list()) == "user-6d5f: user:1 envoy:1;geo-84fb: geo:app3;"


def test_filter_by_equality_and_existence() -> None:
    assert jsonpath('{.items[?(@.status.phase=="Pending")].metadata.name}', pod_list()) == "geo-84fb"
    assert jsonpath("{.items[?(@.status.podIP)].metadata.name}", pod_list()) == "user-6d5f"
    template = '{.items[0].status.conditions[?(@.type == "Ready")].status}'
    assert jsonpath(template, pod_list()) == "True"


def test_filter_with_numeric_comparison() -> None:
    data = {"ports": [{"port": 80}, {"port": 9090}, {"port": 27017}]}
    assert jsonpath("{.ports[?(@.port > 100)].port}", data) == "9090 27017"
    assert jsonpath("{.ports[?(@.port<=80)].port}", data) == "80"


def test_union_and_quoted_dict_key() -> None:
    assert jsonpath("{.items[0]['metadata.name', 'status.phase']}", pod_list()) == "user-6d5f Running"
    labelled = {"metadata": {"labels": {"app.kubernetes.io/name": "frontend"}}}
    assert jsonpath("{.metadata.labels.app\\.kubernetes\\.io/name}", labelled) == "frontend"


def test_recursive_descent() -> None:
    assert jsonpath("{..image}", pod_list()) == "user:1 envoy:1 geo:app3"


def test_maps_and_lists_print_as_compact_json() -> None:
    assert jsonpath("{.items[0].metadata.labels}", pod_list()) == '{"app":"user","tier":"backend"}'
    assert jsonpath("{.items[1].spec.containers}", pod_list()) == '[{"image":"geo:app3","name":"geo"}]'


def test_scalars_print_as_go_prints_them() -> None:
    data = {"n": 3, "f": 1.5, "big": 1000000.0, "ok": True, "none": None}
    assert jsonpath("{.n} {.f} {.big} {.ok} {.none}", data) == "3 1.5 1e+06 true <nil>"


def test_as_json_prints_each_group_as_an_indented_array() -> None:
    assert jsonpath("{.items[*].metadata.name}", pod_list(), as_json=True) == '[\n    "user-6d5f",\n    "geo-84fb"\n]\n'


def test_missing_field_raises_kubectl_error() -> None:
    with pytest.raises(JsonPathError) as raised:
        jsonpath("{.items[0].spec.nodeName}", pod_list())
    message = str(raised.value)
    assert message.startswith(
        'error: error executing jsonpath "{.items[0].spec.nodeName}": Error executing template: '
        "nodeName is not found. Printing more information for debugging the template:\n"
        "\ttemplate was:\n\t\t{.items[0].spec.nodeName}\n"
        '\tobject given to jsonpath engine was:\n\t\tmap[string]interface {}{"apiVersion":"v1", '
    )
    assert message.endswith("\n\n\n")


def test_missing_field_is_empty_when_missing_keys_are_allowed() -> None:
    assert jsonpath("{.items[*].spec.nodeName}", pod_list(), allow_missing_keys=True) == ""
    assert jsonpath("{.items[*].status.podIP}", pod_list(), allow_missing_keys=True) == "10.244.1.12"


def test_index_out_of_bounds_is_an_error_even_with_missing_keys_allowed() -> None:
    empty = {"apiVersion": "v1", "items": [], "kind": "List"}
    with pytest.raises(JsonPathError, match="array index out of bounds: index 0, length 0"):
        jsonpath("{.items[0].metadata.name}", empty, allow_missing_keys=True)


def test_indexing_a_map_is_an_error() -> None:
    with pytest.raises(JsonPathError, match=r"map\[string\]interface \{\} is not array or slice"):
        jsonpath("{.items[0].metadata[0]}", pod_list())


@pytest.mark.parametrize(
    ("template", "reason"),
    [
        ("{.items[0]", "unclosed action"),
        ("{.items[0}", "unterminated array"),
        ('{"abc}', "unterminated quoted string"),
        ("{.items[?(@.x==1}", "unterminated filter"),
        ("{.items[a]}", "invalid array index a"),
        ("{.a |}", "unrecognized character in action: U+007C '|'"),
    ],
)
def test_parse_errors_read_like_kubectl(template: str, reason: str) -> None:
    with pytest.raises(JsonPathError) as raised:
        jsonpath(template, {})
    assert str(raised.value) == f"error: error parsing jsonpath {template}, {reason}\n"


def test_end_without_range_is_an_execution_error() -> None:
    with pytest.raises(JsonPathError, match="not in range, nothing to end"):
        jsonpath("{end}", {})


def test_comparing_a_string_with_a_number_is_an_error() -> None:
    with pytest.raises(JsonPathError, match="incompatible types for comparison"):
        jsonpath("{.items[?(@.status.phase > 3)]}", pod_list())


def test_find_results_groups_each_action() -> None:
    assert find_results("{.items[*].metadata.name}x", pod_list()) == [["user-6d5f", "geo-84fb"], ["x"]]


def test_go_formatting_helpers() -> None:
    assert go_sprint({"b": [1, None], "a": {"c": True}}) == "map[a:map[c:true] b:[1 <nil>]]"
    assert go_quote('say "hi"\n\x01') == '"say \\"hi\\"\\n\\x01"'
    assert (
        go_repr({"a": [1, "x", None]}, top=True)
        == 'map[string]interface {}{"a":[]interface {}{1, "x", interface {}(nil)}}'
    )
    assert go_json({"b": "<none> & more", "a": 2.0}) == '{"a":2,"b":"\\u003cnone\\u003e \\u0026 more"}'
