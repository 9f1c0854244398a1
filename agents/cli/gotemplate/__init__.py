"""kubectl's ``-o go-template`` (and ``-o template``, ``--template``): Go's ``text/template`` over the
object kubectl prints, a subset written to behave as Go's does.

Supported: text and actions with ``{{-``/``-}}`` trimming and ``{{/* comments */}}``; fields, ``$``,
variables (``:=``, ``=``), constants, parenthesized pipelines and ``|``; ``if``/``else if``/``with``/
``range`` (lists, maps in key order; ``$i, $e :=``; ``break``/``continue``),
``define``/``template``/``block``; Go's functions ``and or not eq ne lt le gt ge index len slice print
printf println html js urlquery`` and kubectl's ``base64decode`` and ``exists``. ``printf`` knows the
common verbs. Integers are Go ``int64`` and other numbers ``float64``, as kubectl decodes them.

``go_template`` returns kubectl's ``(stdout, stderr)``: on an execution error what was printed before
it, then kubectl's debugging dump on stdout and ``error: error executing template ...`` on stderr; a
template that does not parse prints nothing and ``error: error parsing template ...``.
"""

from __future__ import annotations

from typing import Any

from agents.cli.gotemplate.execute import ExecError, Executor
from agents.cli.gotemplate.functions import FUNCTION_NAMES
from agents.cli.gotemplate.parse import TemplateSyntaxError, parse_template
from agents.cli.jsonpath import go_json, go_quote, go_sprint

__all__ = ["go_template"]


def go_template(source: str, data: Any) -> tuple[str, str]:
    """``data`` printed through the Go template ``source``, as kubectl prints it: ``(stdout, stderr)``."""
    try:
        parsed = parse_template(source, FUNCTION_NAMES)
    except TemplateSyntaxError as error:
        return "", f"error: error parsing template {source}, template: output:{error.line}: {error}\n"
    out: list[str] = []
    try:
        Executor(parsed, source, data, out.append).run()
    except ExecError as error:
        dump = (
            f"Error executing template: {error}. Printing more information for debugging the template:\n"
            f"\ttemplate was:\n\t\t{source}\n\traw data was:\n\t\t{go_json(data)}\n"
            f"\tobject given to template engine was:\n\t\t{go_sprint(data)}\n\n"
        )
        return "".join(out) + dump, f"error: error executing template {go_quote(source)}: {error}\n"
    return "".join(out), ""
