"""Benchmarks of the neural estimators (CharCNNClassifier, LSTMRowClassifier).

Importable functions and a command line; every run writes one JSON record
(metrics, fit seconds, predict images per second, peak memory, the command,
the machine and the package versions) into ``benchmarks/results/neural/``.

Commands (run from the repository root)::

    # hyper-parameter choice: 40,000 class-balanced training images, scored on
    # a disjoint class-balanced sample of the *training* file (never test)
    python benchmarks/bench_neural.py tune --recipe cnn-deep --set max_epochs=8

    # the same for the full protocol: fit on all of train except a held-out
    # class-balanced validation sample (as large as test), scored on it
    python benchmarks/bench_neural.py tune --recipe cnn-deep --protocol full

    # either, keeping the fitted estimator for later analyses (joblib)
    python benchmarks/bench_neural.py tune --recipe cnn-deep --save-model /tmp/deep.joblib

    # the seed protocol: 40,000 class-balanced images of letters-here train,
    # scored on letters-here test (7,800); --protocol full uses all of train
    python benchmarks/bench_neural.py protocol --recipe cnn-seed

    # skorch loop vs a plain PyTorch loop over the same network and batches
    python benchmarks/bench_neural.py overhead

    # channels-last, inference batch size, torch.compile, 1 vs 2 threads
    python benchmarks/bench_neural.py speed

    # 1 vs 2 torch threads with busy (default) vs passive OpenMP waiting
    python benchmarks/bench_neural.py threads

    # glibc malloc vs raised thresholds, tcmalloc and jemalloc (LD_PRELOAD)
    python benchmarks/bench_neural.py allocators

Recipes are :data:`sklearn_emnist.neural.RECIPES`; ``--set key=value``
overrides any constructor parameter (values are Python literals, e.g.
``--set module__channels=(32,64,128)``).

Records go to ``--results`` (default ``benchmarks/results/neural``; a
relative folder is read from the current directory), named after the command,
data set, protocol and recipe; a ``--n-train`` other than 40,000, a
``--random-state`` other than 0 and a ``--data-folder`` other than the default
add ``-n<size>``, ``-rs<seed>`` and ``-src<hash>`` to the name, and ``--tag``
ends it (a tag that begins with one of those forms, or that makes the name of
another recipe's record, ``--recipe cnn-deep --tag long`` as
``cnn-deep-long``'s, is refused). An existing record is never replaced
without ``--overwrite``, nor ever one of another recipe: the command stops
before measuring anything. The data sets are read from
``--data-folder`` (default ``../shared/emnist/bench``); ``tune`` and
``protocol`` records hold the folder, the samples' random state
(``sample_random_state``, which ``--random-state`` sets, also the
estimator's unless ``--set random_state=...``) and whether they used the
whole training and test sets.
"""

import argparse
import ast
import hashlib
import json
import os
import re
import shlex
import sys
import time
from pathlib import Path

import numpy as np

# as sklearn_emnist.neural does; set here too in case torch is imported first
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from benchmarks._machine import (
    cpu_label,
    describe_machine,
    git_revision,
    package_versions,
    peak_rss_mb,
)
from benchmarks._report import sample_random_state
from benchmarks.datasets import (
    check_source_files,
    class_balanced_indices,
    default_bench_folder,
    indices_spread_like,
    load_source,
    resolve_source,
)
from sklearn_emnist.parallel._malloc import (
    OPT_OUT_VARIABLE,
    applied_malloc_settings,
)

RESULTS = REPO_ROOT / "benchmarks" / "results" / "neural"

__all__ = [
    "load_protocol",
    "evaluate",
    "run_recipe",
    "loop_overhead",
    "speed_options",
    "thread_settings",
    "allocators",
    "render_table",
    "main",
]


SEED_TRAIN_SIZE = 40_000
MISSING_DATA_HINT = "point --data-folder at the folder holding them"


def _load(dataset, subset, data_folder=None):
    source = resolve_source(dataset, data_folder=data_folder)
    loaded = load_source(source, subset)
    return loaded.data.reshape(-1, 28, 28), loaded.target, loaded.target_names


def load_protocol(dataset="letters-here", protocol="seed", *, n_train=SEED_TRAIN_SIZE,
                  n_valid=None, random_state=0, data_folder=None):
    """Training and evaluation data of a protocol.

    Parameters
    ----------
    dataset : str
        A benchmark set (``letters-here``, ``digits-here``, ``byclass-here``).
    protocol : {"seed", "full", "tune", "tune-full"}
        ``seed``: a class-balanced ``n_train`` sample of train, scored on
        test. ``full``: all of train, scored on test. ``tune``: the same
        ``n_train`` sample, scored on a disjoint sample of the remaining
        *training* images (``n_valid``, default: as many as test has), so
        that hyper-parameters are never chosen on test. ``tune-full``: the
        validation twin of ``full``: an ``n_valid`` sample of train is held
        out and scored, and the model fits on all the other training images
        (as imbalanced as train). A validation sample has the test set's
        class spread (:func:`~benchmarks.datasets.indices_spread_like`):
        class-balanced on letters-here, stratified on byclass-here. In
        ``tune`` it is drawn from what the training sample leaves, so a class
        with too few images left has fewer (letters-here: 1 x and 32 z).
    random_state : int
        Seed of the samples.
    data_folder : path-like, default=None
        Folder of the benchmark sets; default
        :func:`~benchmarks.datasets.default_bench_folder`.

    Returns
    -------
    X_train, y_train, X_eval, y_eval, target_names
    """
    return _load_protocol(dataset, protocol, n_train=n_train, n_valid=n_valid,
                          random_state=random_state, data_folder=data_folder)[:5]


