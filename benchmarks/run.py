"""The benchmark runner: train and score models side by side, write JSON records and a table.

Usage (from the repository root)::

    python -m benchmarks seed --dataset letters-here            # the README's main job
    python -m benchmarks full --dataset letters-here --models best-cnn
    python -m benchmarks seed --dataset letters                 # official split via fetch_emnist
    python -m benchmarks seed --source folder:/data/bench:letters-here
    python -m benchmarks quick --dataset letters-here --results /tmp/bench   # tiny, for tests
    python -m benchmarks table benchmarks/results/seed-letters-here          # rebuild table + plots
    python -m benchmarks readers                                # fetch/reader system benchmark
    python -m benchmarks summary                                # targets + all records: results/SUMMARY.md
    python -m benchmarks list                                   # models and data sets

Protocols:

- ``seed``: a class-balanced sample of 40,000 training images (fixed
  ``--random-state``), scored on the whole test part of the data set;
- ``full``: all training images, scored on the whole test part;
- ``quick``: tiny class-balanced subsets (30 training and 10 test images per
  class), the same recipes trained for one epoch: checks that everything runs.

Each model runs in a fresh Python process (so its peak resident memory is its
own), writes one JSON record to ``<results>/<protocol>-<dataset>/<model>.json``
(metrics, per-class recall, wall and CPU times, peak memory, parameters,
versions, machine, command, git commit, the run's id); the run itself is
recorded in ``run-<date>.json`` (its id, models, statuses, total seconds).
Options that change what is measured name the folder too, so that such a run
never replaces the protocol's records: ``-n<train size>``,
``-test<test size>``, ``-rs<random state>`` (other than 0) and, for a source
other than a benchmark set in the default data folder or an official split,
``-src<hash of the source>``. At the end the runner
writes ``table.md`` and two PNG plots there from all the records of that
folder and prints the table. Hyper-parameters are never chosen on the test
part: the recipes' settings were fixed on training data beforehand.

``--threads N`` (N >= 1) sets each model's thread count; on a machine busy
with other work, one thread is much faster than two (threads spin waiting for
each other); without it a model uses every usable core. ``--timeout S`` stops
a model after S seconds and records that (a model runs in a process of its
own for that: ``--in-process`` refuses it). A model that fails or times out
is recorded with the reason and the last lines of its error output; where the
folder already holds a good record of that model, the failure is written
beside it (``<model>-<status>-<date>.json``) and the good record is kept.
Relative paths (``--results``, ``--data-folder``, ``--data-home``, a
``--source`` or ``--mirror`` folder) are read from the current directory.

Examples
--------
>>> from benchmarks.run import build_parser
>>> build_parser().parse_args(["seed", "--dataset", "letters-here"]).models
'seed-cnn,seed-lstm,seed-knn,best-cnn,short-lstm,best-knn'
"""

import argparse
import collections
import dataclasses
import hashlib
import json
import os
import re
import shlex
import signal
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from pathlib import Path

from . import _machine
from .datasets import (
    BENCH_SETS,
    SPLITS,
    check_source_files,
    class_balanced_indices,
    default_bench_folder,
    load_source,
    resolve_source,
)
from .recipes import DEFAULT_MODELS, RECIPES, get_recipe

__all__ = ["build_parser", "json_safe", "main", "run_benchmark", "run_worker"]

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_RESULTS = REPO_ROOT / "benchmarks" / "results"
SCHEMA = "sklearn-emnist-benchmark/1"
RUN_SCHEMA = "sklearn-emnist-benchmark-run/1"
PROTOCOLS = ("seed", "full", "quick")
SEED_TRAIN_SIZE = 40_000
QUICK_TRAIN_PER_CLASS = 30
QUICK_TEST_PER_CLASS = 10


def _say(message):
    print(message, file=sys.stderr, flush=True)


