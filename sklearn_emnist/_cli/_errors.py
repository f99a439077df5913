"""Exit codes of the command line and the error that carries one."""

EXIT_OK = 0
EXIT_ERROR = 1  # runtime or data error: download, checksum, unreadable file, bad model file
EXIT_USAGE = 2  # bad command line (argparse uses 2 as well)
EXIT_MISSING = 3  # an optional dependency or component is not installed
EXIT_INTERRUPTED = 130  # Ctrl-C
EXIT_BROKEN_PIPE = 141  # the reader of stdout went away (as a shell reports SIGPIPE)

EXIT_CODES_HELP = """exit codes:
  0    success
  1    runtime or data error (download failed, checksum mismatch, unreadable
       image or model file, no ink in an image, ...)
  2    usage error (unknown option, missing argument, conflicting options)
  3    an optional dependency is missing (matplotlib / Pillow for plots and
       images, torch for cnn/lstm, the benchmarks suite)
  130  interrupted (Ctrl-C)
  141  the output's reader closed it early (e.g. | head); nothing is printed"""


def public_name(exc):
    """The name of the first public class of ``exc`` (DownloadError, not its
    private subclasses), as error messages show it."""
    return next(cls.__name__ for cls in type(exc).__mro__ if not cls.__name__.startswith("_"))


class CLIError(Exception):
    """An error to report in one line, with the exit code to use."""

    def __init__(self, message, code=EXIT_ERROR):
        super().__init__(message)
        self.code = code
