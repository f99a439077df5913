"""Shared fixtures: the real EMNIST data in ../shared/emnist.

Real-data tests use :func:`shared_emnist`. Outside CI a missing data folder
skips them; in CI (``CI=true``) it fails them loudly instead.
"""

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED_EMNIST = Path(os.environ.get("SKLEARN_EMNIST_SHARED", ROOT.parent / "shared" / "emnist"))


def _in_ci():
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def require_shared(*relative):
    """Return the path of a file or folder under ../shared/emnist.

    Skips the calling test when it is missing, except in CI where it fails.
    """
    path = SHARED_EMNIST.joinpath(*relative)
    if not path.exists():
        message = f"real EMNIST data missing: {path} (see README: ../shared/emnist)"
        if _in_ci():
            pytest.fail(message)
        pytest.skip(message)
    return path


@pytest.fixture(scope="session")
def shared_emnist():
    """The ../shared/emnist folder (fails in CI if missing)."""
    return require_shared()


@pytest.fixture(scope="session")
def shared_gzip():
    """The folder of official EMNIST member files."""
    return require_shared("gzip")


@pytest.fixture(scope="session")
def shared_bench():
    """The folder of real benchmark sets (letters-here, digits-here, byclass-here)."""
    return require_shared("bench")
