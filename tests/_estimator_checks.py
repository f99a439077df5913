"""One strict runner for scikit-learn's estimator checks with listed expected failures.

The same contract as ``parametrize_with_checks(expected_failed_checks=...)``
under ``xfail_strict=True``, plus a check that each listed check fails for its
stated reason:

- an unlisted check must pass;
- a listed check must fail, else the list is stale and the test fails;
- where the listed reason gives a ``match`` pattern, the failure's message
  must match it, or the message of an exception it was raised from (e.g. the
  "28x28 images" error), else the failure is real and is re-raised.
"""

import re

import pytest


def _chain(exc):
    """The exception and those it was raised from (checks often wrap the cause)."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        yield exc
        exc = exc.__cause__ or exc.__context__


def check_name(check):
    return getattr(check, "func", check).__name__


def run_check(estimator, check, expected_failures):
    """Run one check; report a listed, expected failure as xfail with its reason.

    Parameters
    ----------
    expected_failures : dict
        check name -> reason (str), or -> (reason, match) where ``match`` is a
        regular expression the failure's message must contain.

    Notes
    -----
    ``pytest.xfail`` is called outside the ``except`` block on purpose: pytest
    then renders a one-frame report instead of formatting scikit-learn's
    long tracebacks for every expected failure (over a minute in all).
    """
    expected = expected_failures.get(check_name(check))
    if expected is None:
        check(estimator)
        return
    reason, match = expected if isinstance(expected, tuple) else (expected, None)
    try:
        check(estimator)
    except Exception as exc:  # noqa: BLE001 - filtered by `match` below
        if match is not None and not any(re.search(match, str(e)) for e in _chain(exc)):
            raise
    else:
        pytest.fail(f"{check_name(check)} is listed as an expected failure ({reason}) but "
                    "passed: remove it from the list.")
    pytest.xfail(reason)
