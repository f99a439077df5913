"""Settings shared by the tests in tests/ and the docstring examples in sklearn_emnist/."""

import tempfile

import pytest


@pytest.fixture(autouse=True)
def _doctest_temporary_files(request, monkeypatch):
    """A docstring example's ``tempfile.mkdtemp()`` lands in pytest's tmp_path.

    The examples show the plain ``tempfile`` calls a user would write; under
    the suite their folders go where pytest prunes them (the last three runs
    are kept), instead of piling up in the system's temporary folder.
    """
    if getattr(request.node, "dtest", None) is not None:  # a doctest item
        # tmp_path asked for here only: the other tests need no folder of their own
        monkeypatch.setattr(tempfile, "tempdir", str(request.getfixturevalue("tmp_path")))
    yield
