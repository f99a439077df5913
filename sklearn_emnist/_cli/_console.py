"""Messages for people go to stderr; results go to stdout."""

import sys

_quiet = False


def set_quiet(quiet):
    global _quiet
    _quiet = bool(quiet)


def info(message):
    """A progress message (stderr), silenced by --quiet."""
    if not _quiet:
        print(message, file=sys.stderr, flush=True)


def result(text=""):
    """A result line (stdout)."""
    print(text, flush=True)


def warn(message):
    """A warning about the result (stderr), shown even with --quiet: it is not
    progress but something the reader of the result must know."""
    print(f"sklearn-emnist: warning: {message}", file=sys.stderr, flush=True)
