"""Which glyphs a letters model's validation errors are, by their byclass labels.

The letters split merges upper and lower case; the official byclass test file
holds many of the same images with their case. For the validation sample of
``load_protocol("letters-here", "tune")``, this script looks up every image
in that file (by exact pixels) and counts, for the usual confused pairs, the
case of the images of each class and of its errors.

Usage, from the repository root, with a model kept by
``bench_neural.py tune ... --save-model PATH``::

    python benchmarks/results/neural/exploration/case_of_errors.py PATH
"""

import collections
import sys
from pathlib import Path

import numpy as np
from _validation_run import predictions_of_kept_model

from sklearn_emnist.datasets import read_idx

REPO_ROOT = Path(__file__).resolve().parents[4]
GZIP = REPO_ROOT.parent / "shared" / "emnist" / "gzip"
PAIRS = (("i", "l"), ("l", "i"), ("g", "q"), ("q", "g"), ("v", "u"), ("u", "v"))


def _rows(images):
    flat = np.ascontiguousarray(images.reshape(len(images), -1))
    return [row.tobytes() for row in flat.view(np.dtype((np.void, flat.shape[1]))).ravel()]


def main(model_path):
    X_valid, true, predicted = predictions_of_kept_model(model_path, "letters-here", "tune")
    images = read_idx(GZIP / "emnist-byclass-test-images-idx3-ubyte.gz")
    labels = read_idx(GZIP / "emnist-byclass-test-labels-idx1-ubyte.gz")
    chars = {}
    for line in (GZIP / "emnist-byclass-mapping.txt").read_text().split("\n"):
        if line.strip():
            label, code = line.split()
            chars[int(label)] = chr(int(code))
    glyph_of = {}
    for stored in (images, images.transpose(0, 2, 1)):  # either orientation
        glyph_of.update(zip(_rows(stored), (chars[int(label)] for label in labels)))
    glyph = np.array([str(glyph_of.get(row, "?")) for row in _rows(X_valid)])
    known = glyph != "?"
    errors = true != predicted
    print(f"validation sample: {len(true)} images, {int(known.sum())} of them in the official "
          f"byclass test file; accuracy {100 * np.mean(~errors):.2f} %, {int(errors.sum())} errors")
    for t, p in PAIRS:
        confused = (true == t) & (predicted == p)
        images_of_class = dict(sorted(collections.Counter(glyph[(true == t) & known].tolist()).items()))
        errors_by_glyph = dict(sorted(collections.Counter(glyph[confused & known].tolist()).items()))
        print(f"{t} predicted {p}: {int(confused.sum())} errors; with a byclass label: "
              f"{t} images {images_of_class}, errors {errors_by_glyph}")


if __name__ == "__main__":
    main(sys.argv[1])
