"""How far do bfloat16 predictions stray from float32's? Validation only.

Fits the default CNN recipe (16 epochs, random_state=0, float32) on the seed
sample of protocol "tune", then predicts the train-only validation sample with
the same weights twice: ``precision="float32"`` and ``precision="bfloat16"``
(autocast of the forward pass). Writes ``bfloat16_agreement.json`` beside this
script: the largest and typical probability differences, the share of images
given the same label, and both accuracies.

    python benchmarks/results/neural/exploration/bfloat16_agreement.py
"""

import json
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[4]
sys.path.insert(0, str(ROOT))

from benchmarks._machine import describe_machine  # noqa: E402
from benchmarks.bench_neural import load_protocol  # noqa: E402
from sklearn_emnist.neural import make_recipe  # noqa: E402


def main():
    X_train, y_train, X_valid, y_valid, _ = load_protocol("letters-here", "tune")
    model = make_recipe("cnn-deep", random_state=0, verbose=0)
    start = time.perf_counter()
    model.fit(X_train, y_train)
    fit_seconds = time.perf_counter() - start
    exact = model.predict_proba(X_valid)
    model.set_params(precision="bfloat16")
    rounded = model.predict_proba(X_valid)
    difference = np.abs(rounded - exact)
    result = {
        "command": "python " + " ".join(sys.argv),
        "utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "machine": describe_machine(),
        "fit_seconds": round(fit_seconds, 1),
        "n_train": len(y_train), "n_valid": len(y_valid),
        "max_abs_probability_difference": float(difference.max()),
        "median_abs_probability_difference": float(np.median(difference)),
        "same_label_share": float(np.mean(rounded.argmax(1) == exact.argmax(1))),
        "validation_accuracy": {
            "float32": float(np.mean(model.classes_[exact.argmax(1)] == y_valid)),
            "bfloat16": float(np.mean(model.classes_[rounded.argmax(1)] == y_valid)),
        },
    }
    out = Path(__file__).with_suffix(".json")
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps({k: v for k, v in result.items() if k != "machine"}, indent=2))


if __name__ == "__main__":
    main()
