"""Benchmarks of the KNN pipeline (``sklearn_emnist.make_knn_pipeline``).

Importable functions and a command line; every run writes one JSON record
(figures, timings, the command, the machine and the package versions) into
``benchmarks/results/knn/``.

Commands (run from the repository root)::

    # hyper-parameter choice: 3-fold cross-validation on the seed protocol's
    # 40,000 class-balanced training images (test is never touched)
    python benchmarks/bench_knn.py search

    # which transformers help: one validation split (32,000 / 8,000) carved
    # out of the same training sample, every preprocessing with PCA + KNN
    python benchmarks/bench_knn.py ablation

    # the seed protocol: fit on the 40,000 images, score letters-here test
    # (7,800); brute-force k=3 KNN on raw pixels in the same run, for the
    # accuracy and predict-throughput comparison
    python benchmarks/bench_knn.py protocol

    # imbalance: byclass-here (62 imbalanced classes), the pipeline with and
    # without imbalanced-learn samplers, macro recall on byclass-here test
    python benchmarks/bench_knn.py imbalance

``--threads N`` sets the BLAS/OpenMP threads (default 2, the machine's
cores are shared); ``--dataset`` picks another benchmark set.
"""

import argparse
import json
import os
import shlex
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from benchmarks._machine import (  # noqa: E402
    describe_machine,
    git_revision,
    package_versions,
    peak_rss_mb,
)
from benchmarks.datasets import class_balanced_indices, load_source, resolve_source  # noqa: E402

RESULTS = REPO_ROOT / "benchmarks" / "results" / "knn"
SEED_TRAIN_SIZE = 40_000

__all__ = [
    "load_seed_protocol",
    "scores",
    "time_predict",
    "run_protocol",
    "run_search",
    "select_recipe",
    "run_ablation",
    "run_imbalance",
    "main",
]


def _load(dataset, subset):
    loaded = load_source(resolve_source(dataset), subset)
    return loaded.data.reshape(len(loaded.data), -1), loaded.target, loaded.target_names


def load_seed_protocol(dataset="letters-here", *, n_train=SEED_TRAIN_SIZE, random_state=0):
    """The seed protocol's data: a class-balanced training sample and all of test.

    Parameters
    ----------
    dataset : str, default="letters-here"
        A benchmark set (``letters-here``, ``digits-here``, ``byclass-here``)
        or an official split name.
    n_train : int or None, default=40000
        Size of the class-balanced training sample (``None``: all of train).
    random_state : int, default=0
        Seed of the sample (the same sampler as ``python -m benchmarks``).

    Returns
    -------
    X_train, y_train, X_test, y_test : ndarrays
        Flat ``(n, 784)`` uint8 images and int labels.
    target_names : list of str
    """
    X, y, names = _load(dataset, "train")
    if n_train is not None and n_train < len(y):
        index = class_balanced_indices(y, n_train, random_state)
        X, y = X[index], y[index]
    X_test, y_test, _ = _load(dataset, "test")
    return X, y, X_test, y_test, list(names)


def scores(y_true, y_pred):
    """Accuracy and macro / micro precision, recall and F1, as a dict."""
    from sklearn.metrics import accuracy_score, precision_recall_fscore_support

    result = {"accuracy": float(accuracy_score(y_true, y_pred))}
    for average in ("macro", "micro"):
        p, r, f, _ = precision_recall_fscore_support(
            y_true, y_pred, average=average, zero_division=0
        )
        result.update(
            {f"precision_{average}": float(p), f"recall_{average}": float(r), f"f1_{average}": float(f)}
        )
    return result


def time_predict(estimator, X, *, repeat=3):
    """(predictions, best wall seconds of ``repeat`` calls of ``predict``)."""
    best, predictions = np.inf, None
    for _ in range(repeat):
        start = time.perf_counter()
        predictions = estimator.predict(X)
        best = min(best, time.perf_counter() - start)
    return predictions, best


def _record(kind, payload):
    return {
        "schema": "sklearn-emnist-bench-knn/1",
        "kind": kind,
        "command": shlex.join([Path(sys.executable).name, *sys.argv]),
        "cwd": os.getcwd(),
        # when the run ended and what code it ran: the summary picks the latest record by "utc"
        "utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "git": git_revision(),
        "threads": os.environ.get("OMP_NUM_THREADS"),
        "machine": describe_machine(include_gpu=False),
        "versions": package_versions(),
        "peak_rss_mb": peak_rss_mb(),
        **payload,
    }