def _load_protocol(dataset, protocol, *, n_train, n_valid, random_state, data_folder):
    """:func:`load_protocol`, plus the sizes of the data set's train and test files."""
    X, y, names = _load(dataset, "train", data_folder)
    X_test, y_test, _ = _load(dataset, "test", data_folder)
    sizes = {"n_train_file": len(y), "n_test_file": len(y_test)}
    if n_valid is None:
        n_valid = len(y_test)
    if protocol == "tune-full":
        valid = indices_spread_like(y, y_test, n_valid, random_state + 1)
        index = np.setdiff1d(np.arange(len(y)), valid)
        return X[index], y[index], X[valid], y[valid], names, sizes
    if protocol == "full":
        index = np.arange(len(y))
    else:
        index = class_balanced_indices(y, n_train, random_state)
    if protocol == "tune":
        rest = np.setdiff1d(np.arange(len(y)), index)
        valid = rest[indices_spread_like(y[rest], y_test, n_valid, random_state + 1)]
        return X[index], y[index], X[valid], y[valid], names, sizes
    return X[index], y[index], X_test, y_test, names, sizes


def evaluate(estimator, X_train, y_train, X_eval, y_eval):
    """Fit, predict, and return metrics and timings as a dict."""
    from sklearn.metrics import accuracy_score, precision_recall_fscore_support

    start = time.perf_counter()
    estimator.fit(X_train, y_train)
    fit_seconds = time.perf_counter() - start
    start = time.perf_counter()
    y_pred = estimator.predict(X_eval)
    predict_seconds = time.perf_counter() - start
    metrics = {"accuracy": float(accuracy_score(y_eval, y_pred))}
    for average in ("macro", "micro"):
        p, r, f, _ = precision_recall_fscore_support(y_eval, y_pred, average=average,
                                                     zero_division=0)
        metrics.update({f"{average}_precision": float(p), f"{average}_recall": float(r),
                        f"{average}_f1": float(f)})
    history = getattr(estimator, "history_", None)
    return {
        "metrics": metrics,
        "fit_seconds": round(fit_seconds, 2),
        "predict_seconds": round(predict_seconds, 3),
        "predict_images_per_second": round(len(y_eval) / predict_seconds, 1),
        "epochs_run": len(history) if history is not None else None,
        "epoch_seconds": [round(h["dur"], 2) for h in history] if history is not None else None,
        "train_loss": [round(h["train_loss"], 4) for h in history] if history is not None else None,
    }


def _describe_params(estimator):
    out = {}
    for key, value in estimator.get_params(deep=False).items():
        if key.startswith("_"):
            continue
        out[key] = value if isinstance(value, (int, float, str, bool, type(None))) else repr(value)
    return out


# settings of the process that change speed; a set allocator is part of the command
_ALLOCATOR_ENV = ("LD_PRELOAD", "MALLOC_TRIM_THRESHOLD_", "MALLOC_MMAP_THRESHOLD_",
                  OPT_OUT_VARIABLE)
_RECORDED_ENV = ("OMP_NUM_THREADS", *_ALLOCATOR_ENV)


def _record(kind, payload, args_line=None):
    prefix = [f"{k}={os.environ[k]}" for k in _ALLOCATOR_ENV if k in os.environ]
    record = {
        "kind": kind,
        # shell-quoted: a recorded command runs as it is (augment={'scale':(0.9,1.1)})
        "command": args_line or shlex.join([*prefix, Path(sys.executable).name, *sys.argv]),
        "utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "git": git_revision(),
        "machine": describe_machine(),
        "versions": package_versions(),
        "env": {k: os.environ[k] for k in _RECORDED_ENV if k in os.environ},
        "peak_rss_mb": peak_rss_mb(),
    }
    record.update(payload)
    return record


def _shown(path):
    """``path`` relative to the current directory where it is under it."""
    path = Path(path).resolve()
    try:
        return path.relative_to(Path.cwd())
    except ValueError:
        return path


def _write(record, name, results=RESULTS, *, overwrite=False):
    """Write ``record`` as ``<results>/<name>.json``; never over an existing record
    unless ``overwrite``: a record that appeared meanwhile (another run of the same
    command) is kept, this one then goes to ``<name>-<UTC time>.json``."""
    results = Path(results)
    results.mkdir(parents=True, exist_ok=True)
    path = results / f"{name}.json"
    text = json.dumps(record, indent=2, default=repr) + "\n"
    if overwrite:
        path.write_text(text)
    else:
        try:
            with open(path, "x") as handle:
                handle.write(text)
        except FileExistsError:
            kept = path
            path = results / f"{name}-{time.strftime('%Y%m%dT%H%M%SZ', time.gmtime())}.json"
            with open(path, "x") as handle:
                handle.write(text)
            print(f"{_shown(kept)} appeared during this run: kept (--overwrite replaces it)",
                  file=sys.stderr)
    print(f"wrote {_shown(path)}")
    return path


def _default_data_folder(data_folder):
    return data_folder is None or (
        Path(data_folder).resolve() == default_bench_folder().resolve())


