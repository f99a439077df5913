"""Does re-weighting a kept byclass model's log-probabilities raise its accuracy?

A multinomial logistic regression on the 62 log-probabilities of the model
(vector scaling with class biases: the most a post-hoc recalibration of the
decision can change) is fitted on one half of the validation sample of
``load_protocol("byclass-here", "tune-full")`` and scored on the other half,
both ways round (stratified, random_state=0). Writes ``recalibration.json``
beside this script: the mean held-out accuracy for each regularisation ``C``
against the model's own on the same halves. Validation only, never test.

Usage, from the repository root, with a model kept by
``bench_neural.py tune --dataset byclass-here --protocol full ... --save-model PATH``::

    python benchmarks/results/neural/exploration/recalibration.py PATH
"""

import json
import sys
from pathlib import Path

import joblib
import numpy as np
from _validation_run import load_protocol, record_header
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold


def main(model_path):
    _, _, X_valid, y_valid, _ = load_protocol("byclass-here", "tune-full")
    model = joblib.load(model_path)
    probabilities = model.predict_proba(X_valid)
    log_probabilities = np.log(np.clip(probabilities, 1e-7, 1))
    own = model.classes_[probabilities.argmax(1)] == y_valid
    halves = list(StratifiedKFold(2, shuffle=True, random_state=0).split(log_probabilities, y_valid))
    recalibrated = {}
    for C in (0.01, 0.1, 1.0):
        scores = [np.mean(LogisticRegression(C=C, max_iter=2000)
                          .fit(log_probabilities[fit], y_valid[fit])
                          .predict(log_probabilities[held_out]) == y_valid[held_out])
                  for fit, held_out in halves]
        recalibrated[f"C={C}"] = float(np.mean(scores))
    result = {
        **record_header(dataset="byclass-here", protocol="tune-full", n_valid=len(y_valid)),
        "validation_accuracy": {
            "model": float(np.mean([own[held_out].mean() for _, held_out in halves])),
            "recalibrated": recalibrated,
        },
    }
    Path(__file__).with_suffix(".json").write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result["validation_accuracy"], indent=2))


if __name__ == "__main__":
    main(sys.argv[1])
