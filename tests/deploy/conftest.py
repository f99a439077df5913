"""Tiny real-data models shared by the deployment tests (trained once per session).

A small CNN of the default architecture (string labels 'a'..'z') and a small
LSTM (int labels), trained for 2-4 epochs on 2,080 real letters-here
training images, scored on 520 real test images. Small enough to keep tests/deploy well under a minute,
trained enough (far above the 4 % of chance) for parity to mean something.
"""

import numpy as np
import pytest

from tests._data import load_bench

LETTERS = np.array(list("abcdefghijklmnopqrstuvwxyz"))

# a network inside a pipeline or a search, and what the error given one must say
WRAPPERS = {
    "pipeline": r"pipe\[-1\].*'pixelscaler'.*not included",
    "search": r"search\.best_estimator_",
}


def wrapped(kind, network):
    """``network`` as the last step of a pipeline, or as a search's estimator."""
    if kind == "pipeline":
        from sklearn.pipeline import make_pipeline

        from sklearn_emnist.preprocessing import PixelScaler

        return make_pipeline(PixelScaler(), network)
    from sklearn.model_selection import GridSearchCV

    return GridSearchCV(network, {"lr": [0.01, 0.1]})


@pytest.fixture(scope="session")
def letters_train():
    return load_bench("letters-here", "train", n_per_class=80, random_state=0)


@pytest.fixture(scope="session")
def letters_test():
    return load_bench("letters-here", "test", n_per_class=20, random_state=0)


@pytest.fixture(scope="session")
def cnn(letters_train):
    """The default architecture, small (batch norm and dropout, which export must fold
    and skip), on string labels 'a'..'z': about 65 % test accuracy."""
    import torch

    from sklearn_emnist import CharCNNClassifier

    X, y = letters_train
    return CharCNNClassifier(
        architecture="deep", module__channels=(8, 16), module__convs_per_block=1,
        module__dense_size=64, max_epochs=2, batch_size=32, augment=False, lr_schedule=None,
        optimizer=torch.optim.Adam, lr=0.003, n_threads=1, device="cpu", verbose=0,
        random_state=0,
    ).fit(X, LETTERS[y])


@pytest.fixture(scope="session")
def lstm(letters_train):
    """A bidirectional row LSTM on int labels: about 35 % test accuracy."""
    from sklearn_emnist import LSTMRowClassifier

    X, y = letters_train
    return LSTMRowClassifier(
        hidden_size=64, num_layers=1, bidirectional=True, dense_size=64, dropout=0.0,
        max_epochs=4, augment=False, lr=0.01, n_threads=1, device="cpu", verbose=0,
        random_state=0,
    ).fit(X, y)


@pytest.fixture(scope="session")
def onnx_folder(tmp_path_factory):
    return tmp_path_factory.mktemp("onnx")


@pytest.fixture(scope="session")
def cnn_onnx_path(cnn, onnx_folder):
    from sklearn_emnist.deploy import export_onnx

    return export_onnx(cnn, onnx_folder / "cnn.onnx")


@pytest.fixture(scope="session")
def lstm_onnx_path(lstm, onnx_folder):
    from sklearn_emnist.deploy import export_onnx

    return export_onnx(lstm, onnx_folder / "lstm.onnx")
