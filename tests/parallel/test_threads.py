"""Thread limits for worker processes."""

import os

import numpy as np
import pytest
import torch
from threadpoolctl import threadpool_info

from sklearn_emnist.parallel import limit_threads, set_worker_threads


def test_limit_threads_sets_torch_env_and_blas_then_restores():
    before_torch = torch.get_num_threads()
    before_env = os.environ.get("OMP_NUM_THREADS")
    with limit_threads(1) as n:
        assert n == 1
        assert torch.get_num_threads() == 1
        assert os.environ["OMP_NUM_THREADS"] == "1"
        assert os.environ["MKL_NUM_THREADS"] == "1"
        blas = [pool["num_threads"] for pool in threadpool_info()]
        assert blas and all(t == 1 for t in blas)
    assert torch.get_num_threads() == before_torch
    assert os.environ.get("OMP_NUM_THREADS") == before_env


def test_set_worker_threads_returns_previous_settings():
    from threadpoolctl import threadpool_limits

    from sklearn_emnist.parallel._threads import _restore

    # the outer context puts this process's BLAS pools back afterwards
    with threadpool_limits(limits=None):
        previous = set_worker_threads(1)
        try:
            assert previous["torch"] is not None
            assert set(previous["env"]) >= {"OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS"}
        finally:
            _restore(previous)


@pytest.mark.parametrize("bad", [0, -2, 1.5, "2", True, None])
def test_bad_thread_count_is_refused_with_the_fix(bad):
    with pytest.raises(ValueError, match="n_threads must be a positive integer"):
        set_worker_threads(bad)


def test_torch_first_imported_inside_the_block_gets_its_default_back():
    # torch reads OMP_NUM_THREADS when first imported; leaving the block must
    # not leave it on the block's limit (fresh interpreter: torch not imported)
    import subprocess
    import sys

    code = (
        "import os; os.environ.pop('OMP_NUM_THREADS', None)\n"
        "from sklearn_emnist.parallel import limit_threads\n"
        "from sklearn_emnist.parallel._threads import effective_n_threads\n"
        "with limit_threads(1):\n"
        "    import torch\n"
        "    inside = torch.get_num_threads()\n"
        "print(inside, torch.get_num_threads(), effective_n_threads(None))\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.endswith("_NUM_THREADS")}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, env=env).stdout.split()
    inside, after, default = map(int, out)
    assert inside == 1
    assert after == default


def test_parallel_fits_in_processes_are_reproducible_and_leave_the_callers_rng_alone():
    # what the docs advise instead of joblib's threading backend (whose fits share
    # torch's process-wide RNG): the default loky backend, one process per fit
    from sklearn.model_selection import cross_val_score

    from sklearn_emnist.neural import CharCNNClassifier
    from tests._data import load_bench

    X, y = load_bench("letters-here", "train", n_per_class=8, random_state=1)
    net = CharCNNClassifier(architecture="seed", max_epochs=1, batch_size=64,
                            random_state=0, n_threads=1, verbose=0)
    torch.manual_seed(123)
    expected_draw = torch.rand(1)
    torch.manual_seed(123)
    in_processes = cross_val_score(net, X, y, cv=2, n_jobs=2)
    assert torch.equal(torch.rand(1), expected_draw)  # the caller's RNG is untouched
    in_sequence = cross_val_score(net, X, y, cv=2, n_jobs=1)
    np.testing.assert_array_equal(in_processes, in_sequence)
