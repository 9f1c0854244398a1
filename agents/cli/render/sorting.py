"""``--sort-by``: objects in the order kubectl puts them, by the first value a JSONPath finds in each.

kubectl reads the field relaxed (``.a.b``, ``a.b``, ``{a.b}`` or ``{.a.b}``), refuses a field that no
object has, and compares two values by type: numbers by value, two strings that both read as resource
quantities ("250m", "1Gi", "3") by amount, other strings in natural order ("pod-9" before "pod-10").
An object without the field sorts first.

Objects that compare equal come out in the order Go's ``sort.Sort`` leaves them in, which kubectl uses
and which is not stable (pattern-defeating quicksort over more than 12 items): ``go_sort`` reproduces
that algorithm step for step, so ties (pods created in the same second) print in kubectl's order too.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from agents.cli.jsonpath import JsonPathError, find_results
from agents.cli.quantities import parse_quantity
from agents.cli.render.cells import JSONObj

RELAXED_PATH = re.compile(r"^\{\.?([^{}]+)\}$|^\.?([^{}]+)$")
_EXPECTED = "'name1.name2' or '.name1.name2' or '{name1.name2}' or '{.name1.name2}'"
_MISSING = object()


class SortError(ValueError):
    """A ``--sort-by`` kubectl refuses; ``str()`` is what kubectl prints on stderr."""


class FieldNotFound(SortError):
    """No object has the field sorted by."""


class Unsortable(SortError):
    """Two values kubectl cannot compare (maps, lists, booleans, a string against a number): kubectl
    stops with a fatal log line, which ``fatal_line`` words."""

    def __init__(self, template: str, reason: str) -> None:
        super().__init__(f"error: field {template} is an unsortable type: {reason}\n")
        self.template = template
        self.reason = reason

    def fatal_line(self, now: datetime, *, table: bool) -> str:
        """kubectl's klog line (its process id shown as 1), for a table's rows or a list's objects."""
        where, line = ("[][][]reflect.Value", 375) if table else ("*unstructured.Unstructured", 329)
        stamp = now.strftime("%m%d %H:%M:%S.%f")
        return (
            f"F{stamp}       1 sorter.go:{line}] Field {self.template} in {where} is an unsortable type: "
            f"interface, err: {self.reason}\n"
        )


def field_not_found(template: str) -> FieldNotFound:
    return FieldNotFound(f'error: couldn\'t find any field with path "{template}" in the list of objects\n')


def relaxed_template(expression: str) -> str:
    """``.a.b``, ``a.b``, ``{a.b}`` and ``{.a.b}`` all as the template ``{.a.b}`` (kubectl's relaxed form)."""
    match = RELAXED_PATH.match(expression)
    if match is None:
        raise SortError(f"error: unexpected path string, expected a {_EXPECTED}\n")
    return "{." + (match.group(1) or match.group(2)) + "}"


def sort_objects(objects: Sequence[JSONObj], expression: str) -> list[JSONObj]:
    """``objects`` ordered by ``expression`` as ``kubectl get --sort-by`` orders them."""
    if not expression or not objects:
        return list(objects)
    template = relaxed_template(expression)
    try:
        keys = [_first_value(template, obj) for obj in objects]
    except JsonPathError as error:
        raise SortError(str(error)) from None
    if all(key is _MISSING for key in keys):
        raise field_not_found(template)
    order = list(range(len(objects)))

    def less(i: int, j: int) -> bool:
        return _less_keys(template, keys[order[i]], keys[order[j]])

    def swap(i: int, j: int) -> None:
        order[i], order[j] = order[j], order[i]

    go_sort(len(order), less, swap)
    return [objects[index] for index in order]


def _first_value(template: str, obj: JSONObj) -> Any:
    groups = find_results(template, obj, allow_missing_keys=True)
    return groups[0][0] if groups and groups[0] else _MISSING


def _less_keys(template: str, left: Any, right: Any) -> bool:
    """kubectl's Less: a missing value is less than anything (even another missing one), then nulls."""
    if left is _MISSING:
        return True
    if right is _MISSING:
        return False
    if left is None or right is None:
        return left is None and right is not None
    return _less(template, left, right)