def json_safe(value, _depth=0):
    """A JSON-serialisable rendering of a hyper-parameter value.

    Numbers, strings, booleans and None stay as they are (numpy scalars become
    Python numbers); lists, tuples and dicts are converted item by item;
    estimators, classes and functions become their qualified name or repr.

    Examples
    --------
    >>> import numpy as np
    >>> from benchmarks.run import json_safe
    >>> json_safe({"k": np.int64(3), "f": len, "t": (1, 2.5)})
    {'k': 3, 'f': 'builtins.len', 't': [1, 2.5]}
    """
    import numpy as np

    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if np.isfinite(value) else str(value)
    if isinstance(value, np.generic):
        return json_safe(value.item(), _depth)
    if _depth < 6 and isinstance(value, dict):
        return {str(k): json_safe(v, _depth + 1) for k, v in value.items()}
    if _depth < 6 and isinstance(value, (list, tuple)):
        return [json_safe(v, _depth + 1) for v in value]
    if isinstance(value, np.ndarray) and value.size <= 64:
        return json_safe(value.tolist(), _depth)
    if isinstance(value, type) or callable(value) and hasattr(value, "__qualname__"):
        module = getattr(value, "__module__", None)
        return f"{module}.{value.__qualname__}" if module else value.__qualname__
    text = repr(value)
    return text if len(text) <= 300 else text[:297] + "..."


# --- one model: the worker ------------------------------------------------


def _sample(loaded, protocol, subset, size, random_state):
    """(X, y, description) of the protocol's sample of one subset."""
    y = loaded.target
    n_classes = len(loaded.target_names)
    if size is None and protocol == "quick":
        size = (QUICK_TRAIN_PER_CLASS if subset == "train" else QUICK_TEST_PER_CLASS) * n_classes
    if size is None and protocol == "seed" and subset == "train":
        size = SEED_TRAIN_SIZE
    if size is None or size >= len(y):
        return loaded.data, y, f"all {len(y):,} {subset} images"
    index = class_balanced_indices(y, size, random_state)
    description = (
        f"class-balanced sample of {len(index):,} of the {len(y):,} {subset} images, "
        f"random_state={random_state}"
    )
    return loaded.data[index], y[index], description


def _metrics(y_true, y_pred, target_names):
    import numpy as np
    from sklearn.metrics import accuracy_score, precision_recall_fscore_support

    labels = np.arange(len(target_names))
    result = {"accuracy": float(accuracy_score(y_true, y_pred))}
    for average in ("macro", "micro"):
        precision, recall, f1, _ = precision_recall_fscore_support(
            y_true, y_pred, labels=labels, average=average, zero_division=0
        )
        result[f"precision_{average}"] = float(precision)
        result[f"recall_{average}"] = float(recall)
        result[f"f1_{average}"] = float(f1)
    _, recall, _, support = precision_recall_fscore_support(
        y_true, y_pred, labels=labels, average=None, zero_division=0
    )
    result["per_class_recall"] = {
        name: float(r) for name, r in zip(target_names, recall)
    }
    result["per_class_support"] = {name: int(s) for name, s in zip(target_names, support)}
    return result


def _threads():
    threads = {key: os.environ.get(key) for key in ("OMP_NUM_THREADS", "MKL_NUM_THREADS")}
    if "torch" in sys.modules:
        threads["torch"] = sys.modules["torch"].get_num_threads()
    return threads


