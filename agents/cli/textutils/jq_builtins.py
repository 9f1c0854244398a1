"""jq's builtin functions that one-liners use, by (name, arity), and the ``@format`` strings.

Each builtin takes the input and its argument filters and yields its outputs. ``env``, ``input`` and
friends are absent on purpose: a program sees only what was piped to it.
"""

from __future__ import annotations

import base64
import csv
import io
import json
import math
import re
from collections.abc import Callable, Iterator
from typing import Any

from agents.cli.textutils.jq_values import (
    Filter,
    JqError,
    add,
    described,
    dump,
    index,
    iterate,
    order_key,
    truthy,
    type_name,
)

Builtin = Callable[..., Iterator[Any]]


def _one(function: Callable[[Any], Any]) -> Builtin:
    """A builtin of no argument with exactly one output."""
    return lambda item: iter((function(item),))


def _length(item: Any) -> Any:
    if item is None:
        return 0
    if isinstance(item, bool):
        raise JqError(f"{described(item)} has no length")
    if isinstance(item, int | float):
        return abs(item)
    return len(item)


def _keys(item: Any, *, sort: bool = True) -> list[Any]:
    if isinstance(item, dict):
        return sorted(item) if sort else list(item)
    if isinstance(item, list):
        return list(range(len(item)))
    raise JqError(f"{described(item)} has no keys")


def _has(item: Any, key: Filter) -> Iterator[bool]:
    for wanted in key(item):
        if isinstance(item, dict) and isinstance(wanted, str):
            yield wanted in item
        elif isinstance(item, list) and isinstance(wanted, int | float):
            yield 0 <= wanted < len(item)
        else:
            raise JqError(f"Cannot check whether {type_name(item)} has a {type_name(wanted)} key")


def _select(item: Any, condition: Filter) -> Iterator[Any]:
    for verdict in condition(item):
        if truthy(verdict):
            yield item


def _map(item: Any, function: Filter) -> Iterator[list[Any]]:
    yield [out for element in iterate(item) for out in function(element)]


def _map_values(item: Any, function: Filter) -> Iterator[Any]:
    if isinstance(item, dict):
        yield {key: next(iter(function(value)), None) for key, value in item.items()}
    else:
        yield [next(iter(function(value)), None) for value in iterate(item)]


def _sorted_by(item: Any, function: Filter | None) -> list[Any]:
    if not isinstance(item, list):
        raise JqError(f"{described(item)} cannot be sorted, as it is not an array")
    if function is None:
        return sorted(item, key=order_key)
    return sorted(item, key=lambda element: order_key(list(function(element))))


def _group_by(item: Any, function: Filter) -> Iterator[list[list[Any]]]:
    groups: list[list[Any]] = []
    previous: Any = object()
    for element in _sorted_by(item, function):
        key = list(function(element))
        if groups and order_key(key) == order_key(previous):
            groups[-1].append(element)
        else:
            groups.append([element])
        previous = key
    yield groups


def _unique_by(item: Any, function: Filter | None) -> list[Any]:
    seen: list[Any] = []
    out: list[Any] = []
    for element in _sorted_by(item, function):
        key = order_key(list(function(element)) if function else element)
        if key not in seen:
            seen.append(key)
            out.append(element)
    return out


def _extreme(item: Any, function: Filter | None, *, largest: bool) -> Any:
    if not isinstance(item, list):
        raise JqError(f"{described(item)} cannot be sorted, as it is not an array")
    if not item:
        return None
    ordered = _sorted_by(item, function)
    return ordered[-1] if largest else ordered[0]


def _to_entries(item: Any) -> list[dict[str, Any]]:
    if not isinstance(item, dict):
        raise JqError(f"{described(item)} has no keys")
    return [{"key": key, "value": value} for key, value in item.items()]


def _from_entries(item: Any) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for entry in iterate(item):
        key = next((entry.get(name) for name in ("key", "k", "name", "Name", "Key", "K") if name in entry), None)
        result[key if isinstance(key, str) else dump(key)] = entry.get("value", entry.get("v"))
    return result


def _with_entries(item: Any, function: Filter) -> Iterator[Any]:
    mapped = [out for entry in _to_entries(item) for out in function(entry)]
    yield _from_entries(mapped)


