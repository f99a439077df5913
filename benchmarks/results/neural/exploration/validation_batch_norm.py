"""What the per-epoch validation scores read with and without the batch-norm
refresh before each validation pass (the ``valid_batch_norm`` callback).

Fits the default CNN (``architecture="deep"``) for 3 epochs on 60 real
letters-here training images per class (1,560; ``validation_fraction=0.2``
leaves 1,248 to train on), once with the default callbacks and once with
``callbacks__valid_batch_norm=None``, and records the logged ``valid_acc``
per epoch, the fit time and whether the weights came out identical. Writes
``validation_batch_norm.json`` beside this script.

    python benchmarks/results/neural/exploration/validation_batch_norm.py
"""

import json
import time
from pathlib import Path

import torch
from _validation_run import record_header  # the exploration scripts' shared header

from benchmarks._machine import git_revision
from sklearn_emnist.neural import CharCNNClassifier
from tests._data import load_bench


def main():
    X, y = load_bench("letters-here", "train", n_per_class=60, random_state=0)
    params = dict(architecture="deep", max_epochs=3, n_threads=1, verbose=0, random_state=0,
                  validation_fraction=0.2)
    runs, models = {}, {}
    for name, extra in (("refreshed before validation (default)", {}),
                        ("running averages", {"callbacks__valid_batch_norm": None})):
        start = time.perf_counter()
        models[name] = CharCNNClassifier(**params, **extra).fit(X, y)
        runs[name] = {
            "valid_acc": [round(float(h["valid_acc"]), 4) for h in models[name].history],
            "valid_loss": [round(float(h["valid_loss"]), 4) for h in models[name].history],
            "fit_seconds": round(time.perf_counter() - start, 1),
        }
    a, b = models.values()
    same = all(torch.equal(p, q) for p, q in zip(a.module_.parameters(), b.module_.parameters()))
    result = record_header(git=git_revision(), n_images=len(y), params=params, runs=runs,
                           weights_identical=same)
    out = Path(__file__).with_suffix(".json")
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps({k: result[k] for k in ("runs", "weights_identical")}, indent=2))


if __name__ == "__main__":
    main()
