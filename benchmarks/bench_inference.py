"""Inference benchmark: eager PyTorch vs onnxruntime vs int8 quantization.

On the letters-here test set (7,800 real images) with a trained
``CharCNNClassifier``, every engine predicts the whole test set (accuracy,
agreement with eager) and is timed at batch size 1 and 1024 (images per
second). Speeds are compared as ratios measured in the same run: rounds run
every engine once in turn (in a shuffled order), so load changes on a shared
machine hit all engines alike, and the best round counts (best of N, the
median is recorded too). Model file sizes are recorded for every format.

Engines (all with the same thread count, ``--threads``):

- ``eager-skorch``: ``estimator.predict_proba`` (what users call: validation,
  skorch's batching, softmax);
- ``eager-module``: the bare torch module under ``torch.inference_mode``
  (uint8 -> float / 255 -> network -> softmax): eager PyTorch's floor;
- ``torch-dynamic-int8``: :func:`sklearn_emnist.deploy.quantize_dynamic`
  (Linear layers int8), bare module as above;
- ``onnxruntime-fp32``: :func:`sklearn_emnist.deploy.load_onnx` ``predict_proba``;
- ``onnxruntime-static-int8``: :func:`sklearn_emnist.deploy.quantize_onnx`
  (QDQ, per-channel, calibrated on 1,024 real *training* images);
- ``onnxruntime-dynamic-int8``: ``quantize_onnx(method="dynamic")``.

Usage (from the repository root)::

    python benchmarks/bench_inference.py                       # trains a model if needed
    python benchmarks/bench_inference.py --model cnn.skem      # a saved model
    python benchmarks/bench_inference.py --estimator lstm      # LSTMRowClassifier
    python benchmarks/bench_inference.py --rounds 15 --threads 1

The model is trained (default: the default ``CharCNNClassifier``, 460
images per class of letters-here train, 3 epochs, about 4 minutes on 1 core)
and kept in ``--model`` for later runs; the JSON record goes to
``benchmarks/results/inference/``.
"""

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from benchmarks import _machine

RESULTS = REPO_ROOT / "benchmarks" / "results" / "inference"
BENCH_FOLDER = REPO_ROOT.parent / "shared" / "emnist" / "bench"
MODEL_FOLDER = Path(tempfile.gettempdir()) / "sklearn_emnist_bench_inference"


def default_model_path(estimator="cnn", architecture="deep"):
    """Where a trained model is kept between runs (outside the repository)."""
    name = f"cnn-{architecture}" if estimator == "cnn" else estimator
    return MODEL_FOLDER / f"{name}.skem"
SCHEMA = "sklearn-emnist/bench-inference/1"
BASELINE = "eager-skorch"


def load_letters(subset):
    from sklearn_emnist.datasets import load_emnist_folder

    bunch = load_emnist_folder(BENCH_FOLDER, name="letters-here", split="letters",
                               subset=subset)
    return np.asarray(bunch.images), np.asarray(bunch.target)


def balanced_sample(labels, n_per_class, random_state=0):
    rng = np.random.default_rng(random_state)
    index = np.concatenate([rng.permutation(np.flatnonzero(labels == k))[:n_per_class]
                            for k in np.unique(labels)])
    return rng.permutation(index)


def train_or_load(model_path, *, estimator, n_per_class, epochs, architecture, threads):
    from sklearn_emnist.deploy import load_model, save_model

    model_path = Path(model_path)
    if model_path.exists():
        model, header = load_model(model_path, return_header=True)
        return model, header.get("metadata", {})
    from sklearn_emnist import CharCNNClassifier, LSTMRowClassifier

    images, labels = load_letters("train")
    index = balanced_sample(labels, n_per_class)
    common = {"max_epochs": epochs, "random_state": 0, "n_threads": threads, "verbose": 1}
    if estimator == "cnn":
        model = CharCNNClassifier(architecture=architecture, **common)
    else:
        model = LSTMRowClassifier(**common)
        architecture = "bilstm"
    print(f"[inference] training {model!r} on {len(index)} images ...", file=sys.stderr,
          flush=True)
    start = time.perf_counter()
    model.fit(images[index], labels[index])
    training = {"source": "letters-here train", "n_train": len(index),
                "n_per_class": n_per_class, "epochs": epochs, "architecture": architecture,
                "fit_seconds": round(time.perf_counter() - start, 1), "random_state": 0,
                "threads": threads}
    save_model(model, model_path, metadata=training)
    return model, training