def run_recipe(recipe, *, dataset="letters-here", protocol="seed", overrides=None,
               random_state=0, n_train=SEED_TRAIN_SIZE, save_model=None, data_folder=None):
    """Build a named recipe, fit it on a protocol's data and measure it.

    ``random_state`` seeds the training sample (and the validation sample of
    the ``tune`` protocols) and, unless ``overrides`` sets its own, the
    estimator. ``save_model``, a file path, keeps the fitted estimator there
    (joblib), so that later analyses (ensembles, error studies) need no new
    fit. ``data_folder`` is the folder of the benchmark sets (default
    :func:`~benchmarks.datasets.default_bench_folder`).

    Returns
    -------
    record : dict
        JSON-ready; see the module docstring. Besides the metrics and timings
        it says what was measured: ``sample_random_state``, ``n_train`` (the
        images fitted), ``train_sample``, ``whole_train_set``,
        ``whole_test_set`` (scored on all of the test file), ``data_folder``
        and ``source``.
    """
    from sklearn_emnist.neural import make_recipe

    overrides = dict(overrides or {})
    overrides.setdefault("random_state", random_state)
    estimator = make_recipe(recipe, **overrides)
    source = resolve_source(dataset, data_folder=data_folder)
    X_train, y_train, X_eval, y_eval, _, sizes = _load_protocol(
        dataset, protocol, n_train=n_train, n_valid=None, random_state=random_state,
        data_folder=data_folder)
    whole_train_set = protocol == "full" or (
        protocol == "seed" and len(y_train) == sizes["n_train_file"])
    if whole_train_set:
        train_sample = f"all {sizes['n_train_file']:,} train images"
    elif protocol == "tune-full":
        train_sample = (f"all {sizes['n_train_file']:,} train images but a held-out validation "
                        f"sample of {len(y_eval):,} (random_state={random_state + 1})")
    else:
        train_sample = (f"class-balanced sample of {len(y_train):,} of the "
                        f"{sizes['n_train_file']:,} train images")
    result = evaluate(estimator, X_train, y_train, X_eval, y_eval)
    if save_model is not None:
        import joblib

        joblib.dump(estimator, save_model)
        result["saved_model"] = str(save_model)
    if protocol == "seed":
        # the same fitted model scored on the train-only validation sample of
        # the "tune" protocol: recipes are compared on this figure, never on test
        _, _, X_valid, y_valid, _ = load_protocol(dataset, "tune", n_train=n_train,
                                                  random_state=random_state,
                                                  data_folder=data_folder)
        result["validation_accuracy"] = float(np.mean(estimator.predict(X_valid) == y_valid))
        result["validation_note"] = ("disjoint class-balanced sample of the training file "
                                     "(protocol 'tune'); used to choose recipes")
    tuning = protocol.startswith("tune")
    return _record("tune" if tuning else "protocol", {
        "recipe": recipe,
        "estimator": type(estimator).__name__,
        "params": _describe_params(estimator),
        "overrides": {k: repr(v) for k, v in overrides.items()},
        "dataset": dataset,
        "protocol": protocol,
        "evaluated_on": "train (disjoint validation sample)" if tuning else "test",
        "n_train": len(y_train),
        "n_eval": len(y_eval),
        # what was measured, as fields (the summary checks them against the targets)
        "sample_random_state": int(random_state),
        "train_sample": train_sample,
        "whole_train_set": bool(whole_train_set),
        "whole_test_set": bool(not tuning and len(y_eval) == sizes["n_test_file"]),
        "data_folder": None if source.kind != "folder" else str(Path(source.folder).resolve()),
        "source": source.display(),
        **result,
    })


def _time_it(function, repeat=3):
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        best = min(best, time.perf_counter() - start)
    return best


def loop_overhead(*, n=8192, batch_size=128, epochs=3, rounds=4, architecture="seed",
                  n_threads=1, channels_last=False, random_state=0):
    """Seconds per epoch of ``CharCNNClassifier.fit`` vs a plain PyTorch loop.

    Both train the same network (same initial weights) with the same
    optimizer on the same shuffled mini-batches, without augmentation or
    validation; the plain loop is the minimal ``for xb, yb in batches:
    zero_grad / forward / cross_entropy / backward / step``. Each round runs
    ``epochs`` epochs of each, as one call (one ``fit`` of a warm-started
    estimator, whose once-per-call work is timed apart: see below),
    the order alternating between rounds so that load drift on a shared
    machine hits both alike.

    The reported ratio, ``ratio_skorch_over_plain``, is the training loop's:
    the median over rounds of skorch's seconds per epoch (its own epoch
    timer, ``history_[:, "dur"]``) over the plain loop's;
    ``ratio_of_fastest_rounds`` compares their fastest rounds. What ``fit``
    does once per call around its epochs (input validation, the float32
    conversion of the whole array, building the callbacks and the batch-norm
    refresh, a forward pass over the training images, about a third of an
    epoch) is reported beside it, as ``fit_ratio_skorch_over_plain`` (whole
    ``fit`` calls per epoch, over the plain loop's) and
    ``skorch_per_fit_seconds``: with ``epochs=3`` it weighs about ten times
    what it weighs in a 30-epoch fit.
    ``channels_last=True`` (the estimator's default) puts both networks and
    their batches in the channels-last memory format.

    Under glibc's default ``malloc`` the ratio measures the allocator as much
    as the loop: depending on the process's heap history, one of the two
    loops pays about 200,000 page faults per epoch (freed activation memory
    handed back to the system and faulted in again) and runs 10-17 % slower.
    Both loops run under the process's allocator settings, which the
    estimator's first fit (the warm-up here) sets up for training unless the
    allocator was chosen elsewhere (:func:`sklearn_emnist.parallel.tune_malloc`);
    the record's ``malloc`` says what was applied. Run it with
    ``SKLEARN_EMNIST_TUNE_MALLOC=0`` to measure under glibc's defaults (see
    :func:`allocators`).
    """
    import torch

    from sklearn_emnist.neural import CharCNNClassifier

    rng = np.random.default_rng(random_state)
    X = rng.integers(0, 256, size=(n, 28, 28), dtype=np.uint8)
    y = rng.integers(0, 26, size=n)
    y[:26] = np.arange(26)
    torch.set_num_threads(n_threads)

    clf = CharCNNClassifier(architecture=architecture, augment=False, lr_schedule=None,
                            label_smoothing=0.0, channels_last=channels_last,
                            optimizer=torch.optim.Adam, lr=1e-3, max_epochs=1,
                            batch_size=batch_size, verbose=0, random_state=random_state,
                            n_threads=n_threads, device="cpu", warm_start=True)
    clf.fit(X[:256], y[:256])  # initialise (and warm up) once
    clf.set_params(max_epochs=epochs)

    plain_model = type(clf.module_)(n_classes=26)
    plain_model.load_state_dict(clf.module_.state_dict())
    memory_format = torch.channels_last if channels_last else torch.contiguous_format
    plain_model = plain_model.to(memory_format=memory_format)
    optimizer = torch.optim.Adam(plain_model.parameters(), lr=1e-3)
    X_t = torch.from_numpy(X.astype(np.float32) / 255).reshape(n, 1, 28, 28)
    y_t = torch.from_numpy(y.astype(np.int64))
    generator = torch.Generator().manual_seed(random_state)

    def plain_fit():
        plain_model.train()
        for _ in range(epochs):
            order = torch.randperm(n, generator=generator)
            for start in range(0, n, batch_size):
                index = order[start:start + batch_size]
                optimizer.zero_grad()
                batch = X_t[index].contiguous(memory_format=memory_format)
                loss = torch.nn.functional.cross_entropy(plain_model(batch), y_t[index])
                loss.backward()
                optimizer.step()

    loop = []  # skorch's own epoch times, per fit call

    def skorch_fit():
        clf.fit(X, y)  # warm_start: `epochs` more epochs, same network
        loop.append(sum(clf.history_[-epochs:, "dur"]) / epochs)

    plain, wrapped = [], []
    for round_ in range(rounds):
        pair = [(plain_fit, plain), (skorch_fit, wrapped)]
        for fit, times in pair if round_ % 2 == 0 else pair[::-1]:
            start = time.perf_counter()
            fit()
            times.append((time.perf_counter() - start) / epochs)
    ratio = float(np.median(loop) / np.median(plain))
    return {
        "architecture": architecture, "n_images": n, "batch_size": batch_size,
        "n_threads": n_threads, "channels_last": channels_last, "epochs": epochs,
        "rounds": rounds,
        "plain_seconds_per_epoch": [round(t, 3) for t in plain],
        "skorch_seconds_per_epoch": [round(t, 3) for t in loop],
        "skorch_fit_seconds_per_epoch": [round(t, 3) for t in wrapped],
        "skorch_per_fit_seconds": [round((w - t) * epochs, 3) for w, t in zip(wrapped, loop)],
        "ratio_skorch_over_plain": round(ratio, 4),
        "ratio_of_fastest_rounds": round(float(min(loop) / min(plain)), 4),
        "fit_ratio_skorch_over_plain": round(float(np.median(wrapped) / np.median(plain)), 4),
        "malloc": applied_malloc_settings(),
        "note": f"each figure is one round's seconds per epoch ({epochs} epochs per call). "
                "skorch_seconds_per_epoch: skorch's epoch timer (the training loop); "
                "skorch_fit_seconds_per_epoch: the whole fit call, which adds what fit does "
                "once per call (skorch_per_fit_seconds): input validation (check_images), "
                "the float32 conversion of the whole array, the callbacks and the batch-norm "
                "refresh (a forward pass over the training images)",
    }


