"""The functions a kubectl go-template can call: Go's builtins and kubectl's ``base64decode``/``exists``.

Values are JSON values as kubectl hands them to the template (integers are Go ``int64``, other numbers
``float64``); ``MISSING`` is Go's invalid value, what a missing map key gives. Each function raises
``FunctionError`` with Go's reason, which the executor words as ``error calling NAME: REASON``.
``go_printf`` is ``fmt.Sprintf`` for the verbs templates use (``%v %s %d %q %t %f %e %g %x %c %%``).
"""

from __future__ import annotations

import base64
import binascii
import html as html_module
import re
from collections.abc import Callable, Sequence
from typing import Any
from urllib.parse import quote_plus

from agents.cli.gotemplate.parse import template_int
from agents.cli.jsonpath import go_quote, go_sprint


class _Missing:
    def __repr__(self) -> str:
        return "<no value>"


MISSING: Any = _Missing()


class FunctionError(ValueError):
    """A function call that fails; ``str()`` is Go's reason."""


def go_type(value: Any) -> str:
    """The Go type kubectl's data gives ``value`` (``int64`` for integers, ``int`` for template constants)."""
    if value is None or value is MISSING:
        return "<nil>"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int" if template_int(value) else "int64"
    if isinstance(value, float):
        return "float64"
    if isinstance(value, str):
        return "string"
    return "map[string]interface {}" if isinstance(value, dict) else "[]interface {}"


def shown(value: Any) -> str:
    """A value as a template action prints it (``fmt.Fprint``)."""
    return "<no value>" if value is MISSING else go_sprint(value)


def truth(value: Any) -> bool:
    """Go template truth: false, 0, "", nil, an empty map or list, and a missing value are false."""
    if value is MISSING or value is None:
        return False
    if isinstance(value, bool | int | float | str | list | dict):
        return bool(value)
    return True