def _size(path):
    return os.path.getsize(path)


class Engines:
    """Builds every engine once; each is a function uint8 (n, 784) -> probabilities."""

    def __init__(self, model, calibration, folder, threads):
        import torch

        from sklearn_emnist.deploy import (
            export_onnx,
            load_onnx,
            quantize_dynamic,
            quantize_onnx,
            save_model,
        )

        self.model = model
        self.threads = threads
        torch.set_num_threads(threads)
        model.set_params(n_threads=threads, device="cpu")
        self.module = model.module_.to("cpu").eval()
        self.dynamic = quantize_dynamic(model)
        self.dynamic.set_params(n_threads=threads)
        self.qmodule = self.dynamic.module_.eval()
        paths = {name: os.path.join(folder, name) for name in
                 ("model.skem", "dynamic.skem", "state_dict.pt", "dynamic_state_dict.pt",
                  "fp32.onnx", "static_int8.onnx", "dynamic_int8.onnx")}
        save_model(model, paths["model.skem"])
        save_model(self.dynamic, paths["dynamic.skem"])
        torch.save(self.module.state_dict(), paths["state_dict.pt"])
        torch.save(self.qmodule.state_dict(), paths["dynamic_state_dict.pt"])
        export_onnx(model, paths["fp32.onnx"])
        self.onnx = load_onnx(paths["fp32.onnx"], n_threads=threads)
        self.static = quantize_onnx(model, paths["static_int8.onnx"], calibration,
                                    method="static", n_threads=threads)
        self.onnx_dynamic = quantize_onnx(model, paths["dynamic_int8.onnx"],
                                          method="dynamic", n_threads=threads)
        self.sizes = {
            "save_model (joblib, incl. optimizer state)": _size(paths["model.skem"]),
            "state_dict fp32 (torch.save)": _size(paths["state_dict.pt"]),
            "save_model of torch-dynamic-int8": _size(paths["dynamic.skem"]),
            "state_dict torch-dynamic-int8": _size(paths["dynamic_state_dict.pt"]),
            "onnx fp32": _size(paths["fp32.onnx"]),
            "onnx static int8": _size(paths["static_int8.onnx"]),
            "onnx dynamic int8": _size(paths["dynamic_int8.onnx"]),
        }
        self.functions = {
            "eager-skorch": model.predict_proba,
            "eager-module": self._module_runner(self.module),
            "torch-dynamic-int8": self._module_runner(self.qmodule),
            "onnxruntime-fp32": self.onnx.predict_proba,
            "onnxruntime-static-int8": self.static.predict_proba,
            "onnxruntime-dynamic-int8": self.onnx_dynamic.predict_proba,
        }

    @staticmethod
    def _module_runner(module):
        import torch

        def run(flat):
            with torch.inference_mode():
                x = torch.from_numpy(flat).to(torch.float32).div_(255).reshape(-1, 1, 28, 28)
                return torch.softmax(module(x), dim=1).numpy()

        return run


def predict_all(function, images, batch_size=1024):
    return np.concatenate([function(images[i:i + batch_size])
                           for i in range(0, len(images), batch_size)])


def time_rounds(functions, images, *, rounds, n_single, n_batches, seed=0):
    """Images per second of every engine at batch 1 and 1024, interleaved rounds.

    A round gives every engine (in a shuffled order) one short unit of work
    per batch size: ``n_single`` single-image calls and ``n_batches``
    batches of 1024. Short units interleaved many times give every engine
    the same chances of meeting a quiet moment of a shared machine; the best
    round estimates the speed on an idle one.
    """
    rng = random.Random(seed)
    names = list(functions)
    n_images = len(images)
    batches = [images[i:i + 1024] for i in range(0, n_images - 1023, 1024)]
    for name in names:  # warm-up: allocators, onnxruntime arenas, lazy inits
        functions[name](images[:1])
        functions[name](batches[0])
    speeds = {name: {"1": [], "1024": []} for name in names}
    for number in range(rounds):
        order = names[:]
        rng.shuffle(order)
        # a different slice of the test set every round, the same for every engine
        first = (number * n_single) % (n_images - n_single)
        single = [images[i:i + 1] for i in range(first, first + n_single)]
        chosen = [batches[(number * n_batches + k) % len(batches)] for k in range(n_batches)]
        print(f"[inference] round {number + 1}/{rounds}", file=sys.stderr, flush=True)
        for name in order:
            function = functions[name]
            start = time.perf_counter()
            for x in single:
                function(x)
            speeds[name]["1"].append(n_single / (time.perf_counter() - start))
            start = time.perf_counter()
            for x in chosen:
                function(x)
            speeds[name]["1024"].append(1024 * n_batches / (time.perf_counter() - start))
    return speeds