def speed_options(*, architecture="deep", n=4096, batch_size=128, random_state=0):
    """Effect of channels-last, inference batch size, torch.compile, threads and
    bfloat16 precision.

    Each figure is a ratio against the default setting measured in the same
    run (best of 3), on random images (speed does not depend on content).
    """

    from sklearn_emnist.neural import CharCNNClassifier, LSTMRowClassifier

    rng = np.random.default_rng(random_state)
    X = rng.integers(0, 256, size=(n, 28, 28), dtype=np.uint8)
    y = np.arange(n) % 26
    results = {"architecture": architecture, "n_images": n}

    def make(**kw):
        params = dict(architecture=architecture, augment=False, max_epochs=1,
                      channels_last=False,
                      batch_size=batch_size, verbose=0, random_state=random_state,
                      device="cpu")
        params.update(kw)
        return CharCNNClassifier(**params)

    # threads (training one epoch and predicting)
    threads = {}
    for n_threads in (1, 2):
        clf = make(n_threads=n_threads)
        threads[n_threads] = {
            "fit_seconds": round(_time_it(lambda: clf.fit(X, y), repeat=2), 3),
            "predict_seconds": round(_time_it(lambda: clf.predict(X)), 3),
        }
    results["threads"] = threads

    # channels-last
    base = make(n_threads=1).fit(X[:512], y[:512])
    cl = make(n_threads=1, channels_last=True).fit(X[:512], y[:512])
    fit_base = _time_it(lambda: base.fit(X, y), repeat=2)
    fit_cl = _time_it(lambda: cl.fit(X, y), repeat=2)
    pred_base = _time_it(lambda: base.predict(X))
    pred_cl = _time_it(lambda: cl.predict(X))
    results["channels_last"] = {
        "fit_seconds": {"default": round(fit_base, 3), "channels_last": round(fit_cl, 3)},
        "predict_seconds": {"default": round(pred_base, 3), "channels_last": round(pred_cl, 3)},
        "fit_ratio": round(fit_cl / fit_base, 3),
        "predict_ratio": round(pred_cl / pred_base, 3),
    }

    # inference batch size
    by_size = {}
    for size in (128, 256, 1024, 4096):
        base.set_params(predict_batch_size=size)
        by_size[size] = round(n / _time_it(lambda: base.predict(X)), 1)
    results["predict_images_per_second_by_batch_size"] = by_size

    # torch.compile (skorch's compile=True); first call includes compilation
    try:
        comp = make(n_threads=1, compile=True)
        start = time.perf_counter()
        comp.fit(X[:512], y[:512])
        compile_seconds = time.perf_counter() - start
        fit_comp = _time_it(lambda: comp.fit(X, y), repeat=2)
        pred_comp = _time_it(lambda: comp.predict(X))
        results["torch_compile"] = {
            "first_fit_seconds_incl_compile": round(compile_seconds, 2),
            "fit_ratio": round(fit_comp / fit_base, 3),
            "predict_ratio": round(pred_comp / pred_base, 3),
            "note": "fit re-initialises the module, so every fit recompiles",
        }
    except Exception as exc:
        results["torch_compile"] = {"error": f"{type(exc).__name__}: {exc}"[:500]}

    # precision and threads of both estimators' default networks (the LSTM's
    # small row-by-row products may not gain from a second thread)
    networks = {
        "cnn": make(channels_last=True),
        "lstm": LSTMRowClassifier(augment=False, max_epochs=1, batch_size=batch_size,
                                  verbose=0, random_state=random_state, device="cpu"),
    }
    results["bfloat16"] = {
        name: {str(n_threads): _precision_ratios(estimator.set_params(n_threads=n_threads),
                                                 X, y)
               for n_threads in (1, 2)}
        for name, estimator in networks.items()
    }
    return results


def _precision_ratios(estimator, X, y):
    """fit and predict time with ``precision="bfloat16"`` over float32's."""
    seconds = {}
    for precision in ("float32", "bfloat16"):
        clf = estimator.set_params(precision=precision).fit(X[:512], y[:512])
        seconds[precision] = (_time_it(lambda: clf.fit(X, y), repeat=2),
                              _time_it(lambda: clf.predict(X)))
    (fit32, pred32), (fit16, pred16) = seconds["float32"], seconds["bfloat16"]
    return {"fit_seconds": {"float32": round(fit32, 3), "bfloat16": round(fit16, 3)},
            "predict_seconds": {"float32": round(pred32, 3), "bfloat16": round(pred16, 3)},
            "fit_ratio": round(fit16 / fit32, 3), "predict_ratio": round(pred16 / pred32, 3)}