def _write(record, name, results=RESULTS):
    results = Path(results)
    results.mkdir(parents=True, exist_ok=True)
    path = results / f"{name}.json"
    path.write_text(json.dumps(record, indent=2, default=str) + "\n", encoding="utf-8")
    print(f"wrote {path}", file=sys.stderr)
    return path


def _describe_pipeline(pipeline):
    return [f"{name}: {step!r}" for name, step in pipeline.steps]


def run_protocol(dataset="letters-here", *, random_state=0, pipeline_options=None, repeat=3):
    """Seed protocol figures of the KNN pipeline and of brute-force k=3 on raw pixels.

    Both are fitted on the same class-balanced training sample and predict
    the same test images in the same process, so the throughput ratio is
    a like-for-like comparison.

    Returns
    -------
    record : dict
        ``pipeline`` and ``raw_knn`` blocks (scores, fit seconds, predict
        seconds, images per second) and ``speedup`` (images per second of the
        pipeline over raw KNN) and ``accuracy_gain`` (points).
    """
    from sklearn.neighbors import KNeighborsClassifier

    from sklearn_emnist import make_knn_pipeline

    X, y, X_test, y_test, names = load_seed_protocol(dataset, random_state=random_state)
    options = {"random_state": random_state, **(pipeline_options or {})}
    models = {
        "pipeline": make_knn_pipeline(**options),
        "raw_knn": KNeighborsClassifier(n_neighbors=3, algorithm="brute"),
    }
    blocks = {}
    for key, model in models.items():
        start = time.perf_counter()
        model.fit(X, y)
        fit_seconds = time.perf_counter() - start
        predictions, predict_seconds = time_predict(model, X_test, repeat=repeat)
        blocks[key] = {
            "estimator": _describe_pipeline(model) if hasattr(model, "steps") else repr(model),
            **scores(y_test, predictions),
            "fit_seconds": fit_seconds,
            "predict_seconds": predict_seconds,
            "predict_images_per_second": len(X_test) / predict_seconds,
        }
        print(
            f"{key}: accuracy {blocks[key]['accuracy']:.4f}, "
            f"predict {blocks[key]['predict_images_per_second']:.0f} images/s",
            file=sys.stderr,
        )
    return _record(
        "protocol",
        {
            "dataset": dataset,
            "protocol": "seed",
            "n_train": int(len(y)),
            "n_test": int(len(y_test)),
            "train_sample": f"class-balanced sample of {len(y)} training images, "
            f"random_state={random_state}",
            "pipeline_options": options,
            **blocks,
            "speedup": blocks["pipeline"]["predict_images_per_second"]
            / blocks["raw_knn"]["predict_images_per_second"],
            "accuracy_gain_points": 100
            * (blocks["pipeline"]["accuracy"] - blocks["raw_knn"]["accuracy"]),
            "predict_repeat": repeat,
        },
    )


def default_search_grid():
    """The grid the recipe was chosen from (feature step, PCA size, k)."""
    from sklearn.pipeline import FeatureUnion

    from sklearn_emnist.preprocessing import HOGFeatures, PixelScaler

    both = FeatureUnion(
        [("hog", HOGFeatures()), ("pixels", PixelScaler(method="l2"))],
        transformer_weights={"hog": 1.0, "pixels": 0.5},
    )
    return {
        "features": [HOGFeatures(), both],
        "pca__n_components": [50, 80, 120],
        "knn__n_neighbors": [4, 6, 8, 10],
    }


def select_recipe(rows, n_folds):
    """The cheapest setting within one standard error of the best CV score.

    ``rows`` are the search's result rows, best first. The standard error is
    the best row's fold standard deviation over sqrt(n_folds); among the rows
    within it, the one with the fewest PCA components, then the simpler
    feature step (HOG alone before HOG + pixels), then the smallest k wins:
    the one-standard-error rule, which prefers the cheaper model when the
    scores cannot tell the settings apart.
    """
    best = rows[0]
    threshold = best["mean_test_score"] - best["std_test_score"] / np.sqrt(n_folds)
    close = [row for row in rows if row["mean_test_score"] >= threshold]

    def cost(row):
        params = row["params"]
        return (
            params.get("pca__n_components") or 0,
            len(str(params.get("features", ""))),
            params.get("knn__n_neighbors") or 0,
        )

    chosen = min(close, key=cost)
    return {
        "rule": "cheapest within one standard error of the best mean CV accuracy "
        "(fewest PCA components, then simpler features, then smallest k)",
        "threshold": float(threshold),
        "n_candidates_within": len(close),
        "params": chosen["params"],
        "mean_test_score": chosen["mean_test_score"],
    }


