"""jq's value semantics: type names, truth, ordering, indexing, iteration, arithmetic, with jq's error text."""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterator
from typing import Any

Filter = Callable[[Any], Iterator[Any]]


class JqError(Exception):
    """A runtime error; ``str(error)`` is jq's message (``Cannot iterate over null``)."""


def type_name(value: Any) -> str:
    """jq's name for the type of ``value``."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def dump(value: Any) -> str:
    """Compact JSON as jq prints values inside messages."""
    return json.dumps(normalise(value), ensure_ascii=False, separators=(",", ":"))


def described(value: Any) -> str:
    """``number (5)``: a value as jq's errors show it, long ones cut short."""
    text = dump(value)
    return f"{type_name(value)} ({text if len(text) <= 11 else text[:10] + '...'})"


def normalise(value: Any) -> Any:
    """Integral floats become ints, as jq prints ``3`` rather than ``3.0``."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e17:
        return int(value)
    if isinstance(value, list):
        return [normalise(item) for item in value]
    if isinstance(value, dict):
        return {key: normalise(item) for key, item in value.items()}
    return value


def truthy(value: Any) -> bool:
    """Only false and null are false."""
    return value is not None and value is not False


def order_key(value: Any) -> tuple[Any, ...]:
    """jq's total order: null < false < true < numbers < strings < arrays < objects."""
    if value is None:
        return (0,)
    if value is False:
        return (1,)
    if value is True:
        return (2,)
    if isinstance(value, int | float):
        return (3, value)
    if isinstance(value, str):
        return (4, value)
    if isinstance(value, list):
        return (5, tuple(order_key(item) for item in value))
    keys = sorted(value)
    return (6, tuple(keys), tuple(order_key(value[key]) for key in keys))


def index(value: Any, key: Any) -> Any:
    """``value[key]`` with jq's rules: null in, null out; out-of-range is null; wrong types are errors."""
    if value is None and not isinstance(key, list | dict | bool):
        return None
    if isinstance(value, dict) and isinstance(key, str):
        return value.get(key)
    if isinstance(value, list) and isinstance(key, int | float) and not isinstance(key, bool):
        position = math.floor(key)
        if position < 0:
            position += len(value)
        return value[position] if 0 <= position < len(value) else None
    shown = f'"{key}"' if isinstance(key, str) else type_name(key)
    raise JqError(f"Cannot index {type_name(value)} with {shown}")


def slice_of(value: Any, start: Any, end: Any) -> Any:
    """``value[start:end]`` for arrays and strings."""
    if value is None:
        return None
    if not isinstance(value, list | str):
        raise JqError(f"Cannot index {type_name(value)} with object")
    low = None if start is None else math.floor(start)
    high = None if end is None else math.ceil(end)
    return value[low:high]


def iterate(value: Any) -> Iterator[Any]:
    """``value[]``: an array's items or an object's values."""
    if isinstance(value, list):
        return iter(value)
    if isinstance(value, dict):
        return iter(value.values())
    raise JqError(f"Cannot iterate over {described(value) if value is not None else 'null'}")


def add(left: Any, right: Any) -> Any:
    """jq's ``+``."""
    if left is None:
        return right
    if right is None:
        return left
    if _numbers(left, right):
        return left + right
    if isinstance(left, str) and isinstance(right, str):
        return left + right
    if isinstance(left, list) and isinstance(right, list):
        return left + right
    if isinstance(left, dict) and isinstance(right, dict):
        return {**left, **right}
    raise JqError(f"{described(left)} and {described(right)} cannot be added")


def arithmetic(operator: str, left: Any, right: Any) -> Any:
    """jq's ``-``, ``*``, ``/`` and ``%``."""
    if operator == "+":
        return add(left, right)
    if _numbers(left, right):
        return _number_op(operator, left, right)
    if operator == "-" and isinstance(left, list) and isinstance(right, list):
        return [item for item in left if item not in right]
    if operator == "/" and isinstance(left, str) and isinstance(right, str):
        return left.split(right) if right else list(left)
    verb = {"-": "subtracted", "*": "multiplied", "/": "divided", "%": "divided"}[operator]
    raise JqError(f"{described(left)} and {described(right)} cannot be {verb}")


def _number_op(operator: str, left: float, right: float) -> float:
    if operator in ("/", "%") and right == 0:
        raise JqError(f"{described(left)} and {described(right)} cannot be divided because the divisor is zero")
    if operator == "-":
        return left - right
    if operator == "*":
        return left * right
    if operator == "/":
        return left / right
    return int(left) % int(right)


def _numbers(*values: Any) -> bool:
    return all(isinstance(value, int | float) and not isinstance(value, bool) for value in values)


def compare(operator: str, left: Any, right: Any) -> bool:
    """jq's comparison operators over its total order."""
    if operator == "==":
        return order_key(left) == order_key(right)
    if operator == "!=":
        return order_key(left) != order_key(right)
    left_key, right_key = order_key(left), order_key(right)
    return {"<": left_key < right_key, "<=": left_key <= right_key, ">": left_key > right_key}.get(
        operator, left_key >= right_key
    )
