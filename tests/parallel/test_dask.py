"""Searches on a real dask.distributed LocalCluster (separate worker processes).

One cluster (2 worker processes, 1 thread each, on 127.0.0.1) serves the
module. Each search runs twice on the same real images: locally with
n_jobs=1, and on the cluster through joblib's Dask backend; the results must
be the same.
"""

import os
import sys
import warnings

import numpy as np
import pytest
from sklearn.model_selection import GridSearchCV, RandomizedSearchCV, StratifiedKFold

from sklearn_emnist.parallel import dask_backend, limit_threads, worker_scratch_dir
from tests._data import load_bench

distributed = pytest.importorskip("distributed")

# keep every test of this module on one xdist worker: one cluster, not one per worker
pytestmark = pytest.mark.xdist_group("dask-localcluster")


def test_dask_backend_without_a_client_says_how_to_make_one():
    current = None
    try:
        current = distributed.get_client()
    except ValueError:
        pass
    if current is not None:
        pytest.skip("a default Dask client exists in this process")
    with pytest.raises(ValueError, match="found no Dask client"):
        with dask_backend():
            pass


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=":0",
        worker_dashboard_address=":0",
    )
    with distributed.Client(cluster) as dask_client:
        yield dask_client
    cluster.close()


@pytest.fixture(scope="module")
def letters():
    X, y = load_bench("letters-here", "train", n_per_class=12, random_state=0)
    return X.reshape(len(X), -1), y


def _worker_setup_report():
    import torch

    from sklearn_emnist.parallel._malloc import applied_malloc_settings

    return {
        "torch_threads": torch.get_num_threads(),
        "omp": os.environ.get("OMP_NUM_THREADS"),
        "pid": os.getpid(),
        "malloc": applied_malloc_settings(),
    }


def test_workers_are_separate_processes_set_up_for_torch(client):
    # 2, not the 1 Dask's nanny already sets for threads_per_worker=1: the plugin ran
    with dask_backend(client, n_threads=2):
        report = list(client.run(_worker_setup_report).values())
    assert len(report) == 2
    pids = {r["pid"] for r in report}
    assert len(pids) == 2 and os.getpid() not in pids
    assert all(r["torch_threads"] == 2 and r["omp"] == "2" for r in report)
    if sys.platform.startswith("linux"):
        assert all(r["malloc"] == {"mmap_threshold": 32 << 20, "trim_threshold": 128 << 20}
                   for r in report)


def test_worker_processes_are_not_taken_for_threads_of_this_process(client):
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=".*workers run in this process")
        with dask_backend(client):
            pass


def _thread_settings():
    import torch
    from threadpoolctl import threadpool_info

    from sklearn_emnist.parallel._threads import _THREAD_ENV_VARS

    return ({name: os.environ.get(name) for name in _THREAD_ENV_VARS},
            torch.get_num_threads(),
            sorted(pool["num_threads"] for pool in threadpool_info()))


@pytest.fixture
def two_threads(monkeypatch):
    """This process with 2 torch and BLAS threads and no thread variables,
    so that a limit of 1 left behind shows; put back afterwards."""
    import torch
    from threadpoolctl import threadpool_limits

    from sklearn_emnist.parallel._threads import _THREAD_ENV_VARS

    for name in _THREAD_ENV_VARS:
        monkeypatch.delenv(name, raising=False)
    torch_before = torch.get_num_threads()
    torch.set_num_threads(2)
    with threadpool_limits(limits=2):
        yield
    torch.set_num_threads(torch_before)


def _omp_num_threads():
    return os.environ.get("OMP_NUM_THREADS")


def _settings_inside_dask_backend(client):
    with dask_backend(client, n_threads=1):
        # the block's limit here, and as the fits in the worker threads see it
        return _thread_settings(), set(client.run(_omp_num_threads).values())


