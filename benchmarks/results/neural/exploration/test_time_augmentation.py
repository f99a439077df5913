"""Does test-time augmentation pay? Validation only (protocol "tune" or "tune-full"), never test.

Fits the default CNN recipe (16 epochs, random_state=0) on the seed sample and
scores the train-only validation sample with the probabilities of the plain
images, and averaged over shifted views (one pixel left, right, up, down) and
over 8 random affine views (``random_affine`` with its training defaults).
Writes ``test_time_augmentation.json`` beside this script.

    python benchmarks/results/neural/exploration/test_time_augmentation.py

Given a model kept by ``bench_neural.py tune --protocol full ... --save-model
PATH``, it scores that model on the validation sample of its data set's
``tune-full`` protocol instead (the images the model did not fit on) and writes
``test_time_augmentation-DATASET.json``:

    python benchmarks/results/neural/exploration/test_time_augmentation.py PATH DATASET
"""

import json
import sys
from pathlib import Path

import joblib
import numpy as np
from _validation_run import fit_default_cnn_on_tune_sample, load_protocol, record_header

from sklearn_emnist.augmentation import random_affine


def shifted(images, dx, dy):
    """The images moved by (dx, dy) pixels, zero-filled."""
    out = np.zeros_like(images)
    h, w = images.shape[1:]
    out[:, max(dy, 0):h + min(dy, 0), max(dx, 0):w + min(dx, 0)] = \
        images[:, max(-dy, 0):h + min(-dy, 0), max(-dx, 0):w + min(-dx, 0)]
    return out


def accuracy(model, probabilities, y):
    return float(np.mean(model.classes_[np.mean(probabilities, axis=0).argmax(1)] == y))


def saved_model_and_validation_sample(model_path, dataset):
    """A kept model, the validation sample of its data set's tune-full protocol
    and the record header."""
    _, _, X_valid, y_valid, _ = load_protocol(dataset, "tune-full")
    model = joblib.load(model_path)
    kept = ("architecture", "max_epochs", "module__convs_per_block", "precision", "random_state")
    header = record_header(
        model={key: repr(value) for key, value in model.get_params(deep=False).items()
               if key in kept},
        dataset=dataset, protocol="tune-full", n_valid=len(y_valid))
    return model, X_valid, y_valid, header


def main(argv):
    if argv:
        model_path, dataset = argv
        model, X_valid, y_valid, header = saved_model_and_validation_sample(model_path, dataset)
        out = Path(__file__).with_name(f"test_time_augmentation-{dataset}.json")
    else:
        model, X_valid, y_valid, header = fit_default_cnn_on_tune_sample()
        out = Path(__file__).with_suffix(".json")
    plain = model.predict_proba(X_valid)
    shifts = [model.predict_proba(shifted(X_valid, dx, dy))
              for dx, dy in [(1, 0), (-1, 0), (0, 1), (0, -1)]]
    as_float = X_valid.astype(np.float32) / 255
    affine = [model.predict_proba(random_affine(as_float, random_state=k)) for k in range(8)]
    result = {
        **header,
        "validation_accuracy": {
            "plain": accuracy(model, [plain], y_valid),
            "plain + 4 one-pixel shifts": accuracy(model, [plain, *shifts], y_valid),
            "plain + 8 random affine views": accuracy(model, [plain, *affine], y_valid),
            "plain + shifts + affine views": accuracy(model, [plain, *shifts, *affine], y_valid),
        },
    }
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result["validation_accuracy"], indent=2))


if __name__ == "__main__":
    main(sys.argv[1:])