# --- comparisons ---------------------------------------------------------------------------------
def _basic(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float"
    if isinstance(value, str):
        return "string"
    return "invalid" if value is MISSING or value is None else "other"


def go_eq(first: Any, *others: Any) -> bool:
    if not others:
        raise FunctionError("missing argument for comparison")
    for other in others:
        kinds = (_basic(first), _basic(other))
        if "other" in kinds:
            raise FunctionError("non-comparable type")
        if kinds[0] != kinds[1]:
            if "invalid" in kinds:
                continue
            raise FunctionError("incompatible types for comparison")
        if first == other:
            return True
    return False


def go_ne(left: Any, right: Any) -> bool:
    return not go_eq(left, right)


def _ordered(left: Any, right: Any) -> tuple[Any, Any]:
    kinds = (_basic(left), _basic(right))
    if any(kind in ("bool", "other", "invalid") for kind in kinds):
        raise FunctionError("invalid type for comparison")
    if kinds[0] != kinds[1]:
        raise FunctionError("incompatible types for comparison")
    return left, right


def go_lt(left: Any, right: Any) -> bool:
    a, b = _ordered(left, right)
    return bool(a < b)


def go_le(left: Any, right: Any) -> bool:
    a, b = _ordered(left, right)
    return bool(a <= b)


def go_gt(left: Any, right: Any) -> bool:
    return not go_le(left, right)


def go_ge(left: Any, right: Any) -> bool:
    return not go_lt(left, right)


# --- collections ---------------------------------------------------------------------------------
def go_index(item: Any, *indices: Any) -> Any:
    for index in indices:
        if item is MISSING or item is None:
            raise FunctionError("index of untyped nil")
        if isinstance(item, dict):
            if not isinstance(index, str):
                raise FunctionError(f"value has type {go_type(index)}; should be string")
            item = item.get(index, MISSING)
        elif isinstance(item, list | str):
            if not isinstance(index, int) or isinstance(index, bool):
                raise FunctionError(f"cannot index slice/array with type {go_type(index)}")
            if not 0 <= index < len(item):
                raise FunctionError(f"index out of range: {index}")
            item = item[index] if isinstance(item, list) else item.encode()[index]
        else:
            raise FunctionError(f"can't index item of type {go_type(item)}")
    return item


def go_len(item: Any) -> int:
    if item is MISSING:
        raise FunctionError("reflect: call of reflect.Value.Type on zero Value")
    if item is None:
        raise FunctionError("len of nil pointer")
    if isinstance(item, str):
        return len(item.encode())
    if isinstance(item, list | dict):
        return len(item)
    raise FunctionError(f"len of type {go_type(item)}")


def go_slice(item: Any, *indices: Any) -> Any:
    if not isinstance(item, list | str):
        raise FunctionError(f"can't slice item of type {go_type(item)}")
    bounds = [int(index) for index in indices]
    if len(bounds) > 2 or any(not 0 <= bound <= len(item) for bound in bounds):
        raise FunctionError(f"index out of range: {bounds[-1] if bounds else 0}")
    start, end = [*bounds, len(item)][:2] if bounds else (0, len(item))
    return item[start:end]


def kubectl_exists(item: Any, *indices: Any) -> bool:
    """kubectl's ``exists``: whether ``index`` with these arguments would find something."""
    for index in indices:
        if item is None or item is MISSING:
            return False
        if isinstance(item, list | str):
            if not isinstance(index, int) or isinstance(index, bool) or not 0 <= index < len(item):
                return False
            item = item[index]
        elif isinstance(item, dict):
            if not isinstance(index, str):
                return False
            item = item.get(index)
        else:
            return False
    return item is not None and item is not MISSING


def kubectl_base64decode(value: Any) -> str:
    if not isinstance(value, str):
        raise FunctionError(f"wrong type for value; expected string; got {go_type(value)}")
    try:
        return base64.b64decode(value, validate=True).decode("utf-8", errors="replace")
    except (binascii.Error, ValueError):
        bad = next((i for i, c in enumerate(value) if not (c.isalnum() or c in "+/=")), len(value) // 4 * 4)
        raise FunctionError(f"base64 decode failed: illegal base64 data at input byte {bad}") from None


# --- printing ------------------------------------------------------------------------------------
def go_print(*values: Any) -> str:
    """``fmt.Sprint``: a space between two operands when neither is a string."""
    out = []
    for index, value in enumerate(values):
        if index and not isinstance(value, str) and not isinstance(values[index - 1], str):
            out.append(" ")
        out.append(shown(value))
    return "".join(out)


def go_println(*values: Any) -> str:
    return " ".join(shown(value) for value in values) + "\n"


_VERB = re.compile(r"%([-+# 0]*)(\d+)?(?:\.(\d+))?([a-zA-Z%])")


def go_printf(format_: Any, *args: Any) -> str:
    """``fmt.Sprintf`` for the common verbs, with Go's ``%!v(type=value)`` for a mismatch."""
    if not isinstance(format_, str):
        raise FunctionError(f"wrong type for value; expected string; got {go_type(format_)}")
    out, used, position = [], 0, 0
    for match in _VERB.finditer(format_):
        out.append(format_[position : match.start()])
        position = match.end()
        flags, width, precision, verb = match.groups()
        if verb == "%":
            out.append("%")
            continue
        if used >= len(args):
            out.append(f"%!{verb}(MISSING)")
            continue
        text = _format_one(verb, args[used], flags, precision)
        used += 1
        out.append(_pad(text, int(width or 0), flags))
    out.append(format_[position:])
    extra = args[used:]
    if extra:
        out.append("%!(EXTRA " + ", ".join(f"{go_type(value)}={shown(value)}" for value in extra) + ")")
    return "".join(out)


def _pad(text: str, width: int, flags: str) -> str:
    if len(text) >= width:
        return text
    if "-" in flags:
        return text.ljust(width)
    if "0" in flags and text.lstrip("-").replace(".", "").isdigit():
        sign = "-" if text.startswith("-") else ""
        return sign + text.lstrip("-").rjust(width - len(sign), "0")
    return text.rjust(width)


def _bad(verb: str, value: Any) -> str:
    if value is None or value is MISSING:
        return f"%!{verb}(<nil>)"
    return f"%!{verb}({go_type(value)}={shown(value)})"


def _format_one(verb: str, value: Any, flags: str, precision: str | None) -> str:
    if isinstance(value, dict):
        pairs = (
            f"{_format_one(verb, key, flags, precision)}:{_format_one(verb, value[key], flags, precision)}"
            for key in sorted(value)
        )
        return "map[" + " ".join(pairs) + "]"
    if isinstance(value, list):
        return "[" + " ".join(_format_one(verb, item, flags, precision) for item in value) + "]"
    formatter = _FORMATTERS.get(verb)
    if formatter is None:
        return _bad(verb, value)
    text = formatter(value, flags, precision)
    return _bad(verb, value) if text is None else text


def _verb_v(value: Any, flags: str, precision: str | None) -> str | None:
    return shown(value)


def _verb_s(value: Any, flags: str, precision: str | None) -> str | None:
    if isinstance(value, str):
        return value[: int(precision)] if precision is not None else value
    return None


def _verb_d(value: Any, flags: str, precision: str | None) -> str | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return f"+{value}" if "+" in flags and value >= 0 else str(value)
    return None


def _verb_q(value: Any, flags: str, precision: str | None) -> str | None:
    if isinstance(value, str):
        return go_quote(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return "'" + chr(value) + "'"
    return None


def _verb_t(value: Any, flags: str, precision: str | None) -> str | None:
    return ("true" if value else "false") if isinstance(value, bool) else None


def _float_verb(letter: str) -> Callable[[Any, str, str | None], str | None]:
    def verb(value: Any, flags: str, precision: str | None) -> str | None:
        if not isinstance(value, float):
            return None
        places = 6 if precision is None else int(precision)
        if letter == "g" and precision is None:
            return go_sprint(value)
        text = f"{value:.{places}{letter}}"
        return re.sub(r"e([+-])(\d)$", r"e\g<1>0\2", text)

    return verb


def _verb_x(value: Any, flags: str, precision: str | None) -> str | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return format(value, "x")
    return value.encode().hex() if isinstance(value, str) else None


def _verb_c(value: Any, flags: str, precision: str | None) -> str | None:
    return chr(value) if isinstance(value, int) and not isinstance(value, bool) else None


_FORMATTERS: dict[str, Callable[[Any, str, str | None], str | None]] = {
    "v": _verb_v,
    "s": _verb_s,
    "d": _verb_d,
    "q": _verb_q,
    "t": _verb_t,
    "f": _float_verb("f"),
    "e": _float_verb("e"),
    "g": _float_verb("g"),
    "x": _verb_x,
    "c": _verb_c,
}


def go_html(*values: Any) -> str:
    return html_module.escape(go_print(*values), quote=True).replace("&#x27;", "&#39;")


def go_js(*values: Any) -> str:
    text = go_print(*values)
    for char, escaped in (("\\", "\\\\"), ("'", "\\'"), ('"', "\\u0022"), ("<", "\\u003C"), (">", "\\u003E")):
        text = text.replace(char, escaped)
    return text


def go_urlquery(*values: Any) -> str:
    return quote_plus(go_print(*values))


# Functions called with evaluated arguments, by name; and/or/not and call are the executor's.
FUNCTIONS: dict[str, Callable[..., Any]] = {
    "eq": go_eq,
    "ne": go_ne,
    "lt": go_lt,
    "le": go_le,
    "gt": go_gt,
    "ge": go_ge,
    "index": go_index,
    "len": go_len,
    "slice": go_slice,
    "print": go_print,
    "println": go_println,
    "printf": go_printf,
    "html": go_html,
    "js": go_js,
    "urlquery": go_urlquery,
    "exists": kubectl_exists,
    "base64decode": kubectl_base64decode,
}
FUNCTION_NAMES = frozenset({*FUNCTIONS, "and", "or", "not", "call"})


def arity(name: str, args: Sequence[Any]) -> None:
    """Go's check of a call's argument count, for the functions with a fixed one."""
    fixed = {"ne": 2, "lt": 2, "le": 2, "gt": 2, "ge": 2, "len": 1, "base64decode": 1, "not": 1}
    if name in fixed and len(args) != fixed[name]:
        raise FunctionError(f"wrong number of args for {name}: want {fixed[name]} got {len(args)}")
    if name in ("index", "exists", "printf", "slice", "eq") and not args:
        raise FunctionError(f"wrong number of args for {name}: want at least 1 got 0")