_STEP_SCRIPT = """
import sys, time, torch
sys.path.insert(0, {root!r})
from sklearn_emnist.neural._modules import DeepCNN, SeedCNN
torch.manual_seed(0)
torch.set_num_threads({threads})
model = {{"seed": SeedCNN, "deep": DeepCNN}}[{architecture!r}](26)
x = torch.rand({batch_size}, 1, 28, 28); y = torch.randint(0, 26, ({batch_size},))
opt = torch.optim.AdamW(model.parameters(), 1e-3)
def step():
    loss = torch.nn.functional.cross_entropy(model(x), y)
    opt.zero_grad(); loss.backward(); opt.step()
for _ in range(3):
    step()
start = time.perf_counter()
for _ in range({steps}):
    step()
print((time.perf_counter() - start) / {steps})
"""


def thread_settings(*, architecture="deep", batch_size=128, steps=15, rounds=2):
    """Training-step time for 1 and 2 torch threads, busy vs passive OpenMP waiting.

    ``OMP_WAIT_POLICY`` is read when torch loads OpenMP, so every setting
    runs in a fresh subprocess; the settings are interleaved ``rounds``
    times so that load drift hits them alike. Returns milliseconds per
    training step (best per setting) and the 1-minute load average.
    """
    import subprocess

    script = _STEP_SCRIPT.format(root=str(REPO_ROOT), threads="{threads}",
                                 architecture=architecture, batch_size=batch_size,
                                 steps=steps)
    settings = [(1, "ACTIVE"), (2, "ACTIVE"), (1, "PASSIVE"), (2, "PASSIVE")]
    times = {f"{t} thread(s), OMP_WAIT_POLICY={w}": [] for t, w in settings}
    for _ in range(rounds):
        for threads, policy in settings:
            env = {**os.environ, "OMP_WAIT_POLICY": policy}
            env.pop("OMP_NUM_THREADS", None)
            out = subprocess.run([sys.executable, "-c", script.replace("{threads}", str(threads))],
                                 env=env, capture_output=True, text=True, check=True)
            times[f"{threads} thread(s), OMP_WAIT_POLICY={policy}"].append(
                round(float(out.stdout.strip()) * 1000, 1))
    return {
        "architecture": architecture, "batch_size": batch_size,
        "ms_per_training_step": times,
        "best_ms_per_training_step": {k: min(v) for k, v in times.items()},
        "load_average_1min_after": round(os.getloadavg()[0], 2),
    }


_FIT_SCRIPT = """
import resource, sys, time
import numpy as np
sys.path.insert(0, {root!r})
from sklearn_emnist.neural import CharCNNClassifier
rng = np.random.default_rng(0)
X = rng.integers(0, 256, size=({n}, 28, 28), dtype=np.uint8)
y = np.arange({n}) % 26
clf = CharCNNClassifier(max_epochs={epochs}, n_threads={threads}, verbose=0, random_state=0)
faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
start = time.perf_counter()
clf.fit(X, y)
print(time.perf_counter() - start, resource.getrusage(resource.RUSAGE_SELF).ru_minflt - faults)
"""

# shared libraries of the usual Debian / Ubuntu packages (libtcmalloc-minimal4, libjemalloc2)
_ALLOCATOR_LIBRARIES = {
    "tcmalloc": ["libtcmalloc_minimal.so.4", "libtcmalloc.so.4"],
    "jemalloc": ["libjemalloc.so.2", "libjemalloc.so.1"],
}


def _find_library(names):
    for folder in ("/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/usr/lib64",
                   "/usr/lib", "/usr/local/lib"):
        for name in names:
            if (Path(folder) / name).exists():
                return str(Path(folder) / name)
    return None


def allocators(*, n=8192, epochs=2, n_threads=2, rounds=2):
    """Fit seconds of the default CNN under glibc's malloc and the alternatives.

    The memory allocator is chosen when a process starts, so each setting fits
    in a fresh subprocess: glibc's default (``SKLEARN_EMNIST_TUNE_MALLOC=0``);
    glibc as the estimators leave it, their first fit raising the trim and
    mmap thresholds at run time (:func:`sklearn_emnist.parallel.tune_malloc`:
    128 MiB and 32 MiB, so that freed activation memory is kept for the next
    batch instead of being handed back to the system and faulted in again);
    glibc with the thresholds raised from the environment
    (``MALLOC_TRIM_THRESHOLD_`` to 2 GiB, ``MALLOC_MMAP_THRESHOLD_`` to
    32 MiB, glibc's maximum); tcmalloc and jemalloc through ``LD_PRELOAD``
    where installed. Settings are interleaved ``rounds``
    times; the best fit seconds per setting and the minor page faults of that
    fit are reported.
    """
    import subprocess

    script = _FIT_SCRIPT.format(root=str(REPO_ROOT), n=n, epochs=epochs, threads=n_threads)
    settings = {
        "glibc": {OPT_OUT_VARIABLE: "0"},
        "glibc, thresholds raised by the first fit (the default)": {},
        "glibc, thresholds raised": {"MALLOC_TRIM_THRESHOLD_": str(2**31),
                                     "MALLOC_MMAP_THRESHOLD_": str(2**25)},
    }
    missing = []
    for name, libraries in _ALLOCATOR_LIBRARIES.items():
        path = _find_library(libraries)
        if path is None:
            missing.append(name)
        else:
            settings[f"{name} (LD_PRELOAD={path})"] = {"LD_PRELOAD": path}
    runs = {name: [] for name in settings}
    for _ in range(rounds):
        for name, extra in settings.items():
            # the parent's own allocator settings must not leak into "glibc"
            env = {k: v for k, v in os.environ.items() if k not in _ALLOCATOR_ENV}
            env.update(extra)
            out = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True,
                                 text=True, check=True)
            seconds, faults = out.stdout.split()
            runs[name].append((round(float(seconds), 2), int(faults)))
    best = {name: min(values) for name, values in runs.items()}
    glibc = best["glibc"][0]
    return {
        "n_images": n, "epochs": epochs, "n_threads": n_threads,
        "fit_seconds_and_minor_faults": runs,
        "best_fit_seconds": {name: value[0] for name, value in best.items()},
        "minor_faults_of_best_fit": {name: value[1] for name, value in best.items()},
        "fit_ratio_to_glibc": {name: round(value[0] / glibc, 3) for name, value in best.items()},
        "not_installed": missing,
    }


