"""Go's ``text/tabwriter``, as kubectl configures it: left-aligned cells padded with spaces.

Both printers align with it, so it stands alone: ``kubectl get`` tables use a minimum width of six and
three spaces of padding, ``kubectl describe`` uses (0, 2).
"""

from __future__ import annotations

_GET_MIN_WIDTH = 6
_GET_PADDING = 3


def tabwrite(text: str, *, minwidth: int = _GET_MIN_WIDTH, padding: int = _GET_PADDING) -> str:
    """Align tab-terminated cells exactly as Go's ``text/tabwriter`` (left aligned, space padded).

    A column's width is set per block of consecutive lines that have a cell in it; the text after a
    line's last tab is not a cell and is never padded. kubectl get uses (6, 3); describe uses (0, 2).
    """
    lines = [line.split("\t") for line in text.split("\n")]
    out: list[str] = []
    _format_columns(lines, 0, len(lines), [], out, minwidth, padding)
    return "\n".join(out)


def _format_columns(
    lines: list[list[str]], first: int, last: int, widths: list[int], out: list[str], minwidth: int, padding: int
) -> None:
    column = len(widths)
    index = first
    while index < last:
        if column >= len(lines[index]) - 1:
            index += 1
            continue
        _write_lines(lines, first, index, widths, out)
        first = index
        width = minwidth
        while index < last and column < len(lines[index]) - 1:
            width = max(width, len(lines[index][column]) + padding)
            index += 1
        _format_columns(lines, first, index, [*widths, width], out, minwidth, padding)
        first = index
    _write_lines(lines, first, last, widths, out)


def _write_lines(lines: list[list[str]], first: int, last: int, widths: list[int], out: list[str]) -> None:
    for cells in lines[first:last]:
        out.append("".join(cell.ljust(widths[i]) if i < len(widths) else cell for i, cell in enumerate(cells)))