def test_in_process_workers_warn_and_this_process_gets_its_settings_back(two_threads):
    before = _thread_settings()
    assert before[1] == 2 and all(n == 2 for n in before[2])
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as in_process:
        with pytest.warns(UserWarning, match="run in threads of this process.*processes=True"):
            inside, seen_by_workers = _settings_inside_dask_backend(in_process)
        after_block = _thread_settings()
    assert seen_by_workers == {"1"} and inside[1] == 1
    assert after_block == before  # nothing left behind by the plugin
    assert _thread_settings() == before


def test_the_plugin_leaves_a_worker_in_its_own_process_alone(two_threads):
    from sklearn_emnist.parallel import TorchWorkerPlugin

    before = _thread_settings()
    TorchWorkerPlugin(n_threads=1).setup(worker=None)  # as an in-process worker would
    assert _thread_settings() == before


def test_scratch_dirs_never_collide_across_workers(client, tmp_path):
    paths = client.run(worker_scratch_dir, str(tmp_path))
    paths = list(paths.values()) + [worker_scratch_dir(tmp_path) for _ in range(3)]
    assert len(set(paths)) == len(paths) == 5
    assert all(os.path.isdir(p) and os.path.dirname(p) == str(tmp_path) for p in paths)


def _knn_search(n_jobs):
    from scipy.stats import randint

    from sklearn_emnist import make_knn_pipeline

    distributions = {
        "pca__n_components": randint(20, 60),
        "knn__n_neighbors": randint(1, 9),
        "knn__weights": ["uniform", "distance"],
    }
    cv = StratifiedKFold(n_splits=3, shuffle=True, random_state=0)
    return RandomizedSearchCV(
        make_knn_pipeline(random_state=0), distributions, n_iter=6, cv=cv,
        random_state=0, n_jobs=n_jobs,
    )


def test_knn_randomized_search_on_dask_matches_local_run(client, letters):
    X, y = letters
    with limit_threads(1):
        local = _knn_search(n_jobs=1).fit(X, y)
    with dask_backend(client):
        remote = _knn_search(n_jobs=-1).fit(X, y)
    # same sampled candidates, same scores, same winner
    assert remote.cv_results_["params"] == local.cv_results_["params"]
    np.testing.assert_array_equal(
        remote.cv_results_["mean_test_score"], local.cv_results_["mean_test_score"]
    )
    assert remote.best_params_ == local.best_params_
    # it learned something from real letters: far above chance (1/26)
    assert local.best_score_ > 0.3


def _cnn_search(n_jobs, checkpoint_parent):
    from sklearn_emnist.neural import CharCNNClassifier
    from sklearn_emnist.parallel import PerFitCheckpoint

    net = CharCNNClassifier(
        architecture="seed",
        max_epochs=1,
        batch_size=64,
        random_state=0,
        verbose=0,
        callbacks=[PerFitCheckpoint(dirname=str(checkpoint_parent), monitor=None)],
    )
    grid = {"lr": [1e-3, 3e-3], "module__dense_size": [32, 64]}
    cv = StratifiedKFold(n_splits=2, shuffle=True, random_state=0)
    return GridSearchCV(net, grid, cv=cv, n_jobs=n_jobs)


def test_cnn_grid_search_on_dask_matches_local_run_and_keeps_checkpoints_apart(
    client, tmp_path
):
    X, y = load_bench("letters-here", "train", n_per_class=16, random_state=2)
    with limit_threads(1):
        local = _cnn_search(1, tmp_path / "local").fit(X, y)
    with dask_backend(client, n_threads=1):
        remote = _cnn_search(-1, tmp_path / "dask").fit(X, y)
    np.testing.assert_allclose(
        remote.cv_results_["mean_test_score"], local.cv_results_["mean_test_score"], atol=1e-12
    )
    assert remote.best_params_ == local.best_params_
    # 4 candidates x 2 folds on the workers + the refit here: 9 fits, 9 folders
    for parent in ("local", "dask"):
        folders = os.listdir(tmp_path / parent)
        assert len(folders) == 9
        assert all(os.path.isfile(tmp_path / parent / f / "params.pt") for f in folders)
    hosts_pids = {f.rsplit("-", 2)[-2] for f in os.listdir(tmp_path / "dask")}
    assert len(hosts_pids) >= 2  # fits ran in more than one process
