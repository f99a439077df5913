"""Fixtures of the neural tests: small real EMNIST subsets and tiny networks.

The networks are tiny (``module__*`` parameters) and trained for one to a few
epochs on one thread, so that the whole folder runs in about a minute on two
shared cores.
"""

import numpy as np
import pytest
import torch

from tests._data import load_bench

LETTERS = np.array(list("abcdefghijklmnopqrstuvwxyz"))

# a small VGG-style CNN: two blocks of one conv, a 32-unit dense layer
TINY_CNN = {
    "architecture": "deep",
    "module__channels": (8, 16),
    "module__convs_per_block": 1,
    "module__dense_size": 32,
    "augment": False,
    "lr_schedule": None,
    "label_smoothing": 0.0,
    "lr": 2e-3,
    "batch_size": 64,
    "max_epochs": 1,
    "n_threads": 1,
    "verbose": 0,
    "random_state": 0,
}

TINY_LSTM = {
    "hidden_size": 16,
    "num_layers": 1,
    "bidirectional": False,
    "dense_size": 16,
    "augment": False,
    "lr_schedule": None,
    "batch_size": 64,
    "max_epochs": 1,
    "n_threads": 1,
    "verbose": 0,
    "random_state": 0,
}


@pytest.fixture(scope="session")
def letters_train():
    """1,560 real letters-here training images (60 per class), labels 0..25."""
    return load_bench("letters-here", "train", n_per_class=60, random_state=0)


@pytest.fixture(scope="session")
def letters_test():
    """520 real letters-here test images (20 per class)."""
    return load_bench("letters-here", "test", n_per_class=20, random_state=0)


@pytest.fixture(scope="session")
def digits_train():
    """500 real digits-here training images (50 per class)."""
    return load_bench("digits-here", "train", n_per_class=50, random_state=0)


@pytest.fixture(scope="module")
def fitted_letters_cnn(letters_train):
    """A tiny CNN fitted for three epochs on letters with string labels 'a'..'z'
    (over 50 % test accuracy: trained enough for label mix-ups to show)."""
    from sklearn_emnist import CharCNNClassifier

    X, y = letters_train
    return CharCNNClassifier(**{**TINY_CNN, "max_epochs": 3}).fit(X, LETTERS[y])


@pytest.fixture(autouse=True)
def _keep_torch_threads():
    """Fail loudly if a test leaves torch's thread count changed."""
    before = torch.get_num_threads()
    yield
    assert torch.get_num_threads() == before, "a fit/predict call leaked its thread setting"
