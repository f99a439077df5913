"""``sklearn-emnist benchmark``: hand over to the benchmark suite (``benchmarks/``)."""

from ._errors import EXIT_MISSING, CLIError

DESCRIPTION = """Run the benchmark suite (the 'benchmarks' package of the source repository:
python -m benchmarks). Every argument after 'benchmark' is passed to it unchanged; see
'sklearn-emnist benchmark --help' for its own options.

examples:
  sklearn-emnist benchmark list
  sklearn-emnist benchmark quick
  sklearn-emnist benchmark seed --models knn,cnn"""


def add_parser(subparsers, formatter):
    import argparse

    parser = subparsers.add_parser(
        "benchmark",
        help="run the benchmark suite (arguments go to 'python -m benchmarks')",
        description=DESCRIPTION,
        formatter_class=formatter,
        add_help=False,
    )
    parser.add_argument("benchmark_args", nargs=argparse.REMAINDER, metavar="ARGS")
    parser.set_defaults(run=run)
    return parser


def run_benchmarks(argv):
    """Call ``benchmarks.run.main(argv)``; a clear error when it is not importable.

    The console script does not put the current folder on ``sys.path``; when it
    is a source checkout (it holds ``benchmarks/run.py``), it is added.
    """
    import os
    import sys

    cwd = os.getcwd()
    if os.path.isfile(os.path.join(cwd, "benchmarks", "run.py")) and cwd not in sys.path:
        sys.path.insert(0, cwd)
    try:
        from benchmarks.run import main
    except ImportError as exc:
        raise CLIError(
            "the benchmark suite is not importable here ("
            f"{exc}). It lives in the 'benchmarks/' folder of the sklearn-emnist source "
            "repository, not in the installed package: run this command from a checkout's "
            "root folder (or put it on PYTHONPATH).",
            code=EXIT_MISSING,
        ) from exc
    status = main(list(argv))
    return 0 if status is None else int(status)


def run(args):
    return run_benchmarks(args.benchmark_args)
