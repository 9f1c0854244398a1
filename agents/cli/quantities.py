"""Kubernetes resource quantities ("250m", "128Mi", "1e3") parsed, summed and printed back.

Parsed to ``Decimal`` in base units; used for QoS classes, downward-API resource values, the
resources allocated on a node, and ``--sort-by`` (which orders two quantities by amount).
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

_QUANTITY = re.compile(r"^([+-]?[0-9.]+)([eE][+-]?[0-9]+|[KMGTPE]i|[numkMGTPE])?$")
_SUFFIXES = {"n": Decimal("1e-9"), "u": Decimal("1e-6"), "m": Decimal("1e-3"), "": Decimal(1), "k": Decimal(1000)}
_SUFFIXES.update({s: Decimal(1000) ** (i + 2) for i, s in enumerate(("M", "G", "T", "P", "E"))})
_SUFFIXES.update({s: Decimal(1024) ** (i + 1) for i, s in enumerate(("Ki", "Mi", "Gi", "Ti", "Pi", "Ei"))})


def parse_quantity(text: str | None) -> Decimal | None:
    """A resource quantity ("250m", "128Mi", "1e3") in base units, or None if it does not parse."""
    match = _QUANTITY.match(str(text or "").strip())
    if match is None:
        return None
    try:
        number = Decimal(match.group(1))
    except InvalidOperation:
        return None
    suffix = match.group(2) or ""
    if suffix[:1] in ("e", "E"):
        return number * Decimal(10) ** int(suffix[1:])
    return number * _SUFFIXES[suffix]


def format_quantity(value: Decimal, binary: bool, cpu: bool) -> str:
    """A summed quantity in Kubernetes' canonical form ("250m", "1536Mi", "2")."""
    if value == 0:
        return "0"
    if cpu:
        milli = value * 1000
        return str(int(value)) if value == value.to_integral_value() else f"{int(milli)}m"
    base = Decimal(1024) if binary else Decimal(1000)
    suffixes = ("", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei") if binary else ("", "k", "M", "G", "T", "P", "E")
    exponent = 0
    while exponent + 1 < len(suffixes) and value % (base ** (exponent + 1)) == 0:
        exponent += 1
    return f"{int(value / base**exponent)}{suffixes[exponent]}"