def run_worker(spec):
    """Fit and score one model as ``spec`` says; write and return its record.

    ``spec`` is the dict the runner passes (model, protocol, source,
    random_state, sizes, output path, and the run's shared description).
    """
    import numpy as np

    recipe = get_recipe(spec["model"])
    source = resolve_source(source=spec["source"])
    started = time.perf_counter()
    tag = f"[{spec['model']}]"
    _say(f"{tag} loading {source.display()} ...")
    train = load_source(source, "train", data_home=spec.get("data_home"), mirror=spec.get("mirror"))
    test = load_source(source, "test", data_home=spec.get("data_home"), mirror=spec.get("mirror"))
    X_train, y_train, train_text = _sample(
        train, spec["protocol"], "train", spec.get("train_size"), spec["random_state"]
    )
    X_test, y_test, test_text = _sample(
        test, spec["protocol"], "test", spec.get("test_size"), spec["random_state"]
    )
    whole_test_set = len(y_test) == len(test.target)
    del train
    load_seconds = time.perf_counter() - started
    _say(
        f"{tag} {len(y_train):,} training / {len(y_test):,} test images "
        f"({load_seconds:.1f} s); fitting {recipe.label} ..."
    )
    estimator = recipe.build(spec["protocol"], spec["random_state"], spec.get("verbose", 1))
    rss_before_fit = _machine.current_rss_mb()
    start, cpu_start = time.perf_counter(), time.process_time()
    estimator.fit(X_train, y_train)
    fit_seconds = time.perf_counter() - start
    fit_cpu_seconds = time.process_time() - cpu_start
    _say(f"{tag} fitted in {fit_seconds:.1f} s; predicting {len(y_test):,} test images ...")
    start, cpu_start = time.perf_counter(), time.process_time()
    y_pred = np.asarray(estimator.predict(X_test))
    predict_seconds = time.perf_counter() - start
    predict_cpu_seconds = time.process_time() - cpu_start
    metrics = _metrics(y_test, y_pred, test.target_names)
    _say(
        f"{tag} accuracy {100 * metrics['accuracy']:.2f} %, macro F1 "
        f"{100 * metrics['f1_macro']:.2f} % (predict {predict_seconds:.1f} s)"
    )
    record = _record_head(spec, recipe)
    record.update(
        status="ok",
        estimator=f"{type(estimator).__module__}.{type(estimator).__qualname__}",
        params=json_safe(estimator.get_params(deep=True)),
        dataset=dict(
            _dataset_entry(source, train_text, test_text, y_train, y_test, test.target_names),
            whole_test_set=whole_test_set,
        ),
        metrics=metrics,
        timing={
            "load_seconds": round(load_seconds, 3),
            "fit_seconds": round(fit_seconds, 3),
            "predict_seconds": round(predict_seconds, 3),
            "predict_images_per_second": round(len(y_test) / max(predict_seconds, 1e-9), 1),
            # CPU time of every thread of the process: with one thread on a busy
            # machine, close to what the wall time would be on an idle one
            "fit_cpu_seconds": round(fit_cpu_seconds, 3),
            "predict_cpu_seconds": round(predict_cpu_seconds, 3),
            "process_cpu_seconds": round(time.process_time(), 3),
        },
        memory={
            "rss_before_fit_mb": rss_before_fit,
            "peak_rss_mb": _machine.peak_rss_mb(),
            "method": (
                "resource.getrusage(RUSAGE_SELF).ru_maxrss of "
                + (
                    "the benchmark process, shared by every model of the run (--in-process)"
                    if spec.get("in_process")
                    else "a fresh process that ran this model only (data loading included)"
                )
            ),
        },
        threads=dict(_threads(), requested=spec.get("threads")),
        wall_seconds=round(time.perf_counter() - started, 3),
    )
    _write_record(record, spec["record_path"])
    return record


def _dataset_entry(source, train_text, test_text, y_train, y_test, target_names):
    import numpy as np

    return {
        "name": source.name,
        "split": source.split,
        "source": source.display(),
        "n_train": len(y_train),
        "n_test": len(y_test),
        "n_classes": len(target_names),
        "train_sample": train_text,
        "test_sample": test_text,
        "train_class_counts": np.bincount(y_train, minlength=len(target_names)).tolist(),
        "target_names": list(target_names),
    }


def _record_head(spec, recipe):
    label = recipe.label
    if spec["protocol"] == "quick" and recipe.family != "KNN":
        label += " [quick: 1 epoch]"
    return {
        "schema": SCHEMA,
        "model": recipe.name,
        "family": recipe.family,
        "label": label,
        "description": recipe.description,
        "protocol": spec["protocol"],
        "random_state": spec["random_state"],
        "command": spec["command"],
        "argv": spec["argv"],
        "date": _machine.utc_now(),
        "git": spec["git"],
        "run_id": spec.get("run_id"),
        "versions": spec["versions"],
        "machine": spec["machine"],
    }


def _failure_record(spec, status, error, output=()):
    """The record of a model that did not run to the end: ``error`` says why in
    one line, ``error_output`` holds the last lines of the worker's standard
    error (or the traceback of an in-process run)."""
    recipe = get_recipe(spec["model"])
    source = resolve_source(source=spec["source"])
    record = _record_head(spec, recipe)
    record.update(
        status=status,
        error=error,
        error_output=list(output),
        threads={"requested": spec.get("threads")},
        dataset={
            "name": source.name,
            "split": source.split,
            "source": source.display(),
            "n_train": spec.get("train_size") or 0,
            "n_test": spec.get("test_size") or 0,
            "n_classes": 0,
            "train_sample": "not loaded",
            "test_sample": "not loaded",
            "whole_test_set": None,
        },
    )
    return record


