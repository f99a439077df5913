"""Shared fixtures. Real-data helpers live in tests/_data.py."""

import pytest

from ._data import require_shared


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