def run_search(dataset="letters-here", *, random_state=0, cv=3, param_grid=None, n_jobs=1):
    """Grid search with cross-validation on the seed training sample only."""
    from joblib import Memory
    from sklearn.model_selection import GridSearchCV, StratifiedKFold

    from sklearn_emnist import make_knn_pipeline

    X, y, _, _, _ = load_seed_protocol(dataset, random_state=random_state)
    grid = param_grid or default_search_grid()
    with tempfile.TemporaryDirectory() as cache:
        pipeline = make_knn_pipeline(random_state=random_state, memory=Memory(cache, verbose=0))
        search = GridSearchCV(
            pipeline,
            grid,
            cv=StratifiedKFold(cv, shuffle=True, random_state=random_state),
            n_jobs=n_jobs,
            refit=False,
            verbose=1,
        )
        start = time.perf_counter()
        search.fit(X, y)
        seconds = time.perf_counter() - start
    results = search.cv_results_
    order = np.argsort(results["rank_test_score"])
    rows = [
        {
            "params": {k: repr(v) if hasattr(v, "get_params") else v
                       for k, v in results["params"][i].items()},
            "mean_test_score": float(results["mean_test_score"][i]),
            "std_test_score": float(results["std_test_score"][i]),
            "rank": int(results["rank_test_score"][i]),
            "mean_fit_seconds": float(results["mean_fit_time"][i]),
            "mean_score_seconds": float(results["mean_score_time"][i]),
        }
        for i in order
    ]
    for row in rows[:5]:
        print(f"{row['mean_test_score']:.4f} ± {row['std_test_score']:.4f}  {row['params']}",
              file=sys.stderr)
    return _record(
        "search",
        {
            "dataset": dataset,
            "data": f"class-balanced sample of {len(y)} training images, random_state="
            f"{random_state}; {cv}-fold stratified cross-validation; test never used",
            "base_pipeline": _describe_pipeline(pipeline),
            "grid": {k: [repr(v) for v in values] for k, values in grid.items()},
            "best_params": rows[0]["params"],
            "best_cv_accuracy": rows[0]["mean_test_score"],
            "chosen": select_recipe(rows, cv),
            "seconds": seconds,
            "results": rows,
        },
    )


def _ablation_variants():
    """(name, list of preprocessing steps) for the ablation."""
    from sklearn_emnist.augmentation import RandomAffineAugmenter
    from sklearn_emnist.preprocessing import (
        Deskewer,
        HOGFeatures,
        ImageCenterer,
        PixelScaler,
    )

    def augmenter():
        # mild: the deskewer already removes slant, the HOG blocks absorb shifts
        return RandomAffineAugmenter(n_augmented=1, rotation=8.0, shift=1.0, shear=0.1,
                                     random_state=0)

    return [
        ("raw pixels", [PixelScaler()]),
        ("centre of mass", [ImageCenterer()]),
        ("bounding box 20 px", [ImageCenterer(method="box")]),
        ("deskew, no centring", [Deskewer(center=False)]),
        ("deskew", [Deskewer()]),
        ("deskew + bounding box", [Deskewer(), ImageCenterer(method="box")]),
        ("deskew + l2 pixels", [Deskewer(), PixelScaler(method="l2")]),
        ("HOG (no deskew)", [HOGFeatures()]),
        ("deskew + HOG", [Deskewer(), HOGFeatures()]),
        ("deskew + 1 augmented copy + pixels", [Deskewer(), augmenter(), PixelScaler()]),
        ("deskew + 1 augmented copy + HOG", [Deskewer(), augmenter(), HOGFeatures()]),
    ]


