"""Verify an exported audit log offline, on any machine with Python and no Django:

    python -m trajectories.audit.verify_export export.jsonl [--checkpoints FILE [--key KEY]]

The key defaults to the ``AOI_AUDIT_CHECKPOINT_KEY`` environment variable (a key on the command
line is visible to other users of the machine). Exit status: 0 intact, 1 broken (the first bad
seq is printed), 2 usage error. This module and what it imports must stay free of Django.
"""

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from trajectories.audit.verification import describe, verify_export_file

KEY_VARIABLE = "AOI_AUDIT_CHECKPOINT_KEY"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m trajectories.audit.verify_export",
        description="Verify the hash chain of an audit log export, and its signed checkpoints.",
    )
    parser.add_argument("export", type=Path, help="JSONL file from GET /api/v1/audit/export/ (unfiltered)")
    parser.add_argument("--checkpoints", type=Path, help="the platform's signed checkpoint file")
    parser.add_argument("--key", help=f"the checkpoint signing key (default: ${KEY_VARIABLE})")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the verifier; returns the exit status."""
    parser = _parser()
    args = parser.parse_args(argv)
    if not args.export.is_file():
        parser.error(f"no export file at {args.export}")
    key = args.key if args.key is not None else os.environ.get(KEY_VARIABLE)
    if args.checkpoints is not None:
        if not args.checkpoints.is_file():
            parser.error(f"no checkpoint file at {args.checkpoints}")
        if not key:
            parser.error(f"--checkpoints needs the signing key: --key or ${KEY_VARIABLE}")
    verdict = verify_export_file(export_path=args.export, checkpoints_path=args.checkpoints, key=(key or "").encode())
    print(describe(verdict, checkpoints_path=args.checkpoints), file=sys.stdout if verdict.ok else sys.stderr)
    return 0 if verdict.ok else 1


if __name__ == "__main__":
    sys.exit(main())
