"""``python -m benchmarks [all|upload|availability|search|stats|throughput|soak] [options]``: the entry point
``make bench`` runs (all of them, one after the other)."""

from __future__ import annotations

import argparse
import signal
import sys
from types import FrameType

BENCHMARKS = ("upload", "availability", "search", "stats", "throughput", "soak")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="Benchmarks for the store (not part of the test suite).",
    )
    parser.add_argument(
        "benchmark",
        nargs="?",
        default="all",
        choices=["all", *BENCHMARKS],
        help="which benchmark to run (default: all)",
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
        default=None,
        metavar="R",
        help="upload: alternate direct and app uploads R times and count the best of each "
        "(default: 1); search: passes over the query set, after a warm-up pass (default: 3); "
        "stats: passes over the filter sets, after a warm-up pass (default: 5)",
    )
    parser.add_argument(
        "--seconds",
        type=float,
        default=10.0,
        metavar="S",
        help="availability: how long /health is sampled idle, and again under load (default: 10)",
    )
    parser.add_argument(
        "--minutes",
        type=float,
        default=3.0,
        metavar="M",
        help="soak: minutes of mixed load per database, SQLite then PostgreSQL (default: 3)",
    )
    parser.add_argument(
        "--server",
        choices=["uvicorn", "granian"],
        default=None,
        help="soak: the HTTP server `store run` uses (default: its own default, STORE_SERVER); "
        "throughput: measure this server only (default: every server `store run` offers)",
    )
    parser.add_argument(
        "--duration",
        type=float,
        default=300.0,
        metavar="S",
        help="throughput: seconds of load per target (default: 300)",
    )
    parser.add_argument(
        "--apps",
        type=_sizes,
        default=None,
        metavar="N[,N…]",
        help="search: catalog sizes, comma-separated (default: 10000,100000; 2000 for a quick check); "
        "stats and throughput: one size (default: 10000)",
    )
    parser.add_argument(
        "--adoptions",
        type=int,
        default=100_000,
        metavar="N",
        help="stats and throughput: adoptions in the generated history (default: 100000)",
    )
    parser.add_argument(
        "--explain",
        action="store_true",
        help="stats: show the query plan of the slowest statement of each figure slower than 50 ms (p95)",
    )
    parser.add_argument(
        "--queries",
        type=int,
        default=200,
        metavar="Q",
        help="search: how many of the fixed, seeded queries to run (default: 200)",
    )
    parser.add_argument(
        "--lag-apps",
        type=int,
        default=20,
        metavar="A",
        help="search: apps published to measure publish-to-searchable lag, per size (default: 20; 0 skips)",
    )
    parser.add_argument(
        "--keep",
        action="store_true",
        help="keep the temporary directory (test file, database, server log) and print its path",
    )
    return parser


def _sizes(text: str) -> tuple[int, ...]:
    try:
        sizes = tuple(sorted({int(part.replace("_", "")) for part in text.split(",") if part.strip()}))
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a comma-separated list of numbers: {text!r}") from None
    if not sizes or sizes[0] < 1:
        raise argparse.ArgumentTypeError("catalog sizes must be at least 1")
    return sizes


def _exit_on_sigterm(signum: int, frame: FrameType | None) -> None:
    """Turn SIGTERM into SystemExit so the benchmark's cleanup (server, SeaweedFS, files) runs."""
    raise SystemExit(128 + signum)


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.size_mib < 1 or (args.rounds is not None and args.rounds < 1) or args.seconds <= 0:
        _parser().error("--size-mib and --rounds must be at least 1, --seconds above 0")
    if args.queries < 1 or args.lag_apps < 0:
        _parser().error("--queries must be at least 1, --lag-apps at least 0")
    if args.adoptions < 0:
        _parser().error("--adoptions must be at least 0")
    if args.benchmark in ("stats", "throughput") and args.apps is not None and len(args.apps) > 1:
        _parser().error(f"{args.benchmark} takes one --apps size")
    if args.duration < 1:
        _parser().error("--duration must be at least 1 second")
    if args.minutes <= 0:
        _parser().error("--minutes must be above 0")
    signal.signal(signal.SIGTERM, _exit_on_sigterm)

    from benchmarks import availability, search, soak, stats, throughput, upload

    runs = {
        "upload": lambda: upload.run(size_mib=args.size_mib, keep=args.keep, rounds=args.rounds or 1),
        "availability": lambda: availability.run(seconds=args.seconds, keep=args.keep),
        "search": lambda: search.run(
            apps=args.apps or (10_000, 100_000),
            queries=args.queries,
            rounds=args.rounds or 3,
            lag_apps=args.lag_apps,
            keep=args.keep,
        ),
        "stats": lambda: stats.run(
            apps=max(args.apps) if args.apps else 10_000,
            adoptions=args.adoptions,
            rounds=args.rounds or 5,
            explain=args.explain,
            keep=args.keep,
        ),
        "soak": lambda: soak.run(minutes=args.minutes, server=args.server, keep=args.keep),
        "throughput": lambda: throughput.run(
            seconds=args.duration,
            apps=max(args.apps) if args.apps else 10_000,
            adoptions=args.adoptions,
            keep=args.keep,
            server=args.server,
        ),
    }
    chosen = list(BENCHMARKS) if args.benchmark == "all" else [args.benchmark]
    try:
        return max(runs[name]() for name in chosen)
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