def _describe_overhead(record):
    if "fit_ratio_skorch_over_plain" in record:
        loop = "training loop (skorch's epoch timer)"
        fit = (f"; whole fit calls {record['fit_ratio_skorch_over_plain']}, adding "
               f"{record['skorch_per_fit_seconds']} s per call")
    else:  # older records timed whole fit calls only, before the batch-norm refresh
        loop, fit = "whole fit calls (before the batch-norm refresh)", ""
    return (f"skorch/plain seconds per epoch, {loop} = {record['ratio_skorch_over_plain']} "
            f"(medians; fastest rounds: {record.get('ratio_of_fastest_rounds', 'not recorded')}; "
            f"plain {record['plain_seconds_per_epoch']}, skorch "
            f"{record['skorch_seconds_per_epoch']}{fit}; {record['n_threads']} thread(s), "
            f"channels-last {record.get('channels_last', False)}{_describe_malloc(record)})")


def _describe_malloc(record):
    if "malloc" not in record:  # before the estimators set up the allocator
        return ""
    if record["malloc"] is None:
        return "; glibc's thresholds left alone"
    return (f"; glibc's thresholds raised (mmap {record['malloc']['mmap_threshold'] >> 20} MiB, "
            f"trim {record['malloc']['trim_threshold'] >> 20} MiB)")


def _describe_allocators(record):
    return (f"fit seconds relative to glibc {record['fit_ratio_to_glibc']}, minor page faults "
            f"{record['minor_faults_of_best_fit']}")


def _describe_threads(record):
    return f"best ms per training step {record['best_ms_per_training_step']}"


def _describe_speed(record):
    return (f"channels-last fit ratio {record['channels_last']['fit_ratio']}, predict ratio "
            f"{record['channels_last']['predict_ratio']}; predict images/s by batch size "
            f"{record['predict_images_per_second_by_batch_size']}; torch.compile "
            f"{record['torch_compile']}; threads {record['threads']}"
            + "".join(f"; {name} with {n_threads} thread(s): fit seconds {r['fit_seconds']}, "
                      f"bfloat16 fit ratio {r['fit_ratio']}, predict ratio {r['predict_ratio']}"
                      for name, by_threads in record.get("bfloat16", {}).items()
                      for n_threads, r in by_threads.items()))


# record kind -> (label, one-line description) of the speed records listed under the table
_EXTRA_LINES = {
    "overhead": ("loop overhead", _describe_overhead),
    "allocators": ("allocators", _describe_allocators),
    "threads": ("threads", _describe_threads),
    "speed": ("speed", _describe_speed),
}


# parameters added after some records were written -> the value (as _describe_params
# writes it) that reproduces what those records ran
_BEFORE_PARAMETER = {"precision": "float32"}


def _unlike_today(record, recipes):
    """The record's settings that its recipe no longer has (an older default).

    ``recipes`` caches each recipe's parameters today. Overridden settings
    are left out: the overrides column shows them.
    """
    from sklearn_emnist.neural import make_recipe

    name = record["recipe"]
    if name not in recipes:
        try:
            recipes[name] = _describe_params(make_recipe(name))
        except ValueError:  # a recipe that no longer exists
            recipes[name] = None
    today = recipes[name]
    if today is None:
        return "recipe gone"
    # a parameter added after the record ran as its value in _BEFORE_PARAMETER
    then = {**_BEFORE_PARAMETER, **record.get("params", {})}
    overridden = set(record.get("overrides", {}))
    changed = [
        f"{key}={then.get(key, 'unset')} (now {today.get(key, 'unset')})"
        for key in sorted(set(then) | set(today))
        if key not in overridden and then.get(key, "unset") != today.get(key, "unset")
    ]
    return ", ".join(changed)


# changes of the code that records do not show in their parameters
_COMMITS_RECORDED_SINCE = "2026-11-21 19:07"
_BATCH_NORM_REFRESH = "2026-11-21 20:40 (commit 77876a5)"


def _taken(record):
    """When a record was taken and, where it says, at which commit."""
    taken = record.get("utc", "")[:16].replace("T", " ")
    git = record.get("git") or {}
    if git.get("commit"):
        taken += f" ({git['commit'][:7]}{', local changes' if git.get('dirty') else ''})"
    return taken


