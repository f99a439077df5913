"""Helpers for tests that need real EMNIST images from ../shared/emnist."""

import os
from functools import lru_cache
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED_EMNIST = Path(os.environ.get("SKLEARN_EMNIST_SHARED", ROOT.parent / "shared" / "emnist"))


def in_ci():
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def require_shared(*relative):
    """Path of a file or folder under ../shared/emnist.

    Skips the calling test when it is missing, except in CI (``CI=true``),
    where it fails loudly instead.
    """
    path = SHARED_EMNIST.joinpath(*relative)
    if not path.exists():
        message = f"real EMNIST data missing: {path} (see README: ../shared/emnist)"
        if in_ci():
            pytest.fail(message)
        pytest.skip(message)
    return path


@lru_cache(maxsize=8)
def _load_bench(name, subset):
    from sklearn_emnist.datasets import load_emnist_folder

    folder = require_shared("bench")
    split = name.split("-")[0]  # letters-here -> letters (mapping of the split)
    bunch = load_emnist_folder(folder, name=name, split=split, subset=subset, cache=False)
    images, labels = bunch.images, bunch.target  # upright; letters 1..26 -> 0..25
    images.setflags(write=False)
    labels.setflags(write=False)
    return images, labels


def load_bench(name="letters-here", subset="train", *, n_per_class=None, random_state=0):
    """Real upright images (n, 28, 28) uint8 and labels 0..K-1 from bench/.

    ``n_per_class`` draws a class-balanced sample (as many as a class has when
    it has fewer).
    """
    images, labels = _load_bench(name, subset)
    if n_per_class is None:
        return images, labels
    rng = np.random.default_rng(random_state)
    index = np.concatenate(
        [
            rng.permutation(np.flatnonzero(labels == k))[:n_per_class]
            for k in np.unique(labels)
        ]
    )
    index = rng.permutation(index)
    return images[index], labels[index]