def _failure_path(record_path, status, stamp):
    """Where a failure record goes: the model's record path, unless that holds a good
    record (an earlier run's), which a failed re-run must not replace: then
    ``<model>-<status>-<stamp>.json`` beside it."""
    record_path = Path(record_path)
    try:
        earlier = json.loads(record_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return record_path
    if not isinstance(earlier, dict) or earlier.get("status") != "ok":
        return record_path
    return record_path.with_name(f"{record_path.stem}-{status}-{stamp}.json")


def _write_record(record, path):
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".json.part")
    tmp.write_text(json.dumps(record, indent=1) + "\n", encoding="utf-8")
    os.replace(tmp, path)


# --- the runner -------------------------------------------------------------


def _default_source(source):
    """Whether ``source`` is what its short name means: an official split, or a
    benchmark set in the default data folder (the protocol's data)."""
    if source.kind == "split":
        return True
    return (
        BENCH_SETS.get(source.name) == source.split
        and Path(source.folder).resolve() == default_bench_folder().resolve()
    )


def _results_folder(results, protocol, source, train_size, test_size=None, random_state=0):
    """``<results>/<protocol>-<name>`` plus a suffix for each option that changes
    what is measured, so that records of different protocols never share a folder.

    Examples
    --------
    >>> from benchmarks.datasets import resolve_source
    >>> from benchmarks.run import _results_folder
    >>> _results_folder("r", "seed", resolve_source("letters"), None, 260, 1).name
    'seed-letters-test260-rs1'
    """
    name = f"{protocol}-{source.name}"
    if not _default_source(source):
        where = f"{source.kind}:{Path(source.folder).resolve()}:{source.name}:{source.split}"
        name += "-src" + hashlib.sha256(where.encode()).hexdigest()[:8]
    if train_size is not None:
        name += f"-n{train_size}"
    if test_size is not None:
        name += f"-test{test_size}"
    if random_state != 0:
        name += f"-rs{random_state}"
    return Path(results) / name


_THREAD_VARIABLES = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")


ERROR_LINES = 40  # lines of a failed worker's standard error kept in its record


# how the warnings module prints a warning: "path.py:12: UserWarning: message"
_WARNING_LINE = re.compile(r"^\S.*:\d+: (\w+\.)*\w*Warning: ")


def _traceback_exception_line(lines):
    """The exception line that ends the last traceback in ``lines`` (the first
    unindented line after its frames), or None when they hold no traceback."""
    starts = [i for i, line in enumerate(lines)
              if line.startswith("Traceback (most recent call last):")]
    if not starts:
        return None
    for line in lines[starts[-1] + 1:]:
        if line.strip() and line[:1] not in " \t":
            return line.strip()
    return None


def _last_error_line(lines):
    """The line of a worker's error output that says most: the exception line
    that ends its last traceback, not a warning printed after it (a
    ``resource_tracker`` UserWarning after a ``torch.OutOfMemoryError``); without
    a traceback (cut off from the kept lines), its last line that looks like an
    exception and is no warning, else its last line."""
    lines = [line for line in lines if line.strip()]
    found = _traceback_exception_line(lines)
    if found:
        return found
    for line in reversed(lines):
        exception_line = line[:1] not in " \t" and not line.startswith(
            ("Traceback", "During handling")) and not _WARNING_LINE.match(line) and (
            ":" in line.split(" ")[0] or line.split(":")[0].endswith(("Error", "Exception")))
        if exception_line:  # "ValueError: ...", "package.module.SomeError: ..."
            return line.strip()
    return lines[-1].strip() if lines else ""


