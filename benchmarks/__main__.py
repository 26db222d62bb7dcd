"""``python -m benchmarks [upload] [--size-mib N] [--keep]``: the entry point ``make bench`` runs."""

from __future__ import annotations

import argparse
import signal
import sys
from types import FrameType


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="Benchmarks for the store (not part of the test suite).",
    )
    parser.add_argument(
        "benchmark",
        nargs="?",
        default="upload",
        choices=["upload"],
        help="which benchmark to run (default: upload)",
    )
    parser.add_argument(
        "--size-mib",
        type=int,
        default=1024,
        metavar="N",
        help="size of the uploaded test file in MiB (default: 1024 = 1 GiB)",
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=1,
        metavar="R",
        help="alternate direct and app uploads R times and count the best of each (default: 1)",
    )
    parser.add_argument(
        "--keep",
        action="store_true",
        help="keep the temporary directory (test file, database, server log) and print its path",
    )
    return parser


def _exit_on_sigterm(signum: int, frame: FrameType | None) -> None:
    """Turn SIGTERM into SystemExit so the benchmark's cleanup (server, SeaweedFS, files) runs."""
    raise SystemExit(128 + signum)


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.size_mib < 1 or args.rounds < 1:
        _parser().error("--size-mib and --rounds must be at least 1")
    signal.signal(signal.SIGTERM, _exit_on_sigterm)

    from benchmarks import upload

    try:
        return upload.run(size_mib=args.size_mib, keep=args.keep, rounds=args.rounds)
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