def _less(template: str, left: Any, right: Any) -> bool:
    if isinstance(left, str) and isinstance(right, str):
        left_amount, right_amount = parse_quantity(left), parse_quantity(right)
        if left_amount is not None and right_amount is not None:
            return left_amount < right_amount
        return natural_less(left, right)
    if _number(left) and _number(right):
        return bool(left < right)
    if isinstance(left, str | int | float) and not isinstance(left, bool):
        raise Unsortable(template, "unsortable interface: interface")
    raise Unsortable(template, f"unsortable type: {_go_type(left)}")


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _go_type(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, dict):
        return "map[string]interface {}"
    if isinstance(value, list):
        return "[]interface {}"
    return "string" if isinstance(value, str) else "int64" if isinstance(value, int) else "float64"


def natural_less(left: str, right: str) -> bool:
    """Natural order: runs of digits compare as numbers (fewer leading zeros first), other bytes as bytes."""
    a, b = left.encode(), right.encode()
    i = j = 0
    while i < len(a) and j < len(b):
        digit_a, digit_b = a[i : i + 1].isdigit(), b[j : j + 1].isdigit()
        if digit_a != digit_b:
            return digit_a
        if not digit_a:
            if a[i] != b[j]:
                return a[i] < b[j]
            i, j = i + 1, j + 1
            continue
        run_a, zeros_a, i = _digit_run(a, i)
        run_b, zeros_b, j = _digit_run(b, j)
        if len(run_a) != len(run_b):
            return len(run_a) < len(run_b)
        if run_a != run_b:
            return run_a < run_b
        if zeros_a != zeros_b:
            return zeros_a < zeros_b
    return len(a) < len(b)


def _digit_run(text: bytes, start: int) -> tuple[bytes, int, int]:
    """The digits from ``start`` without leading zeros, how many zeros led, and where the run ends."""
    index = start
    while index < len(text) and text[index : index + 1] == b"0":
        index += 1
    significant = index
    while index < len(text) and text[index : index + 1].isdigit():
        index += 1
    return text[significant:index], significant - start, index


# --- Go's sort.Sort --------------------------------------------------------------------------------
Less = Callable[[int, int], bool]
Swap = Callable[[int, int], None]
_MAX_INSERTION = 12


def go_sort(length: int, less: Less, swap: Swap) -> None:
    """Sort positions ``0..length`` through ``less`` and ``swap`` exactly as Go's ``sort.Sort`` does."""
    if length > 1:
        _pdqsort(less, swap, 0, length, length.bit_length())


def _pdqsort(less: Less, swap: Swap, a: int, b: int, limit: int) -> None:
    balanced = partitioned = True
    while True:
        length = b - a
        if length <= _MAX_INSERTION:
            _insertion_sort(less, swap, a, b)
            return
        if limit == 0:
            _heap_sort(less, swap, a, b)
            return
        if not balanced:
            _break_patterns(swap, a, b)
            limit -= 1
        pivot, hint = _choose_pivot(less, a, b)
        if hint == "decreasing":
            _reverse(swap, a, b)
            pivot, hint = (b - 1) - (pivot - a), "increasing"
        if balanced and partitioned and hint == "increasing" and _partial_insertion_sort(less, swap, a, b):
            return
        if a > 0 and not less(a - 1, pivot):
            a = _partition_equal(less, swap, a, b, pivot)
            continue
        mid, partitioned = _partition(less, swap, a, b, pivot)
        if mid - a < b - mid:
            balanced = mid - a >= length // 8
            _pdqsort(less, swap, a, mid, limit)
            a = mid + 1
        else:
            balanced = b - mid >= length // 8
            _pdqsort(less, swap, mid + 1, b, limit)
            b = mid


def _insertion_sort(less: Less, swap: Swap, a: int, b: int) -> None:
    for i in range(a + 1, b):
        j = i
        while j > a and less(j, j - 1):
            swap(j, j - 1)
            j -= 1