def run(*, estimator="cnn", model_path=None, rounds=15, n_single=100, n_batches=2, threads=1,
        n_calibration=1024, n_per_class=460, epochs=3, architecture="deep", results=RESULTS,
        argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    os.environ.setdefault("OMP_NUM_THREADS", str(threads))
    if model_path is None:
        model_path = default_model_path(estimator, architecture)
    model, training = train_or_load(model_path, estimator=estimator, n_per_class=n_per_class,
                                    epochs=epochs, architecture=architecture, threads=threads)
    test_images, test_labels = load_letters("test")
    flat = np.ascontiguousarray(test_images.reshape(len(test_images), 784))
    train_images, train_labels = load_letters("train")
    # calibration: real training images, class-balanced, disjoint from the test set
    calibration = train_images[balanced_sample(train_labels, n_calibration // 26 + 1,
                                               random_state=1)[:n_calibration]]
    with tempfile.TemporaryDirectory(prefix="bench-inference-") as folder:
        engines = Engines(model, calibration, folder, threads)
        functions = engines.functions
        classes = model.classes_
        reference = predict_all(functions[BASELINE], flat)
        quality = {}
        for name, function in functions.items():
            proba = reference if name == BASELINE else predict_all(function, flat)
            predicted = classes[np.argmax(proba, axis=1)]
            quality[name] = {
                "accuracy": float(np.mean(predicted == test_labels)),
                "agreement_with_eager": float(np.mean(
                    np.argmax(proba, axis=1) == np.argmax(reference, axis=1))),
                "max_abs_proba_difference": float(np.max(np.abs(proba - reference))),
            }
        speeds = time_rounds(functions, flat, rounds=rounds, n_single=n_single,
                             n_batches=n_batches)
        sizes = engines.sizes
    base_accuracy = quality[BASELINE]["accuracy"]
    rows = []
    for name in functions:
        best = {size: max(values) for size, values in speeds[name].items()}
        row = {"engine": name, **quality[name],
               "accuracy_change_pp": round(100 * (quality[name]["accuracy"] - base_accuracy), 3),
               "images_per_second_best": {k: round(v, 1) for k, v in best.items()},
               "images_per_second_median": {k: round(statistics.median(v), 1)
                                            for k, v in speeds[name].items()},
               "images_per_second_rounds": {k: [round(x, 1) for x in v]
                                            for k, v in speeds[name].items()}}
        for base in ("eager-skorch", "eager-module"):
            row[f"x_{base}"] = {
                size: round(best[size] / max(speeds[base][size]), 2) for size in best
            }
        rows.append(row)
    target = {"speed_ratio_over_eager": 3.0, "max_accuracy_loss_pp": 0.3}
    for row in rows:
        row["meets_target"] = {
            size: bool(row["x_eager-skorch"][size] >= 3.0 and row["accuracy_change_pp"] >= -0.3)
            for size in ("1", "1024")
        }
        row["meets_target_vs_bare_module"] = {
            size: bool(row["x_eager-module"][size] >= 3.0 and row["accuracy_change_pp"] >= -0.3)
            for size in ("1", "1024")
        }
    record = {
        "schema": SCHEMA,
        "data": {"test": "letters-here test (real)", "n_test": len(flat),
                 "calibration": f"{len(calibration)} class-balanced letters-here train images"},
        "model": {"class": type(model).__name__,
                  "params": {k: repr(v) for k, v in model.get_params(deep=False).items()
                             if k in ("architecture", "max_epochs", "lr", "batch_size",
                                      "hidden_size", "num_layers", "bidirectional",
                                      "dense_size")},
                  "training": training},
        "threads": threads,
        "timing_rule": (f"best of {rounds} interleaved rounds in one process; each round runs "
                        "every engine once in a shuffled order on the same images: batch 1: "
                        f"{n_single} single-image calls; batch 1024: {n_batches} batches of "
                        "1024 test images. The CPU was shared with other jobs (load average "
                        "in 'machine'): ratios of best rounds, not absolute speeds, are the "
                        "result."),
        "target": target,
        "rows": rows,
        "file_sizes_bytes": sizes,
        "command": "python benchmarks/bench_inference.py " + " ".join(argv),
        "date": _machine.utc_now(),
        "git": _machine.git_revision(),
        "versions": _machine.package_versions() | {"onnx": _version("onnx")},
        "machine": _machine.describe_machine(include_gpu=False),
    }
    results = Path(results)
    results.mkdir(parents=True, exist_ok=True)
    label = architecture if estimator == "cnn" else estimator
    stem = f"inference-letters-here-{label}-threads{threads}"
    (results / f"{stem}.json").write_text(json.dumps(record, indent=1) + "\n", encoding="utf-8")
    (results / f"{stem}.md").write_text(render_markdown(record), encoding="utf-8")
    print(render_markdown(record))
    return record


def _version(distribution):
    import importlib.metadata

    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return None


def render_markdown(record):
    lines = [
        (f"# Inference on letters-here test ({record['data']['n_test']} real images), "
         f"{record['model']['class']} {record['model']['params'].get('architecture', '')}"),
        "",
        f"Threads: {record['threads']}. {record['timing_rule']}",
        "",
        ("| engine | accuracy | change (pp) | agreement | img/s b=1 | img/s b=1024 "
         "| x eager-skorch b=1 | x b=1024 | x eager-module b=1 | x b=1024 |"),
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for row in record["rows"]:
        best = row["images_per_second_best"]
        lines.append(
            f"| {row['engine']} | {100 * row['accuracy']:.2f} % | {row['accuracy_change_pp']:+.2f} "
            f"| {100 * row['agreement_with_eager']:.2f} % | {best['1']:.0f} | {best['1024']:.0f} "
            f"| {row['x_eager-skorch']['1']:.2f} | {row['x_eager-skorch']['1024']:.2f} "
            f"| {row['x_eager-module']['1']:.2f} | {row['x_eager-module']['1024']:.2f} |"
        )
    lines += ["", "| file | bytes |", "|---|---|"]
    lines += [f"| {name} | {size:,} |" for name, size in record["file_sizes_bytes"].items()]
    lines += ["", f"Command: `{record['command']}`", "",
              (f"Machine: {_machine.cpu_label(record['machine'])}, "
               f"{record['machine']['cores_usable']} usable cores, "
               f"load average {record['machine'].get('load_average_1min')}"), ""]
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--estimator", choices=("cnn", "lstm"), default="cnn",
                        help="CharCNNClassifier (the issue's measure) or LSTMRowClassifier")
    parser.add_argument("--model", default=None,
                        help="saved model (save_model); trained and written there if missing "
                             f"(default: {MODEL_FOLDER}/cnn-<architecture>.skem or lstm.skem)")
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--n-single", type=int, default=100,
                        help="single-image calls per engine and round (batch size 1)")
    parser.add_argument("--n-batches", type=int, default=2,
                        help="batches of 1024 per engine and round")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--n-calibration", type=int, default=1024)
    parser.add_argument("--n-per-class", type=int, default=460,
                        help="training images per class when training")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--architecture", default="deep")
    parser.add_argument("--results", default=str(RESULTS))
    args = parser.parse_args(argv)
    run(estimator=args.estimator, model_path=args.model, rounds=args.rounds, n_single=args.n_single,
        n_batches=args.n_batches, threads=args.threads,
        n_calibration=args.n_calibration, n_per_class=args.n_per_class, epochs=args.epochs,
        architecture=args.architecture, results=args.results,
        argv=sys.argv[1:] if argv is None else argv)
    return 0


if __name__ == "__main__":
    sys.exit(main())
