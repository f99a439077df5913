"""Searches on a real dask.distributed LocalCluster (separate worker processes).

One cluster (2 worker processes, 1 thread each, on 127.0.0.1) serves the
module. Each search runs twice on the same real images: locally with
n_jobs=1, and on the cluster through joblib's Dask backend; the results must
be the same.
"""

import os
import sys

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
