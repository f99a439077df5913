"""What the validation-only exploration scripts share: the default CNN recipe
fitted on the seed sample of protocol "tune", a kept model's predictions on a
validation sample, and the header of their records."""

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[4]
sys.path.insert(0, str(ROOT))

import joblib  # noqa: E402
import numpy as np  # noqa: E402

from benchmarks._machine import describe_machine  # noqa: E402
from benchmarks.bench_neural import load_protocol  # noqa: E402
from sklearn_emnist.neural import make_recipe  # noqa: E402


def record_header(**fields):
    """The command, time and machine of an exploration record, then ``fields``."""
    return {
        "command": "python " + " ".join(sys.argv),
        "utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "machine": describe_machine(),
        **fields,
    }


def fit_default_cnn_on_tune_sample():
    """The default CNN recipe (random_state=0) fitted on the tune protocol's
    training sample; returns the model, the validation images and labels, and
    the record header (command, time, machine, fit seconds, sample sizes)."""
    X_train, y_train, X_valid, y_valid, _ = load_protocol("letters-here", "tune")
    model = make_recipe("cnn-deep", random_state=0, verbose=0)
    start = time.perf_counter()
    model.fit(X_train, y_train)
    fit_seconds = time.perf_counter() - start
    header = record_header(fit_seconds=round(fit_seconds, 1),
                           n_train=len(y_train), n_valid=len(y_valid))
    return model, X_valid, y_valid, header


def predictions_of_kept_model(model_path, dataset, protocol):
    """The validation images of ``load_protocol(dataset, protocol)``, their
    labels and a kept model's predictions, both as class names."""
    _, _, X_valid, y_valid, names = load_protocol(dataset, protocol)
    names = np.asarray(names)
    predicted = np.asarray(joblib.load(model_path).predict(X_valid))
    if predicted.dtype.kind in "iu":
        predicted = names[predicted]
    return X_valid, names[y_valid], predicted