def _worker_error(returncode, output):
    """The one-line error of a worker that exited with ``returncode`` (not 0)."""
    if returncode < 0:  # killed by a signal: its name, not the last warning it printed
        try:
            name = signal.Signals(-returncode).name
        except ValueError:
            name = f"signal {-returncode}"
        error = f"worker killed by {name} (status {returncode})"
        if name == "SIGKILL":
            error += "; the out-of-memory killer sends SIGKILL"
        found = _traceback_exception_line([line for line in output if line.strip()])
        return error + (f"; its last error: {found}" if found else "")
    last = _last_error_line(output)
    return f"worker exited with status {returncode}" + (f": {last}" if last else "")


def _run_in_subprocess(spec, timeout):
    """Run one model in a fresh process; ``(status, error, output)``.

    The worker's standard error passes through to ours as it comes, and its
    last :data:`ERROR_LINES` lines are kept (``output``) for the record of a
    model that fails or times out.
    """
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump(spec, handle)
        spec_path = handle.name
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        [str(REPO_ROOT)] + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else [])
    )
    env["PYTHONUNBUFFERED"] = "1"  # per-epoch lines appear at once, also in a log file
    if spec.get("threads"):
        env.update({name: str(spec["threads"]) for name in _THREAD_VARIABLES})
    tail, lock = collections.deque(maxlen=ERROR_LINES), threading.Lock()

    def relay(stream):
        for line in stream:
            sys.stderr.write(line)
            sys.stderr.flush()
            with lock:
                tail.append(line.rstrip("\n"))

    try:
        process = subprocess.Popen(
            [sys.executable, "-m", "benchmarks", "_worker", spec_path],
            cwd=REPO_ROOT,  # paths in the spec are absolute
            env=env,
            stderr=subprocess.PIPE,
            text=True,
            errors="replace",
        )
        reader = threading.Thread(target=relay, args=(process.stderr,), daemon=True)
        reader.start()
        try:
            returncode = process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
            returncode = None
        reader.join(timeout=10)  # a child process of the worker may hold the pipe open
    finally:
        os.unlink(spec_path)
    with lock:
        output = list(tail)
    if returncode is None:
        return "timeout", f"stopped after the time limit of {timeout:g} s (--timeout)", output
    if returncode != 0:
        return "failed", _worker_error(returncode, output), output
    return "ok", None, output


def _check_threads(threads):
    """``threads`` itself when it is None or an int >= 1; ValueError otherwise."""
    if threads is None:
        return None
    if isinstance(threads, bool) or not isinstance(threads, int) or threads < 1:
        raise ValueError(f"threads must be an integer >= 1 (or None: every usable core), "
                         f"got {threads!r}.")
    return threads


def _absolute(path):
    """``path`` resolved against the current directory (None stays None)."""
    return None if path is None else str(Path(path).expanduser().resolve())


def _absolute_source(source):
    if source.kind != "folder":
        return source
    return dataclasses.replace(source, folder=_absolute(source.folder))


