"""The ``sklearn-emnist`` command line (also ``python -m sklearn_emnist``).

Subcommands: ``fetch``, ``train``, ``evaluate``, ``predict``, ``benchmark``.
Run ``sklearn-emnist <command> --help`` for each one's options and examples.
Results go to stdout, progress and errors to stderr; the exit code tells
scripts what happened (0 ok, 1 runtime or data error, 2 usage error, 3
missing optional dependency, 130 interrupted, 141 output closed early).

Examples
--------
>>> from sklearn_emnist.cli import main
>>> main(["predict"])  # doctest: +SKIP
"""

import argparse
import os
import sys

from ._cli import benchmark, evaluate, fetch, predict, train
from ._cli._console import set_quiet
from ._cli._errors import (
    EXIT_BROKEN_PIPE,
    EXIT_CODES_HELP,
    EXIT_ERROR,
    EXIT_INTERRUPTED,
    EXIT_MISSING,
    EXIT_USAGE,
    CLIError,
    public_name,
)

__all__ = ["build_parser", "main"]

PROG = "sklearn-emnist"

EXAMPLES = f"""quick start:
  sklearn-emnist fetch letters
  sklearn-emnist train --split letters --model cnn --epochs 10 -o letters-cnn.skem
  sklearn-emnist evaluate letters-cnn.skem --plots figures/
  sklearn-emnist predict letters-cnn.skem my_letter.jpg

{EXIT_CODES_HELP}

environment:
  SKLEARN_EMNIST_MIRROR   default --mirror for fetching
  SCIKIT_LEARN_DATA       default --data-home"""


class _Formatter(argparse.RawDescriptionHelpFormatter):
    """Wraps prose paragraphs; keeps paragraphs with indented lines (examples) as written."""

    def __init__(self, prog):
        super().__init__(prog, max_help_position=32, width=min(100, _terminal_width()))

    def _fill_text(self, text, width, indent):
        import textwrap

        paragraphs = []
        for paragraph in text.split("\n\n"):
            lines = paragraph.splitlines()
            if any(line.startswith(" ") for line in lines) or (lines and lines[0].endswith(":")):
                paragraphs.append("\n".join(indent + line for line in lines))
            else:
                paragraphs.append(
                    textwrap.fill(" ".join(lines), width, initial_indent=indent,
                                  subsequent_indent=indent)
                )
        return "\n\n".join(paragraphs)


def _terminal_width():
    try:
        return os.get_terminal_size().columns
    except OSError:
        return 100


def build_parser():
    """Build the argument parser of the ``sklearn-emnist`` command.

    Exposed for documentation tools and for embedding the commands in
    another program; :func:`main` is what runs them.

    Returns
    -------
    parser : argparse.ArgumentParser
        The parser with the ``fetch``, ``train``, ``evaluate``, ``predict``
        and ``benchmark`` sub-commands.

    Examples
    --------
    >>> from sklearn_emnist.cli import build_parser
    >>> args = build_parser().parse_args(["fetch", "letters", "--subset", "test"])
    >>> args.command
    'fetch'
    """
    from ._version import __version__

    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Handwritten character recognition on EMNIST, from the terminal: fetch "
        "the data, train a model, evaluate it, read characters from image files.",
        epilog=EXAMPLES,
        formatter_class=_Formatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("-q", "--quiet", action="store_true",
                        help="no progress messages on stderr.")
    common.add_argument("--traceback", action="store_true",
                        help="show the full traceback of an error (for bug reports).")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", title="commands")
    subparsers.required = True
    for module in (fetch, train, evaluate, predict):
        sub = module.add_parser(subparsers, _Formatter)
        for action in common._actions:
            if action.option_strings:
                sub._add_action(action)
    benchmark.add_parser(subparsers, _Formatter)
    return parser


def _error(message, code):
    print(f"{PROG}: error: {message}", file=sys.stderr)
    return code


def main(argv=None):
    """Run the command line; return the exit code.

    Parameters
    ----------
    argv : list of str, default=None
        Arguments without the program name; default ``sys.argv[1:]``.

    Returns
    -------
    code : int
        0 success, 1 runtime or data error, 2 usage error, 3 missing optional
        dependency, 130 interrupted, 141 the reader of stdout closed it early.

    Examples
    --------
    >>> from sklearn_emnist.cli import main
    >>> main(["--version"])  # doctest: +ELLIPSIS
    sklearn-emnist ...
    0
    >>> main(["fetch", "no-such-split"])  # doctest: +SKIP
    2
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["benchmark"]:  # everything after it belongs to the benchmark suite
        try:
            return benchmark.run_benchmarks(argv[1:])
        except CLIError as exc:
            return _error(str(exc), exc.code)
        except KeyboardInterrupt:
            return _error("interrupted", EXIT_INTERRUPTED)
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version (0) or a usage error (2)
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    set_quiet(getattr(args, "quiet", False))
    try:
        return args.run(args)
    except CLIError as exc:
        if args.traceback:
            raise
        return _error(str(exc), exc.code)
    except KeyboardInterrupt:
        return _error("interrupted", EXIT_INTERRUPTED)
    except BrokenPipeError:
        # `... | head`: the reader has what it wanted. Point stdout at /dev/null so
        # that the interpreter's own flush at exit does not fail again.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_BROKEN_PIPE
    except ImportError as exc:
        if args.traceback:
            raise
        return _error(f"{exc} (an optional dependency is missing)", EXIT_MISSING)
    except (OSError, ValueError, TypeError, MemoryError) as exc:
        # download / checksum / IDX / image errors are OSError or ValueError subclasses
        if args.traceback:
            raise
        return _error(f"{public_name(exc)}: {exc}", EXIT_ERROR)
    except Exception as exc:
        if args.traceback:
            raise
        return _error(
            f"unexpected {type(exc).__name__}: {exc} (run again with --traceback for details)",
            EXIT_ERROR,
        )


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
