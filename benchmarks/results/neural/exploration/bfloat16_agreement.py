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
from pathlib import Path

import numpy as np
from _validation_run import fit_default_cnn_on_tune_sample


def main():
    model, X_valid, y_valid, header = fit_default_cnn_on_tune_sample()
    exact = model.predict_proba(X_valid)
    model.set_params(precision="bfloat16")
    rounded = model.predict_proba(X_valid)
    difference = np.abs(rounded - exact)
    result = {
        **header,
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
