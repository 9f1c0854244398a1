"""kubectl's ``-o go-template``: Go's text/template over the printed object, errors worded as kubectl's."""

from typing import Any

from agents.cli.gotemplate import go_template
from agents.cli.render import render_get
from tests.cli_render import NOW, crashloop_pod, pending_pod, pod


def pod_list() -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "List",
        "items": [
            {
                "metadata": {"name": "user-6d5f", "labels": {"app": "user", "tier": "backend"}},
                "spec": {"containers": [{"name": "user"}, {"name": "proxy"}]},
                "status": {"phase": "Running", "podIP": "10.244.1.12", "containerStatuses": [{"restartCount": 3}]},
            },
            {
                "metadata": {"name": "geo-84fb", "labels": {"app": "geo"}},
                "spec": {"containers": [{"name": "geo"}]},
                "status": {"phase": "Pending"},
            },
        ],
        "metadata": {"resourceVersion": ""},
    }


def test_range_and_field_access() -> None:
    assert go_template('{{range .items}}{{.metadata.name}}{{"\\n"}}{{end}}', pod_list()) == (
        "user-6d5f\ngeo-84fb\n",
        "",
    )


def test_index_of_a_map_key_with_dots_and_of_a_list() -> None:
    template = '{{range .items}}{{index .metadata.labels "app"}}/{{(index .spec.containers 0).name}} {{end}}'
    assert go_template(template, pod_list()) == ("user/user geo/geo ", "")


def test_if_else_if_and_comparisons() -> None:
    template = (
        '{{range .items}}{{if eq .status.phase "Running"}}R{{else if eq .status.phase "Pending"}}P'
        "{{else}}X{{end}}{{end}}"
    )
    assert go_template(template, pod_list()) == ("RP", "")


def test_printf_pads_and_formats_numbers_and_lengths() -> None:
    template = '{{range .items}}{{printf "%-10s|%5s|%d\\n" .metadata.name .status.phase (len .spec.containers)}}{{end}}'
    assert go_template(template, pod_list()) == ("user-6d5f |Running|2\ngeo-84fb  |Pending|1\n", "")


def test_variables_ranges_over_maps_in_key_order_and_trim_markers() -> None:
    template = (
        "{{- range $i, $pod := .items -}}\n{{ $i }}:{{ range $key, $value := $pod.metadata.labels }}"
        "{{ $key }}={{ $value }};{{ end }}\n{{- end }}"
    )
    assert go_template(template, pod_list()) == ("0:app=user;tier=backend;1:app=geo;", "")


def test_a_missing_key_prints_no_value_as_go_does() -> None:
    assert go_template("{{range .items}}{{.status.podIP}} {{end}}", pod_list()) == ("10.244.1.12 <no value> ", "")


def test_a_parse_error_prints_nothing_and_says_where() -> None:
    assert go_template("{{range .items}}", pod_list()) == (
        "",
        "error: error parsing template {{range .items}}, template: output:1: unexpected EOF\n",
    )
    assert go_template("{{ if else }}{{end}}", pod_list())[1] == (
        "error: error parsing template {{ if else }}{{end}}, template: output:1: unexpected <else> in if\n"
    )
    assert go_template('{{ .a | "x" }}', pod_list())[1] == (
        'error: error parsing template {{ .a | "x" }}, template: output:1: non executable command in pipeline stage 2\n'
    )
    assert go_template("{{ \\ }}", {})[1].endswith('unexpected "\\\\" in command\n')


def test_an_execution_error_keeps_what_was_printed_and_dumps_the_data() -> None:
    out, err = go_template("a{{index .items 5}}", pod_list())
    assert err == (
        'error: error executing template "a{{index .items 5}}": template: output:1:3: executing "output" at '
        "<index .items 5>: error calling index: index out of range: 5\n"
    )
    assert out.startswith(
        'aError executing template: template: output:1:3: executing "output" at <index .items 5>: error calling '
        "index: index out of range: 5. Printing more information for debugging the template:\n"
        "\ttemplate was:\n\t\ta{{index .items 5}}\n\traw data was:\n\t\t{"
    )


def test_render_get_prints_through_go_template_and_template() -> None:
    pods = [crashloop_pod(), pod("api-0")]
    expected = ("api-0,user-service-6d5f8b7c9-x2x4q,", "")
    assert (
        render_get("pods", pods, now=NOW, output="go-template={{range .items}}{{.metadata.name}},{{end}}") == expected
    )
    assert render_get("pods", pods, now=NOW, output="template={{range .items}}{{.metadata.name}},{{end}}") == expected


def test_render_get_go_template_of_one_named_object() -> None:
    assert render_get(
        "pods", [pending_pod()], now=NOW, output="go-template={{.kind}} {{.status.phase}}", single_item=True
    ) == ("Pod Pending", "")


def test_a_template_file_kubectl_cannot_read_fails_as_kubectl_does() -> None:
    assert render_get("pods", [pod("api-0")], now=NOW, output="go-template-file=/nonexistent/t.tpl") == (
        "",
        "error: error reading --template /nonexistent/t.tpl, open /nonexistent/t.tpl: no such file or directory\n",
    )
