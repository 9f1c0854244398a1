"""The text tools a command line may pipe kubectl's output through, built in: no process, no file system.

Each is a program ``(argv, stdin) -> ProgramResult`` with the real tool's options, output and error
wording for what agents use (``grep -A 3``, ``awk '{print $1}'``, ``jq -r '.items[].metadata.name'``).
They only read their input, which is why the access check may call them reads.
"""

from collections.abc import Mapping
from types import MappingProxyType

from agents.cli.textutils.awk import awk
from agents.cli.textutils.basic import base64, cat, echo, false, printf, sleep, true
from agents.cli.textutils.common import ProgramResult, Tool
from agents.cli.textutils.fields import column, cut, tr
from agents.cli.textutils.grep import egrep, fgrep, grep
from agents.cli.textutils.jq import jq
from agents.cli.textutils.lines import head, tail, wc
from agents.cli.textutils.sed import sed
from agents.cli.textutils.sorting import sort, uniq

__all__ = ["BUILTIN_PROGRAMS", "ProgramResult"]

BUILTIN_PROGRAMS: Mapping[str, Tool] = MappingProxyType(
    {
        "grep": grep,
        "egrep": egrep,
        "fgrep": fgrep,
        "head": head,
        "tail": tail,
        "wc": wc,
        "sort": sort,
        "uniq": uniq,
        "cut": cut,
        "awk": awk,
        "tr": tr,
        "sed": sed,
        "column": column,
        "jq": jq,
        "base64": base64,
        "echo": echo,
        "printf": printf,
        "cat": cat,
        "true": true,
        "false": false,
        "sleep": sleep,
    }
)
