"""Does test-time augmentation pay? Validation only (protocol "tune"), never test.

Fits the default CNN recipe (16 epochs, random_state=0) on the seed sample and
scores the train-only validation sample with the probabilities of the plain
images, and averaged over shifted views (one pixel left, right, up, down) and
over 8 random affine views (``random_affine`` with its training defaults).
Writes ``test_time_augmentation.json`` beside this script.

    python benchmarks/results/neural/exploration/test_time_augmentation.py
"""

import json
from pathlib import Path

import numpy as np
from _validation_run import fit_default_cnn_on_tune_sample

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


def main():
    model, X_valid, y_valid, header = fit_default_cnn_on_tune_sample()
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
    out = Path(__file__).with_suffix(".json")
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result["validation_accuracy"], indent=2))


if __name__ == "__main__":
    main()