def _string_op(name: str, operation: Callable[[str, Any], Any]) -> Builtin:
    def run(item: Any, argument: Filter) -> Iterator[Any]:
        for value in argument(item):
            if not isinstance(item, str):
                raise JqError(f"{described(item)} cannot be {name}, as it is not a string")
            yield operation(item, value)

    return run


def _join(item: Any, separator: Filter) -> Iterator[str]:
    for joiner in separator(item):
        parts = ["" if value is None else value if isinstance(value, str) else dump(value) for value in iterate(item)]
        yield joiner.join(parts)


def _regex_op(item: Any, pattern: Filter, replacement: Filter | None = None, *, every: bool = False) -> Iterator[Any]:
    for regex in pattern(item):
        if not isinstance(item, str):
            raise JqError(f"{described(item)} cannot be matched, as it is not a string")
        try:
            compiled = re.compile(regex)
        except re.error as error:
            raise JqError(f"{regex} (at offset {error.pos or 0}) is not a valid regex: {error}") from None
        if replacement is None:
            yield compiled.search(item) is not None
            continue
        for new in replacement(item):
            yield compiled.sub(lambda _, text=new: str(text), item, count=0 if every else 1)


def _tonumber(item: Any) -> Any:
    if isinstance(item, int | float) and not isinstance(item, bool):
        return item
    if isinstance(item, str) and re.fullmatch(r"\s*-?\d+(\.\d+)?([eE][-+]?\d+)?\s*", item):
        return json.loads(item.strip())
    raise JqError(f"{described(item)} cannot be parsed as a number")


def _range(item: Any, *bounds: Filter) -> Iterator[Any]:
    values = [next(iter(bound(item)), 0) for bound in bounds]
    start, end = (0, values[0]) if len(values) == 1 else (values[0], values[1])
    number = start
    while number < end:
        yield number
        number += 1


def _limit(item: Any, count: Filter, function: Filter) -> Iterator[Any]:
    for limit in count(item):
        for position, value in enumerate(function(item)):
            if position >= limit:
                break
            yield value


def _flatten(item: Any) -> list[Any]:
    flat: list[Any] = []
    for element in iterate(item):
        flat.extend(_flatten(element) if isinstance(element, list) else [element])
    return flat


def _type_filter(name: str) -> Builtin:
    return lambda item: iter((item,) if type_name(item) == name else ())


BUILTINS: dict[tuple[str, int], Builtin] = {
    ("length", 0): _one(_length),
    ("utf8bytelength", 0): _one(lambda item: len(item.encode()) if isinstance(item, str) else _length(item)),
    ("keys", 0): _one(_keys),
    ("keys_unsorted", 0): _one(lambda item: _keys(item, sort=False)),
    ("values", 0): lambda item: iter((item,) if item is not None else ()),
    ("has", 1): _has,
    ("select", 1): _select,
    ("map", 1): _map,
    ("map_values", 1): _map_values,
    ("empty", 0): lambda item: iter(()),
    ("not", 0): _one(lambda item: not truthy(item)),
    ("type", 0): _one(type_name),
    ("add", 0): _one(lambda item: _add_all(list(iterate(item)))),
    ("any", 0): _one(lambda item: any(truthy(value) for value in iterate(item))),
    ("all", 0): _one(lambda item: all(truthy(value) for value in iterate(item))),
    ("range", 1): _range,
    ("range", 2): _range,
    ("floor", 0): _one(lambda item: math.floor(item)),
    ("ceil", 0): _one(lambda item: math.ceil(item)),
    ("round", 0): _one(lambda item: math.floor(item + 0.5)),
    ("sqrt", 0): _one(lambda item: math.sqrt(item)),
    ("tostring", 0): _one(lambda item: item if isinstance(item, str) else dump(item)),
    ("tonumber", 0): _one(_tonumber),
    ("ascii_downcase", 0): _one(lambda item: item.lower()),
    ("ascii_upcase", 0): _one(lambda item: item.upper()),
    ("ltrimstr", 1): _string_op(
        "trimmed", lambda item, v: item[len(v) :] if isinstance(v, str) and item.startswith(v) else item
    ),
    ("rtrimstr", 1): _string_op(
        "trimmed", lambda item, v: item[: -len(v)] if isinstance(v, str) and v and item.endswith(v) else item
    ),
    ("startswith", 1): _string_op("checked", lambda item, v: item.startswith(v)),
    ("endswith", 1): _string_op("checked", lambda item, v: item.endswith(v)),
    ("split", 1): _string_op("split", lambda item, v: item.split(v) if v else list(item)),
    ("contains", 1): lambda item, other: (_contains(item, value) for value in other(item)),
    ("join", 1): _join,
    ("test", 1): _regex_op,
    ("sub", 2): _regex_op,
    ("gsub", 2): lambda item, pattern, replacement: _regex_op(item, pattern, replacement, every=True),
    ("to_entries", 0): _one(_to_entries),
    ("from_entries", 0): _one(_from_entries),
    ("with_entries", 1): _with_entries,
    ("sort", 0): _one(lambda item: _sorted_by(item, None)),
    ("sort_by", 1): lambda item, function: iter((_sorted_by(item, function),)),
    ("group_by", 1): _group_by,
    ("unique", 0): _one(lambda item: _unique_by(item, None)),
    ("unique_by", 1): lambda item, function: iter((_unique_by(item, function),)),
    ("min", 0): _one(lambda item: _extreme(item, None, largest=False)),
    ("max", 0): _one(lambda item: _extreme(item, None, largest=True)),
    ("min_by", 1): lambda item, function: iter((_extreme(item, function, largest=False),)),
    ("max_by", 1): lambda item, function: iter((_extreme(item, function, largest=True),)),
    ("reverse", 0): _one(lambda item: item[::-1] if isinstance(item, list | str) else _bad_reverse(item)),
    ("first", 0): _one(lambda item: index(item, 0)),
    ("last", 0): _one(lambda item: index(item, -1)),
    ("first", 1): lambda item, function: iter(list(_limit(item, lambda _: iter((1,)), function))),
    ("last", 1): lambda item, function: iter(list(function(item))[-1:]),
    ("limit", 2): _limit,
    ("flatten", 0): _one(_flatten),
    ("tojson", 0): _one(dump),
    ("fromjson", 0): _one(lambda item: json.loads(item)),
    ("error", 1): lambda item, message: _raise(next(iter(message(item)), None)),
    **{
        (name, 0): _type_filter(kind)
        for name, kind in (
            ("arrays", "array"),
            ("objects", "object"),
            ("strings", "string"),
            ("numbers", "number"),
            ("booleans", "boolean"),
            ("nulls", "null"),
        )
    },
}


