"""
===================================================
Distributed hyper-parameter search with Dask
===================================================

A grid search is many independent fits, and scikit-learn runs them through
joblib. With joblib's Dask backend the same
:class:`~sklearn.model_selection.GridSearchCV` runs on a Dask cluster: here a
:class:`~distributed.LocalCluster` of two worker processes, but the code is
the same for a cluster of many machines (``Client("tcp://scheduler:8786")``).

:func:`~sklearn_emnist.parallel.dask_backend` is
``joblib.parallel_backend("dask")`` plus a worker plugin,
:class:`~sklearn_emnist.parallel.TorchWorkerPlugin`, that gives every
worker process one torch thread, so the workers do not oversubscribe the
cores, and an allocator set up for training. We search a small
``CharCNNClassifier`` on real EMNIST letters twice, locally with
``n_jobs=1`` and on the cluster, and check that both searches find the
same scores.

.. note::

   Dask spawns its worker processes, and a spawned process re-imports the
   script that started it. The cluster code therefore sits under
   ``if __name__ == "__main__":``, which is true when this example runs as a
   script and inside the documentation build.
"""

# %%
# Real letters and the search
# ---------------------------
# 30 images per class from the ``letters-here`` training set (780 images),
# read through :func:`~sklearn_emnist.datasets.load_emnist_folder` like the
# benchmarks. The network is the seed CNN trained for three epochs without
# augmentation (a toy budget: the point here is the machinery, not the
# accuracy); the grid crosses the peak learning rate with the size of the
# dense layer.
import os
import time
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from sklearn.model_selection import GridSearchCV, StratifiedKFold

from sklearn_emnist.datasets import load_emnist_folder
from sklearn_emnist.neural import CharCNNClassifier
from sklearn_emnist.parallel import PerFitCheckpoint, dask_backend, limit_threads

BENCH = Path(os.environ.get("SKLEARN_EMNIST_SHARED", "../shared/emnist")) / "bench"
X, y = load_emnist_folder(
    BENCH, name="letters-here", split="letters", subset="train",
    n_samples=780, random_state=0, return_X_y=True,
)
GRID = {"lr": [3e-3, 1e-2], "module__dense_size": [64, 128]}


def make_search(n_jobs, checkpoints):
    net = CharCNNClassifier(
        architecture="seed", max_epochs=3, batch_size=32, augment=False,
        random_state=0, verbose=0,
        # each fit writes its checkpoint files to a folder of its own
        callbacks=[PerFitCheckpoint(dirname=checkpoints, monitor=None)],
    )
    cv = StratifiedKFold(n_splits=2, shuffle=True, random_state=0)
    return GridSearchCV(net, GRID, cv=cv, n_jobs=n_jobs)


def warm_up():
    """One tiny fit, so that torch's one-time start-up is not timed."""
    CharCNNClassifier(architecture="seed", max_epochs=1, verbose=0).fit(X[:52], y[:52])


# %%
# The search, locally and on the cluster
# --------------------------------------
# The local run uses one process and one torch thread; the cluster has two
# worker processes with one thread each. Every process does one tiny warm-up
# fit before the clock starts (torch's first fit in a process pays a one-time
# start-up), and ``scatter=[X, y]`` sends the images to the workers once
# rather than with every fit.
import shutil
import tempfile

from distributed import Client, LocalCluster

if __name__ == "__main__":
    checkpoints = tempfile.mkdtemp(prefix="emnist-search-")
    with limit_threads(1):
        warm_up()
        start = time.perf_counter()
        local = make_search(1, checkpoints).fit(X, y)
        local_seconds = time.perf_counter() - start

    cluster = LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True,
        host="127.0.0.1", dashboard_address=":0",
    )
    with Client(cluster) as client, dask_backend(client, scatter=[X, y]):
        client.run(warm_up)
        start = time.perf_counter()
        remote = make_search(-1, checkpoints).fit(X, y)
        dask_seconds = time.perf_counter() - start
    cluster.close()

    same = np.array_equal(
        local.cv_results_["mean_test_score"], remote.cv_results_["mean_test_score"]
    )
    print(f"local n_jobs=1: {local_seconds:5.1f} s, best {local.best_params_}")
    print(f"Dask, 2 workers: {dask_seconds:5.1f} s, best {remote.best_params_}")
    print(f"identical mean_test_score: {same}")
    print(f"checkpoint folders written: {len(os.listdir(checkpoints))}"
          f" (2 searches x (4 candidates x 2 folds + 1 refit))")
    shutil.rmtree(checkpoints)  # 25 MB of weights: not left behind in the temp folder

# %%
# The scores of the grid
# ----------------------
# Each cell is the mean cross-validated accuracy of one candidate (left); the
# cluster's scores lie exactly on the diagonal against the local ones (right):
# same splits, same seeds, same results.
#
# The wall times printed above are not a speed-up claim: these toy fits last
# a fraction of a second, so Dask's per-task scheduling and transfers weigh as
# much as the fits, and on a 2-core machine shared with other jobs the two
# workers compete for the same cores. The cluster pays off for real searches,
# whose fits take minutes, spread over more cores or machines than one
# process can use.
if __name__ == "__main__":
    shape = (len(GRID["lr"]), len(GRID["module__dense_size"]))
    scores = remote.cv_results_["mean_test_score"].reshape(shape)
    fig, (ax, ax_same) = plt.subplots(
        1, 2, figsize=(8.5, 3.4), gridspec_kw={"width_ratios": [1.25, 1]}
    )
    image = ax.imshow(scores, cmap="viridis")
    ax.set_xticks(range(shape[1]), GRID["module__dense_size"])
    ax.set_yticks(range(shape[0]), [f"{lr:g}" for lr in GRID["lr"]])
    ax.set_xlabel("module__dense_size")
    ax.set_ylabel("lr")
    for (i, j), value in np.ndenumerate(scores):
        ax.text(j, i, f"{value:.3f}", ha="center", va="center",
                color="white" if value < scores.max() - 0.02 else "black")
    fig.colorbar(image, ax=ax, label="mean CV accuracy")
    ax.set_title("CharCNNClassifier grid (Dask)")

    local_scores = local.cv_results_["mean_test_score"]
    remote_scores = remote.cv_results_["mean_test_score"]
    low, high = local_scores.min() - 0.02, local_scores.max() + 0.02
    ax_same.plot([low, high], [low, high], color="0.7", lw=1)
    ax_same.scatter(local_scores, remote_scores, s=50, zorder=3)
    ax_same.set_xlim(low, high)
    ax_same.set_ylim(low, high)
    ax_same.set_aspect("equal")
    ax_same.set_xlabel("local n_jobs=1")
    ax_same.set_ylabel("Dask, 2 worker processes")
    ax_same.set_title("mean_test_score per candidate")
    fig.tight_layout()
    plt.show()
