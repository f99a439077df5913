"""How partial_fit should leave the batch-norm statistics of the default CNN.

Streams 20,480 images of the tune protocol's training sample through
``partial_fit`` (one epoch a call, the default recipe otherwise) in chunks of
256 and of 2,048 images, and scores the validation sample after some calls,
under three rules for the statistics after each call:

- ``running``: the running averages training left (what partial_fit did
  before 2026-12-07);
- ``refresh``: recomputed on the call's chunk with the final weights;
- ``blend-before``: recomputed on the chunk and averaged with the
  statistics the previous call left, which count for as many images as the
  earlier calls trained on, at most 2,048;
- ``blend-running``: the same, averaged with the running averages the
  call's training left instead (what partial_fit does since 2026-12-07).

Writes ``partial_fit_batch_norm.json`` beside this script (figures, command,
machine). Usage, from the repository root (one thread, about 5 minutes):

    python benchmarks/results/neural/exploration/partial_fit_batch_norm.py
"""

import json
import os
import time
from pathlib import Path
from unittest import mock

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np
from _validation_run import record_header

from benchmarks.bench_neural import load_protocol
from sklearn_emnist import CharCNNClassifier
from sklearn_emnist.neural._data import ImageTensorDataset
from sklearn_emnist.utils import check_images

N_IMAGES = 20_480
CAP = 2_048
RULES = ("running", "refresh", "blend-before", "blend-running")


def stream(X, y, X_valid, y_valid, chunk, rule):
    model = CharCNNClassifier(max_epochs=1, n_threads=1, verbose=0, random_state=0)
    classes = np.unique(y)
    n_calls = -(-len(y) // chunk)
    scores, seen = {}, 0
    for call, start in enumerate(range(0, len(y), chunk), start=1):
        X_chunk, y_chunk = X[start:start + chunk], y[start:start + chunk]
        before = model._batch_norm_statistics() if seen else None  # what the last call left
        # the running averages as training leaves them: partial_fit's own
        # recomputation (since 2026-12-07) is switched off, the rules run below
        with mock.patch.object(CharCNNClassifier, "_refresh_batch_norm"):
            model.partial_fit(X_chunk, y_chunk, classes=classes)
        if rule == "blend-running":
            before = model._batch_norm_statistics()  # the running averages
        if rule != "running":
            chunk_data = ImageTensorDataset(check_images(X_chunk, dtype=np.float32), y_chunk)
            earlier = (before, min(seen, CAP)) if rule.startswith("blend") and seen else None
            with model._runtime(seed=False):
                model._refresh_batch_norm(chunk_data, earlier=earlier)
        seen += len(y_chunk)
        if call in (1, 2, 5, 10, 20) or call == n_calls:
            scores[seen] = round(float(model.score(X_valid, y_valid)), 4)
    return scores


def main():
    X, y, X_valid, y_valid, _ = load_protocol("letters-here", "tune")
    order = np.random.default_rng(0).permutation(len(y))[:N_IMAGES]
    X, y = X[order], y[order]
    runs = []
    for chunk in (256, 2048):
        for rule in RULES:
            start = time.perf_counter()
            scores = stream(X, y, X_valid, y_valid, chunk, rule)
            runs.append({"chunk": chunk, "rule": rule,
                         "validation_accuracy_after_images": scores,
                         "seconds": round(time.perf_counter() - start, 1)})
            print(json.dumps(runs[-1]), flush=True)
    record = record_header(n_images=N_IMAGES, n_valid=len(y_valid), cap=CAP, runs=runs)
    out = Path(__file__).with_suffix(".json")
    out.write_text(json.dumps(record, indent=1) + "\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