def run_benchmark(
    protocol,
    *,
    datasets=("letters-here",),
    sources=(),
    models=DEFAULT_MODELS,
    results=DEFAULT_RESULTS,
    random_state=0,
    train_size=None,
    test_size=None,
    data_folder=None,
    data_home=None,
    mirror=None,
    in_process=False,
    timeout=None,
    threads=None,
    verbose=1,
    plots=True,
    argv=None,
    statuses=None,
):
    """Run ``models`` on each data set under ``protocol``; write records and reports.

    The keywords are the options of ``python -m benchmarks``; relative paths
    are read from the current directory; ``threads`` is None (every usable
    core) or an int >= 1; ``timeout`` (seconds) cannot stop an ``in_process``
    model and is refused with it. ``statuses``, a dict if given, receives
    ``{results folder: {model: status}}`` of this run's models (their recipe
    names, aliases resolved): the command line's exit status.

    Returns
    -------
    folders : dict
        ``{results folder: [record dicts]}``, one entry per data set.
    """
    from ._report import load_records, render_markdown, write_report

    if protocol not in PROTOCOLS:
        raise ValueError(f"unknown protocol {protocol!r}; choose one of {', '.join(PROTOCOLS)}.")
    threads = _check_threads(threads)
    if timeout is not None:
        if in_process:
            raise ValueError("--timeout needs each model in a process of its own: it cannot "
                             "stop a model run with --in-process; drop one of the two.")
        if not timeout > 0:
            raise ValueError(f"timeout must be a positive number of seconds, got {timeout!r}.")
    # aliases -> names (once each, in order); unknown -> error
    models = list(dict.fromkeys(get_recipe(name).name for name in models))
    # relative paths mean the caller's current directory, also in a worker
    # process, which runs in the repository root
    results = Path(_absolute(results))
    data_folder, data_home = _absolute(data_folder), _absolute(data_home)
    if mirror is not None and "://" not in str(mirror):
        mirror = _absolute(mirror)
    resolved = [_absolute_source(resolve_source(source=s)) for s in sources] + [
        _absolute_source(resolve_source(d, data_folder=data_folder)) for d in datasets
    ]
    if not resolved:
        raise ValueError("no data set given; use --dataset letters-here or --source ...")
    for source in resolved:  # once, before any model's process starts and fails on it
        check_source_files(source, hint="point --data-folder (or --source "
                           "folder:<path>:<name>) at the folder holding them")
    argv = list(sys.argv[1:] if argv is None else argv)
    started = _machine.utc_now()
    shared = {
        "command": "python -m benchmarks " + shlex.join(argv),
        "argv": argv,
        # written into every record of this run: "same run" comparisons pair records by it
        "run_id": started.replace(":", "").replace("+0000", "Z") + "-" + os.urandom(4).hex(),
        "git": _machine.git_revision(),
        "versions": _machine.package_versions(),
        "machine": _machine.describe_machine(),
    }
    jobs = [(source, model) for source in resolved for model in models]
    statuses = {} if statuses is None else statuses
    outcome, folder_source = {}, {}
    run_started = time.perf_counter()
    for number, (source, model) in enumerate(jobs, 1):
        folder = _results_folder(results, protocol, source, train_size, test_size, random_state)
        folder_source[folder] = source
        spec = dict(
            shared,
            model=model,
            protocol=protocol,
            source=source.spec(),
            data_home=None if data_home is None else str(data_home),
            mirror=mirror,
            random_state=random_state,
            train_size=train_size,
            test_size=test_size,
            verbose=verbose,
            in_process=in_process,
            threads=threads,
            record_path=str(folder / f"{model}.json"),
        )
        elapsed = time.perf_counter() - run_started
        _say(
            f"\n=== [{number}/{len(jobs)}] {model} on {source.name} ({protocol} protocol), "
            f"{elapsed / 60:.1f} min elapsed ==="
        )
        if in_process:
            saved = {name: os.environ.get(name) for name in _THREAD_VARIABLES}
            if threads:  # read by the estimators' n_threads=None at fit time
                os.environ.update({name: str(threads) for name in _THREAD_VARIABLES})
            try:
                run_worker(spec)
                status, error, output = "ok", None, []
            except Exception as exc:  # noqa: BLE001 - recorded, the run goes on
                text = traceback.format_exc()
                _say(text)
                status, output = "failed", text.rstrip("\n").splitlines()[-ERROR_LINES:]
                error = (f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
                         ).splitlines()[0]
            finally:
                for name, value in saved.items():
                    if value is None:
                        os.environ.pop(name, None)
                    else:
                        os.environ[name] = value
        else:
            status, error, output = _run_in_subprocess(spec, timeout)
        path = Path(spec["record_path"])
        if status != "ok":
            stamp = _machine.utc_now().replace(":", "").replace("+0000", "Z")
            path = _failure_path(path, status, stamp)
            _say(f"[{model}] {status}: {error}")
            if path.name != f"{model}.json":
                _say(f"[{model}] {model}.json holds a good record of an earlier run: kept; "
                     f"this failure is recorded in {path.name}")
            _write_record(_failure_record(spec, status, error, output), path)
        statuses.setdefault(folder, {})[model] = status
        outcome.setdefault(folder, []).append(str(path))
    total_seconds = time.perf_counter() - run_started
    stamp = _machine.utc_now().replace(":", "").replace("+0000", "Z")
    for folder, paths in outcome.items():  # the run as a whole, for the summary's time target
        _write_record(
            {
                "schema": RUN_SCHEMA,
                "run_id": shared["run_id"],
                "command": shared["command"],
                "protocol": protocol,
                "source": folder_source[folder].display(),
                "train_size": train_size,
                "test_size": test_size,
                "random_state": random_state,
                "models": list(models),
                "statuses": statuses[folder],
                "records": [Path(path).name for path in paths],
                "total_seconds": round(total_seconds, 1),
                "n_datasets": len(outcome),
                "started": started,
                "date": _machine.utc_now(),
                "git": shared["git"],
                "machine": shared["machine"],
                "threads": threads,
            },
            folder / f"run-{stamp}.json",
        )
    reports = {}
    for folder, paths in outcome.items():
        records = load_records(folder)  # includes earlier records of other models
        written = write_report(records, folder, plots=plots)
        reports[folder] = records
        _say(f"\nWrote {len(paths)} record(s) and {', '.join(p.name for p in written)} to {folder}")
        print(render_markdown(records).split("\nMachine:")[0].split("\nRuns:")[0], flush=True)
    _say(f"Total {(time.perf_counter() - run_started) / 60:.1f} min.")
    return reports