def render_table(folder=RESULTS):
    """A markdown summary of every record in ``folder`` (written as README.md)."""
    rows, extra, first, recipes = [], [], None, {}
    for path in sorted(Path(folder).glob("*.json")):
        record = json.loads(path.read_text())
        kind = record.get("kind")
        if kind in ("protocol", "tune"):
            first = first or record
            metrics = record["metrics"]
            valid = record.get("validation_accuracy")
            sample = sample_random_state(record)  # from the command in older records
            sample = "" if sample == 0 else f", sample random_state={sample}"
            rows.append(
                f"| {record['recipe']} | {record.get('overrides', {})} | "
                f"{_unlike_today(record, recipes)} | {record['dataset']} "
                f"{record['protocol']} (n={record['n_train']}{sample}) | {record['evaluated_on']} | "
                f"{metrics['accuracy']:.2%} | {metrics['macro_recall']:.2%} | "
                f"{metrics['macro_precision']:.2%} | "
                f"{'' if valid is None else f'{valid:.2%}'} | {record['fit_seconds']:.0f} | "
                f"{record['machine'].get('load_average_1min', '')} | "
                f"{record['predict_images_per_second']:.0f} | {record['peak_rss_mb']} | "
                f"{cpu_label(record['machine'])} | {_taken(record)} | `{record['command']}` |"
            )
        elif kind in _EXTRA_LINES:
            label, describe = _EXTRA_LINES[kind]
            extra.append(f"- {label} ({path.name}): {describe(record)}; load "
                         f"{record['machine'].get('load_average_1min')}; `{record['command']}`")
    machine = ""
    if first is not None:
        m = first["machine"]
        machine = (f"Machines: {m.get('cores_usable')} usable cores, no GPU; each row's CPU "
                   "is in its `CPU` column (records of different CPUs differ in fit seconds, "
                   "and a seed reproduces a model only on the same machine); `load` is the "
                   "1-minute load average when each run ended; "
                   f"torch {first['versions'].get('torch')}, "
                   f"skorch {first['versions'].get('skorch')}.")
    text = "\n".join([
        "# Neural estimators: benchmark records",
        "",
        "Written by `python benchmarks/bench_neural.py table` from the JSON records here.",
        "Seed protocol: class-balanced 40,000 images of letters-here train (random_state=0),",
        "scored on letters-here test (7,800). `validation` is the same fitted model scored on",
        "a disjoint 7,800-image sample of the *training* file, as class-balanced as the images",
        "left over allow (x and z, the rarest letters, have only 1 and 32 there): recipes were",
        "compared on it, never on test. Validation samples are spread over the classes as the",
        "test set is: class-balanced on letters-here, stratified on byclass-here (the `tune`",
        "rows of byclass-here). Fit seconds are wall-clock on a 2-core CPU; runs with",
        "`n_threads=1` shared it with a second benchmark (each had one core), so their fit",
        "seconds are upper bounds of a solo run. `unlike today's recipe` lists the settings",
        "in which a record's recipe differed from the recipe of that name today (records",
        "taken before a default changed). Code changes are not listed there: a record names",
        f"the commit it ran (records before {_COMMITS_RECORDED_SINCE} carry none). Records",
        f"taken before {_BATCH_NORM_REFRESH} predate the batch-norm refresh at the end of",
        "`fit`; the CNN records re-run after it (tag `refreshed-bn`) moved by -0.6 (byclass,",
        "balanced weights) to +0.9 point (byclass, 40 epochs) in accuracy.",
        "",
        machine,
        "",
        "| recipe | overrides | unlike today's recipe | data | scored on | accuracy "
        "| macro recall | macro precision | validation | fit s | load | predict img/s "
        "| peak RSS MB | CPU | taken (UTC, commit) | command |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
        *rows,
        "",
        *extra,
        "",
    ])
    out = Path(folder) / "README.md"
    out.write_text(text)
    return out


def _parse_overrides(pairs):
    out = {}
    for pair in pairs or []:
        key, _, value = pair.partition("=")
        try:
            out[key] = ast.literal_eval(value)
        except (ValueError, SyntaxError):
            out[key] = value
    return out


_TAG = re.compile(r"[A-Za-z0-9][A-Za-z0-9._+=-]*")


def _tag_option(text):
    """``--tag``: a piece of a file name (letters, digits, ``.``, ``_``, ``+``, ``=``, ``-``)."""
    if text and not _TAG.fullmatch(text):
        raise argparse.ArgumentTypeError(
            f"{text!r} cannot be part of the record's file name; use letters, digits and "
            "'.', '_', '+', '=', '-' (starting with a letter or digit), e.g. t1-bf16")
    return text


def _positive_int(text):
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be an integer >= 1, not {text!r}")
    return value


# how _record_name names the options that depart from the protocol: a --tag that
# begins so would give the name of another run's record
_RESERVED_TAG = re.compile(r"n\d+|rs\d+|src[0-9a-f]{8}")


def _record_name_clash(recipe, tail, recipes):
    """Why a ``tune`` / ``protocol`` record name ending in ``tail`` (the recipe, its
    variant and ``-<tag>``) can be another run's, or None.

    ``tail`` must not begin with the name of another recipe that extends this
    one's (``cnn-deep`` with ``--tag long`` is ``cnn-deep-long``'s record).
    """
    for other in sorted(recipes, key=len, reverse=True):
        if (other != recipe and other.startswith(recipe + "-")
                and (tail == other or tail.startswith(other + "-"))):
            return other
    return None


def _check_tag(args, protocol, recipes):
    """Why a --tag makes the record's name another run's (a message), or None."""
    if not args.tag:
        return None
    first = args.tag.split("-")[0]
    if _RESERVED_TAG.fullmatch(first):
        return (f"--tag {args.tag!r} begins with {first!r}, the form a record's name gives to "
                "--n-train (n<size>), --random-state (rs<seed>) and --data-folder (src<hash>): "
                "the record could take the name of a run with those options. Give a tag that "
                f"begins otherwise (e.g. 'x{args.tag}').")
    name = _record_name(args, protocol)
    prefix = f"{args.command}-{args.dataset}-{protocol}-"
    other = _record_name_clash(args.recipe, name[len(prefix):], recipes)
    if other is not None:
        return (f"--recipe {args.recipe} --tag {args.tag} names the record "
                f"{name}.json, as a record of the recipe {other!r} is named; give a tag "
                f"that does not begin with {other[len(args.recipe) + 1:]!r}.")
    return None


def _record_name(args, protocol):
    """The file name (no ``.json``) of a ``tune`` / ``protocol`` record: what was
    measured, each option that departs from the default named in it."""
    variant = ""
    if args.n_train is not None and args.n_train != SEED_TRAIN_SIZE:
        variant += f"-n{args.n_train}"
    if args.random_state != 0:
        variant += f"-rs{args.random_state}"
    if not _default_data_folder(args.data_folder):
        folder = str(Path(args.data_folder).resolve())
        variant += "-src" + hashlib.sha256(folder.encode()).hexdigest()[:8]
    tag = f"-{args.tag}" if args.tag else ""
    return f"{args.command}-{args.dataset}-{protocol}-{args.recipe}{variant}{tag}"


