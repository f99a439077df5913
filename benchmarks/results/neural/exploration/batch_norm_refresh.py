"""Do stale batch-norm statistics cost accuracy? Validation only (protocol "tune").

After ``fit``, the deep network's running batch-norm statistics trail the
weights; with one or two epochs of the one-cycle schedule they trail far. This
script fits the default CNN recipe on (a) the seed sample for 16 epochs (the
default) and (b) 3,000 images for 1 epoch, and scores the train-only
validation sample before and after recomputing the statistics with one
forward pass over the (un-augmented) training images
(``torch.optim.swa_utils.update_bn``). Writes ``batch_norm_refresh.json``
beside this script; the package itself is unchanged.

    python benchmarks/results/neural/exploration/batch_norm_refresh.py
"""

import copy
import json
import sys
import time
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[4]
sys.path.insert(0, str(ROOT))

from benchmarks._machine import describe_machine, git_revision  # noqa: E402
from benchmarks.bench_neural import load_protocol  # noqa: E402
from sklearn_emnist.neural import make_recipe  # noqa: E402
from sklearn_emnist.neural._data import BatchIterator, ImageTensorDataset  # noqa: E402


def refreshed(model, X_train):
    """A copy of the fitted model with batch statistics recomputed on X_train."""
    model = copy.deepcopy(model)
    images = ImageTensorDataset(X_train.astype(np.float32) / 255)
    batches = (Xb for Xb, _ in BatchIterator(images, batch_size=256))
    with torch.no_grad():
        torch.optim.swa_utils.update_bn(batches, model.module_)
    model.module_.eval()
    return model


def run(X_train, y_train, X_valid, y_valid, max_epochs):
    model = make_recipe("cnn-deep", random_state=0, verbose=0, max_epochs=max_epochs)
    start = time.perf_counter()
    model.fit(X_train, y_train)
    fit_seconds = time.perf_counter() - start
    start = time.perf_counter()
    fresh = refreshed(model, X_train)
    refresh_seconds = time.perf_counter() - start
    return {
        "n_train": len(y_train), "max_epochs": max_epochs,
        "fit_seconds": round(fit_seconds, 1), "refresh_seconds": round(refresh_seconds, 1),
        "validation_accuracy": {
            "as fitted": float(np.mean(model.predict(X_valid) == y_valid)),
            "batch statistics refreshed": float(np.mean(fresh.predict(X_valid) == y_valid)),
        },
    }


def main():
    X_train, y_train, X_valid, y_valid, _ = load_protocol("letters-here", "tune")
    rng = np.random.default_rng(0)
    small = rng.choice(len(y_train), 3000, replace=False)
    result = {
        "command": "python " + " ".join(sys.argv),
        "utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "git": git_revision(),
        "machine": describe_machine(),
        "n_valid": len(y_valid),
        "runs": [
            run(X_train[small], y_train[small], X_valid, y_valid, max_epochs=1),
            run(X_train, y_train, X_valid, y_valid, max_epochs=16),
        ],
    }
    out = Path(__file__).with_suffix(".json")
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result["runs"], indent=2))


if __name__ == "__main__":
    main()
