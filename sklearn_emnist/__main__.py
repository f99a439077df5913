"""``python -m sklearn_emnist``: the same command line as ``sklearn-emnist``."""

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