def run_ablation(dataset="letters-here", *, random_state=0, n_valid=8_000, n_components=60,
                 n_neighbors=6):
    """Validation accuracy of PCA + KNN after each preprocessing (training data only)."""
    from imblearn.pipeline import make_pipeline  # samplers act at fit time only
    from sklearn.decomposition import PCA
    from sklearn.model_selection import train_test_split
    from sklearn.neighbors import KNeighborsClassifier

    X, y, _, _, _ = load_seed_protocol(dataset, random_state=random_state)
    X_fit, X_valid, y_fit, y_valid = train_test_split(
        X, y, test_size=n_valid, stratify=y, random_state=random_state
    )
    rows = []
    for name, steps in _ablation_variants():
        model = make_pipeline(
            *steps,
            PCA(n_components, random_state=random_state),
            KNeighborsClassifier(n_neighbors, weights="distance", algorithm="brute"),
        )
        start = time.perf_counter()
        model.fit(X_fit, y_fit)
        accuracy = float(np.mean(model.predict(X_valid) == y_valid))
        rows.append(
            {"preprocessing": name, "validation_accuracy": accuracy,
             "seconds": time.perf_counter() - start}
        )
        print(f"{accuracy:.4f}  {name}", file=sys.stderr)
    return _record(
        "ablation",
        {
            "dataset": dataset,
            "data": f"{len(y_fit)} fitting / {len(y_valid)} validation images, both from the "
            f"class-balanced {len(y)}-image training sample (random_state={random_state}); "
            "test never used",
            "model": f"preprocessing -> PCA({n_components}) -> KNN(k={n_neighbors}, distance)",
            "results": rows,
        },
    )


def run_imbalance(dataset="byclass-here", *, random_state=0, n_train=None):
    """Macro recall of the KNN pipeline with and without imbalanced-learn samplers."""
    from imblearn.over_sampling import RandomOverSampler
    from imblearn.under_sampling import RandomUnderSampler

    from sklearn_emnist import make_knn_pipeline

    X, y, names = _load(dataset, "train")
    if n_train is not None and n_train < len(y):
        from sklearn.model_selection import train_test_split

        X, _, y, _ = train_test_split(X, y, train_size=n_train, stratify=y,
                                      random_state=random_state)
    X_test, y_test, _ = _load(dataset, "test")
    counts = np.bincount(y, minlength=len(names))
    samplers = {
        "none": None,
        "RandomUnderSampler": RandomUnderSampler(random_state=random_state),
        "RandomOverSampler": RandomOverSampler(random_state=random_state),
    }
    rows = []
    for key, sampler in samplers.items():
        model = make_knn_pipeline(sampler=sampler, random_state=random_state)
        start = time.perf_counter()
        model.fit(X, y)
        fit_seconds = time.perf_counter() - start
        predictions, predict_seconds = time_predict(model, X_test, repeat=1)
        rows.append({"sampler": key, **scores(y_test, predictions),
                     "fit_seconds": fit_seconds, "predict_seconds": predict_seconds})
        print(f"{key}: accuracy {rows[-1]['accuracy']:.4f}, macro recall "
              f"{rows[-1]['recall_macro']:.4f}", file=sys.stderr)
    return _record(
        "imbalance",
        {
            "dataset": dataset,
            "n_train": int(len(y)),
            "n_test": int(len(y_test)),
            "train_class_counts": {"min": int(counts.min()), "max": int(counts.max()),
                                   "median": float(np.median(counts))},
            "pipeline": "make_knn_pipeline(sampler=...) (sampler after the PCA)",
            "results": rows,
        },
    )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("command", choices=["protocol", "search", "ablation", "imbalance"])
    parser.add_argument("--dataset", default=None,
                        help="benchmark set (default: letters-here; byclass-here for imbalance)")
    parser.add_argument("--random-state", type=int, default=0)
    parser.add_argument("--threads", type=int, default=2,
                        help="BLAS/OpenMP threads (default 2)")
    parser.add_argument("--n-jobs", type=int, default=1, help="search: GridSearchCV n_jobs")
    parser.add_argument("--results", default=str(RESULTS), help="output folder")
    args = parser.parse_args(argv)

    from threadpoolctl import threadpool_limits

    os.environ["OMP_NUM_THREADS"] = str(args.threads)
    with threadpool_limits(args.threads):
        if args.command == "protocol":
            dataset = args.dataset or "letters-here"
            record = run_protocol(dataset, random_state=args.random_state)
            name = f"seed-{dataset}"
        elif args.command == "search":
            dataset = args.dataset or "letters-here"
            record = run_search(dataset, random_state=args.random_state, n_jobs=args.n_jobs)
            name = f"search-{dataset}"
        elif args.command == "ablation":
            dataset = args.dataset or "letters-here"
            record = run_ablation(dataset, random_state=args.random_state)
            name = f"ablation-{dataset}"
        else:
            dataset = args.dataset or "byclass-here"
            record = run_imbalance(dataset, random_state=args.random_state)
            name = f"imbalance-{dataset}"
    _write(record, name, args.results)
    return record


if __name__ == "__main__":
    main()
