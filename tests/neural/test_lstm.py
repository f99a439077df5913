"""LSTMRowClassifier on real EMNIST images."""

import pickle

import numpy as np
import pytest
import torch
from sklearn.base import clone

from sklearn_emnist import LSTMRowClassifier
from sklearn_emnist.neural import RowLSTM

from .conftest import LETTERS, TINY_LSTM


def lstm(**overrides):
    return LSTMRowClassifier(**{**TINY_LSTM, **overrides})


def test_short_fit_on_real_letters_learns(letters_train, letters_test):
    clf = lstm(hidden_size=32, bidirectional=True, dense_size=32, max_epochs=6, lr=5e-3,
               batch_size=32)
    clf.fit(*letters_train)
    assert clf.score(*letters_test) > 0.4  # chance: 3.8 %


def test_sizes_are_first_class_parameters_and_module_params_override(letters_train):
    X, y = letters_train[0][:128], letters_train[1][:128]
    clf = lstm(hidden_size=8, num_layers=2, bidirectional=True, dense_size=0).fit(X, y)
    assert isinstance(clf.module_, RowLSTM)
    lstm_layer = clf.module_.lstm
    assert (lstm_layer.hidden_size, lstm_layer.num_layers, lstm_layer.bidirectional) == (8, 2, True)
    assert clf.module_.classifier.in_features == 16  # no dense layer: 2 directions x 8
    # a module__ parameter wins, with a warning (a search over hidden_size would
    # otherwise build the same network for every candidate)
    with pytest.warns(UserWarning, match=r"module__hidden_size=12 overrides .* hidden_size=8"):
        clf.set_params(module__hidden_size=12).fit(X, y)
    assert clf.module_.lstm.hidden_size == 12


def test_numpy_sizes_from_a_search_grid_build_the_network(letters_train):
    X, y = letters_train[0][:128], letters_train[1][:128]
    clf = lstm(hidden_size=np.arange(8, 17, 8)[0], num_layers=np.int64(1),
               bidirectional=np.array([False, True])[1], dropout=np.float32(0.0)).fit(X, y)
    assert clf.module_.lstm.hidden_size == 8 and clf.module_.lstm.bidirectional


def test_string_labels_pickle_and_clone(letters_train, letters_test):
    X, y = letters_train
    clf = lstm().fit(X.reshape(len(X), -1) / 255.0, LETTERS[y])
    np.testing.assert_array_equal(clf.classes_, LETTERS)
    X_test = letters_test[0][:32]
    loaded = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(loaded.predict(X_test), clf.predict(X_test))
    copy = clone(clf)
    assert copy.hidden_size == 16 and not hasattr(copy, "n_features_in_")


def test_bfloat16_precision_learns_with_float32_weights(letters_train, letters_test):
    clf = lstm(hidden_size=32, bidirectional=True, dense_size=32, max_epochs=6, lr=5e-3,
               batch_size=32, precision="bfloat16").fit(*letters_train)
    assert {p.dtype for p in clf.module_.parameters()} == {torch.float32}
    assert clf.predict_proba(letters_test[0][:8]).dtype == np.float32
    assert clf.score(*letters_test) > 0.4  # chance: 3.8 %


def test_class_weight_balanced(letters_train):
    X, y = letters_train[0][:300], letters_train[1][:300]
    clf = lstm(class_weight="balanced").fit(X, y)
    counts = np.bincount(y, minlength=26)
    np.testing.assert_allclose(clf.class_weight_, len(y) / (26 * counts), rtol=1e-6)


def test_invalid_sizes_are_named(letters_train):
    with pytest.raises(ValueError, match="hidden_size"):
        lstm(hidden_size=0).fit(*letters_train)


def test_transfer_learning_from_a_saved_digits_model(digits_train, letters_train, tmp_path):
    digits = lstm(max_epochs=2).fit(*digits_train)
    path = tmp_path / "digits-lstm.pt"
    digits.save_params(f_params=path)
    letters = lstm(max_epochs=0, init_from=str(path)).fit(*letters_train)
    assert letters.n_pretrained_tensors_ > 0
    assert letters.module_.classifier.out_features == 26
    source, target = digits.module_.state_dict(), letters.module_.state_dict()
    body = [key for key in target if not key.startswith("classifier.")]
    assert body and all(np.array_equal(source[k], target[k]) for k in body)