def _add_all(values: list[Any]) -> Any:
    total: Any = None
    for value in values:
        total = add(total, value)
    return total


def _contains(item: Any, other: Any) -> bool:
    if isinstance(item, str) and isinstance(other, str):
        return other in item
    if isinstance(item, list) and isinstance(other, list):
        return all(any(_contains(mine, theirs) for mine in item) for theirs in other)
    if isinstance(item, dict) and isinstance(other, dict):
        return all(key in item and _contains(item[key], value) for key, value in other.items())
    if type_name(item) != type_name(other):
        raise JqError(f"{described(item)} and {described(other)} cannot have their containment checked")
    return bool(item == other)


def _bad_reverse(item: Any) -> Any:
    if item is None:
        return []
    raise JqError(f"Cannot reverse {described(item)}")


def _raise(message: Any) -> Iterator[Any]:
    raise JqError(message if isinstance(message, str) else dump(message))


def _row(item: Any, dialect: str) -> str:
    if not isinstance(item, list):
        raise JqError(f"{described(item)} cannot be {dialect}-formatted, only an array can be")
    cells = ["" if value is None else value if isinstance(value, str) else dump(value) for value in item]
    if dialect == "tsv":
        return "\t".join(cell.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n") for cell in cells)
    buffer = io.StringIO()
    csv.writer(buffer, quoting=csv.QUOTE_NONNUMERIC, lineterminator="").writerow(item)
    return buffer.getvalue()


FORMATS: dict[str, Callable[[Any], str]] = {
    "text": lambda item: item if isinstance(item, str) else dump(item),
    "json": dump,
    "csv": lambda item: _row(item, "csv"),
    "tsv": lambda item: _row(item, "tsv"),
    "base64": lambda item: base64.b64encode((item if isinstance(item, str) else dump(item)).encode()).decode(),
    "base64d": lambda item: base64.b64decode(item).decode(errors="replace"),
    "html": lambda item: (item if isinstance(item, str) else dump(item)).replace("&", "&amp;").replace("<", "&lt;"),
    "uri": lambda item: re.sub(r"[^A-Za-z0-9\-_.~]", lambda m: "".join(f"%{b:02X}" for b in m.group(0).encode()), item),
}