def build_parser():
    """The command line of ``python benchmarks/bench_neural.py``."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], allow_abbrev=False)
    sub = parser.add_subparsers(dest="command", required=True)

    def output_options(p, tagged=True):
        p.add_argument("--results", default=str(RESULTS),
                       help="folder of the records (default benchmarks/results/neural; a "
                            "relative one is read from the current directory)")
        if tagged:
            p.add_argument("--tag", default="", type=_tag_option,
                           help="ends the record's file name (letters, digits, . _ + = -; "
                                "for tune and protocol not beginning n<size>, rs<seed> or "
                                "src<hash>, nor making another recipe's name)")
            p.add_argument("--overwrite", action="store_true",
                           help="replace a record of the same name (refused otherwise)")

    for name in ("tune", "protocol"):
        p = sub.add_parser(name, allow_abbrev=False)
        p.add_argument("--recipe", required=True)
        p.add_argument("--dataset", default="letters-here")
        p.add_argument("--data-folder", default=None,
                       help="folder of the benchmark sets (default ../shared/emnist/bench, "
                            "or $SKLEARN_EMNIST_SHARED/bench)")
        p.add_argument("--set", action="append", dest="overrides", metavar="KEY=VALUE")
        p.add_argument("--random-state", type=int, default=0,
                       help="seed of the training (and validation) samples, and of the "
                            "estimator unless --set random_state=... (default 0)")
        p.add_argument("--n-train", type=_positive_int, default=None,
                       help="size of the class-balanced training sample (default 40000; "
                            "not with --protocol full, which fits all training images)")
        p.add_argument("--save-model", metavar="PATH", help="keep the fitted estimator here")
        # tune --protocol full: fit on all of train but a held-out validation sample
        p.add_argument("--protocol", choices=("seed", "full"), default="seed")
        output_options(p)
    p = sub.add_parser("overhead", allow_abbrev=False)
    p.add_argument("--architecture", default="seed")
    p.add_argument("--n", type=_positive_int, default=8192)
    p.add_argument("--epochs", type=_positive_int, default=3)
    p.add_argument("--rounds", type=_positive_int, default=4)
    p.add_argument("--threads", type=_positive_int, default=1)
    p.add_argument("--channels-last", action="store_true")
    output_options(p)
    p = sub.add_parser("table", allow_abbrev=False)
    output_options(p, tagged=False)
    p = sub.add_parser("allocators", allow_abbrev=False)
    p.add_argument("--threads", type=_positive_int, default=2)
    output_options(p)
    for name in ("threads", "speed"):
        p = sub.add_parser(name, allow_abbrev=False)
        p.add_argument("--architecture", default="deep")
        output_options(p)
    return parser


def main(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)
    results = Path(args.results).expanduser().resolve()
    # the suffix of the record's file name ("table" writes no record)
    tag = f"-{args.tag}" if getattr(args, "tag", "") else ""

    def refuse_existing(name, recipe=None):
        """Stop before measuring anything when the record exists (unless --overwrite,
        which never replaces a record of another recipe than ``recipe``)."""
        path = results / f"{name}.json"
        if not path.exists():
            return name
        if recipe is not None:
            try:
                existing = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                existing = None
            held = existing.get("recipe") if isinstance(existing, dict) else None
            if held is not None and held != recipe:
                parser.error(f"{_shown(path)} holds a record of the recipe {held!r}, not "
                             f"{recipe!r}: give --tag to name this run's record apart")
        if not args.overwrite:
            parser.error(f"{_shown(path)} exists: pass --overwrite to replace it, or --tag to "
                         "name this run's record apart")
        return name

    if args.command in ("tune", "protocol"):
        protocol = args.protocol
        if args.n_train is not None and protocol == "full":
            parser.error("--n-train sets the seed protocol's training sample; --protocol full "
                         "fits all training images")
        if args.command == "tune":
            protocol = "tune" if protocol == "seed" else "tune-full"
        # the record's name first: a clash is refused before the data are looked at
        from sklearn_emnist.neural import RECIPES

        if args.recipe not in RECIPES:
            parser.error(f"unknown --recipe {args.recipe!r}; one of {', '.join(RECIPES)}")
        clash = _check_tag(args, protocol, RECIPES)
        if clash:
            parser.error(clash)
        try:
            source = resolve_source(args.dataset, data_folder=args.data_folder)
            check_source_files(source, hint=MISSING_DATA_HINT + (
                f" (default {default_bench_folder()})" if args.data_folder is None else ""))
        except (ValueError, FileNotFoundError) as exc:
            parser.error(str(exc))
        name = refuse_existing(_record_name(args, protocol), recipe=args.recipe)
        overrides = _parse_overrides(args.overrides)
        record = run_recipe(args.recipe, dataset=args.dataset, protocol=protocol,
                            overrides=overrides, random_state=args.random_state,
                            n_train=SEED_TRAIN_SIZE if args.n_train is None else args.n_train,
                            save_model=args.save_model, data_folder=args.data_folder)
        print(json.dumps(record["metrics"]), "fit", record["fit_seconds"], "s")
        _write(record, name, results, overwrite=args.overwrite)
    elif args.command == "overhead":
        name = refuse_existing(f"overhead-{args.architecture}{tag}")
        result = loop_overhead(architecture=args.architecture, n=args.n, epochs=args.epochs,
                               rounds=args.rounds, n_threads=args.threads,
                               channels_last=args.channels_last)
        print(json.dumps(result, indent=2))
        _write(_record("overhead", result), name, results, overwrite=args.overwrite)
    elif args.command == "table":
        print(f"wrote {render_table(results)}")
    elif args.command == "allocators":
        name = refuse_existing(f"allocators-t{args.threads}{tag}")
        result = allocators(n_threads=args.threads)
        print(json.dumps(result, indent=2))
        _write(_record("allocators", result), name, results, overwrite=args.overwrite)
    elif args.command == "threads":
        name = refuse_existing(f"threads-{args.architecture}{tag}")
        result = thread_settings(architecture=args.architecture)
        print(json.dumps(result, indent=2))
        _write(_record("threads", result), name, results, overwrite=args.overwrite)
    elif args.command == "speed":
        name = refuse_existing(f"speed-{args.architecture}{tag}")
        result = speed_options(architecture=args.architecture)
        print(json.dumps(result, indent=2))
        _write(_record("speed", result), name, results, overwrite=args.overwrite)
    return 0


if __name__ == "__main__":
    sys.exit(main())
