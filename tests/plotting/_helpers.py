"""Real-data fixtures shared by the plotting tests."""

import numpy as np
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer

from tests._data import load_bench, require_shared

LETTERS = [chr(ord("a") + k) for k in range(26)]


def flatten(X):
    return np.asarray(X).reshape(len(X), -1)


def byclass_names():
    mapping = require_shared("gzip", "emnist-byclass-mapping.txt")
    return [chr(int(line.split()[1])) for line in mapping.read_text().splitlines()]


def letters_knn(n_per_class=60):
    """A KNN pipeline fitted on real letters-here images (takes 28x28 images)."""
    X, y = load_bench("letters-here", "train", n_per_class=n_per_class)
    model = make_pipeline(FunctionTransformer(flatten), KNeighborsClassifier(n_neighbors=5))
    return model.fit(X, y)


def is_png(path):
    with open(path, "rb") as f:
        return f.read(8) == b"\x89PNG\r\n\x1a\n"