def _sift_down(less: Less, swap: Swap, root: int, hi: int, first: int) -> None:
    while True:
        child = 2 * root + 1
        if child >= hi:
            return
        if child + 1 < hi and less(first + child, first + child + 1):
            child += 1
        if not less(first + root, first + child):
            return
        swap(first + root, first + child)
        root = child


def _heap_sort(less: Less, swap: Swap, a: int, b: int) -> None:
    high = b - a
    for i in range((high - 1) // 2, -1, -1):
        _sift_down(less, swap, i, high, a)
    for i in range(high - 1, -1, -1):
        swap(a, a + i)
        _sift_down(less, swap, 0, i, a)


def _partition(less: Less, swap: Swap, a: int, b: int, pivot: int) -> tuple[int, bool]:
    swap(a, pivot)
    i, j = a + 1, b - 1
    while i <= j and less(i, a):
        i += 1
    while i <= j and not less(j, a):
        j -= 1
    if i > j:
        swap(j, a)
        return j, True
    swap(i, j)
    i, j = i + 1, j - 1
    while True:
        while i <= j and less(i, a):
            i += 1
        while i <= j and not less(j, a):
            j -= 1
        if i > j:
            break
        swap(i, j)
        i, j = i + 1, j - 1
    swap(j, a)
    return j, False


def _partition_equal(less: Less, swap: Swap, a: int, b: int, pivot: int) -> int:
    swap(a, pivot)
    i, j = a + 1, b - 1
    while True:
        while i <= j and not less(a, i):
            i += 1
        while i <= j and less(a, j):
            j -= 1
        if i > j:
            return i
        swap(i, j)
        i, j = i + 1, j - 1


def _partial_insertion_sort(less: Less, swap: Swap, a: int, b: int) -> bool:
    i = a + 1
    for _step in range(5):
        while i < b and not less(i, i - 1):
            i += 1
        if i == b:
            return True
        if b - a < 50:
            return False
        swap(i, i - 1)
        if i - a >= 2:
            for j in range(i - 1, 0, -1):
                if not less(j, j - 1):
                    break
                swap(j, j - 1)
        if b - i >= 2:
            for j in range(i + 1, b):
                if not less(j, j - 1):
                    break
                swap(j, j - 1)
    return False


def _break_patterns(swap: Swap, a: int, b: int) -> None:
    length = b - a
    if length < 8:
        return
    state = length
    modulus = 1 << length.bit_length()
    middle = a + (length // 4) * 2
    for offset in range(3):
        state ^= (state << 13) & 0xFFFFFFFFFFFFFFFF
        state ^= state >> 17
        state ^= (state << 5) & 0xFFFFFFFFFFFFFFFF
        other = state & (modulus - 1)
        if other >= length:
            other -= length
        swap(middle - 1 + offset, a + other)


def _choose_pivot(less: Less, a: int, b: int) -> tuple[int, str]:
    length = b - a
    swaps = [0]
    i, j, k = a + length // 4, a + length // 4 * 2, a + length // 4 * 3
    if length >= 8:
        if length >= 50:
            i = _median(less, i - 1, i, i + 1, swaps)
            j = _median(less, j - 1, j, j + 1, swaps)
            k = _median(less, k - 1, k, k + 1, swaps)
        j = _median(less, i, j, k, swaps)
    if swaps[0] == 0:
        return j, "increasing"
    return j, "decreasing" if swaps[0] == 12 else "unknown"


def _median(less: Less, a: int, b: int, c: int, swaps: list[int]) -> int:
    a, b = _order2(less, a, b, swaps)
    b, c = _order2(less, b, c, swaps)
    a, b = _order2(less, a, b, swaps)
    return b


def _order2(less: Less, a: int, b: int, swaps: list[int]) -> tuple[int, int]:
    if less(b, a):
        swaps[0] += 1
        return b, a
    return a, b


def _reverse(swap: Swap, a: int, b: int) -> None:
    i, j = a, b - 1
    while i < j:
        swap(i, j)
        i, j = i + 1, j - 1