# --- command line -------------------------------------------------------------


def _threads_option(text):
    """``--threads``: an integer >= 1."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(
            f"must be an integer >= 1 (threads per model; leave it out for every usable core), "
            f"not {text!r}")
    return value


def _seconds_option(text):
    """``--timeout``: a positive number of seconds."""
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"must be a positive number of seconds, not {text!r}")
    return value


def build_parser():
    """The ``python -m benchmarks`` argument parser."""
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="Compare CNN, LSTM and KNN recipes on EMNIST side by side; "
        "write JSON records, a Markdown table and plots.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for protocol, text in (
        ("seed", "the seed protocol: class-balanced 40,000 training images"),
        ("full", "the full protocol: all training images"),
        ("quick", "tiny subsets (30 training / 10 test images per class), one epoch (a smoke test)"),
    ):
        sub = commands.add_parser(protocol, help=text, description=f"Run {text}.")
        sub.add_argument(
            "--dataset",
            action="append",
            default=None,
            help="an EMNIST split (" + ", ".join(SPLITS) + ", read with fetch_emnist) or a "
            "real-data benchmark set (" + ", ".join(BENCH_SETS) + ", read from --data-folder); "
            "repeat for several; default letters-here",
        )
        sub.add_argument(
            "--source",
            action="append",
            default=[],
            help="explicit data source: split:<name> or folder:<path>:<name>[:<split>]",
        )
        sub.add_argument(
            "--models",
            default=",".join(DEFAULT_MODELS),
            help="comma-separated recipes, default " + ",".join(DEFAULT_MODELS)
            + " (the seed's three and the package's three, the LSTM time-bounded); 'all' runs "
            + ", ".join(RECIPES) + " (aliases cnn, lstm, knn = best-*)",
        )
        sub.add_argument("--results", default=str(DEFAULT_RESULTS),
                         help="results root folder (a relative one is read from the current "
                              "directory)")
        sub.add_argument("--random-state", type=int, default=0)
        sub.add_argument("--train-size", type=int, default=None,
                         help="override the number of training images (class-balanced sample)")
        sub.add_argument("--test-size", type=int, default=None,
                         help="score on a class-balanced sample of the test part instead of all of it")
        sub.add_argument("--data-folder", default=None,
                         help="folder of the benchmark sets (default ../shared/emnist/bench)")
        sub.add_argument("--data-home", default=None, help="fetch_emnist cache folder")
        sub.add_argument("--mirror", default=None, help="fetch_emnist mirror (URL or folder)")
        sub.add_argument("--timeout", type=_seconds_option, default=None,
                         help="seconds after which one model's run is stopped and recorded as "
                              "such (not with --in-process)")
        sub.add_argument("--threads", type=_threads_option, default=None,
                         help="threads per model, >= 1 (OMP_NUM_THREADS of its process; default: "
                              "every usable core). 1 is much faster on a machine busy with "
                              "other work, where threads spin waiting for each other")
        sub.add_argument("--in-process", action="store_true",
                         help="run models in this process (peak memory then shared; no --timeout)")
        sub.add_argument("--quiet", action="store_true", help="no per-epoch lines")
        sub.add_argument("--no-plots", action="store_true")
    summary = commands.add_parser(
        "summary", help="the issues' targets and every record on one page (results/SUMMARY.md)"
    )
    summary.add_argument("--results", default=str(DEFAULT_RESULTS),
                         help="results root folder (must exist and hold records)")
    table = commands.add_parser("table", help="rebuild table.md and plots from JSON records")
    table.add_argument("folders", nargs="+")
    table.add_argument("--no-plots", action="store_true")
    commands.add_parser("readers", help="system benchmark of fetch_emnist against other readers",
                        add_help=False)
    commands.add_parser("list", help="list model recipes and data sets")
    worker = commands.add_parser("_worker")  # internal: one model in a fresh process
    worker.add_argument("spec")
    return parser


def _main_table(folders, plots):
    from ._report import load_records, render_markdown, table_groups, write_report

    status = 0
    for folder in folders:
        records = load_records(folder)
        if not records:
            _say(f"no benchmark records in {folder}")
            status = 1
            continue
        groups = table_groups(records)
        if len(groups) > 1:
            # records of other protocols, random states, sources or sizes: one table
            # each, in the folder the runner gave them
            _say(f"{folder} holds records of {len(groups)} different measurements; a table "
                 "is built from one of them: point at one results folder:")
            for (protocol, name, source, random_state, variant), members in groups.items():
                where = sorted({str(Path(r["_file"]).parent) for r in members})
                _say(f"  {protocol} on {name} ({variant or f'random_state={random_state}'}) "
                     f"from {source}: {len(members)} record(s) in " + ", ".join(where))
            status = 1
            continue
        written = write_report(records, folder, plots=plots)
        print(render_markdown(records))
        _say("wrote " + ", ".join(str(p) for p in written))
    return status


def main(argv=None):
    """Entry point of ``python -m benchmarks`` and ``sklearn-emnist benchmark``.

    Returns the exit status: 0 when every model ran, 1 when one failed or
    timed out (its record says why), 2 for bad arguments.
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["readers"]:
        from .bench_readers import main as readers_main

        return readers_main(argv[1:])
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "_worker":
        spec = json.loads(Path(args.spec).read_text(encoding="utf-8"))
        try:
            run_worker(spec)
        except Exception:  # noqa: BLE001
            traceback.print_exc()
            return 1
        return 0
    if args.command == "list":
        for recipe in RECIPES.values():
            print(f"{recipe.name:10s} {recipe.family:5s} {recipe.description}")
        print("data sets: " + ", ".join(SPLITS) + " (fetch_emnist); "
              + ", ".join(BENCH_SETS) + " (--data-folder)")
        return 0
    if args.command == "table":
        return _main_table(args.folders, not args.no_plots)
    if args.command == "summary":
        from ._report import render_summary

        results = Path(args.results)
        if not results.is_dir():
            parser.error(f"summary: results folder {results} does not exist (a typo?); "
                         "give the folder that holds the benchmark records (--results).")
        if next(results.rglob("*.json"), None) is None:
            parser.error(f"summary: results folder {results} holds no benchmark record "
                         "(no JSON file); give the folder that holds them (--results).")
        text = render_summary(results)
        (results / "SUMMARY.md").write_text(text, encoding="utf-8")
        print(text)
        return 0
    models = [m.strip() for m in args.models.split(",") if m.strip()]
    if models == ["all"]:
        models = list(RECIPES)
    try:
        statuses = {}
        run_benchmark(
            args.command,
            datasets=args.dataset if args.dataset else ([] if args.source else ["letters-here"]),
            sources=args.source,
            models=models,
            results=args.results,
            random_state=args.random_state,
            train_size=args.train_size,
            test_size=args.test_size,
            data_folder=args.data_folder,
            data_home=args.data_home,
            mirror=args.mirror,
            in_process=args.in_process,
            timeout=args.timeout,
            threads=args.threads,
            verbose=0 if args.quiet else 1,
            plots=not args.no_plots,
            argv=argv,
            statuses=statuses,
        )
    except (ValueError, FileNotFoundError) as exc:
        parser.error(str(exc))
    # this run's statuses, by recipe name (an alias such as cnn ran as best-cnn): the
    # folders also hold records of other runs, and a good earlier record is kept
    # beside a failed re-run of its model
    failed = [model for by_model in statuses.values() for model, status in by_model.items()
              if status != "ok"]
    return 1 if failed else 0
