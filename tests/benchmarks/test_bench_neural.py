"""``benchmarks/bench_neural.py``: its data protocols, on the real letters-here set, and
its loop-overhead measurement."""

import time

import joblib
import numpy as np
import pytest

from benchmarks.bench_neural import load_protocol, loop_overhead, run_recipe
from sklearn_emnist.neural import CharCNNClassifier
from tests._data import require_shared


def _rows(images):
    """Each image as one hashable byte string (bench/ has no duplicate images)."""
    flat = np.ascontiguousarray(images.reshape(len(images), -1))
    return set(flat.view(np.dtype((np.void, flat.shape[1]))).ravel().tolist())


@pytest.fixture(scope="module")
def letters_train():
    require_shared("bench")
    X, y, _, _, _ = load_protocol("letters-here", "full")
    return X, y


def test_tune_full_holds_out_a_balanced_validation_sample_and_fits_on_the_rest(letters_train):
    X, y = letters_train
    X_fit, y_fit, X_valid, y_valid, names = load_protocol("letters-here", "tune-full")
    assert len(names) == 26
    # as large as test (7,800), 300 images of every letter
    np.testing.assert_array_equal(np.bincount(y_valid), np.full(26, 300))
    # the fitting part is all the rest of train, still as imbalanced as train
    np.testing.assert_array_equal(np.bincount(y_fit) + 300, np.bincount(y))
    assert not _rows(X_fit) & _rows(X_valid)


def test_tune_holds_out_validation_images_outside_the_seed_sample(letters_train):
    X_seed, y_seed, X_test, _, _ = load_protocol("letters-here", "seed")
    X_fit, y_fit, X_valid, _, _ = load_protocol("letters-here", "tune")
    np.testing.assert_array_equal(X_fit, X_seed)  # the same 40,000 training images
    np.testing.assert_array_equal(y_fit, y_seed)
    assert len(X_valid) == len(X_test) == 7800
    assert not _rows(X_seed) & _rows(X_valid)
    assert _rows(X_valid) <= _rows(letters_train[0])  # from train, never from test


def test_byclass_validation_is_spread_over_classes_as_its_stratified_test_set():
    # a class-balanced validation sample would rank recipes by macro recall,
    # not by the accuracy the byclass-here target is about
    require_shared("bench")
    X_fit, y_fit, X_valid, y_valid, names = load_protocol("byclass-here", "tune-full",
                                                          n_valid=6000)
    _, y_train, _, y_test, _ = load_protocol("byclass-here", "full")
    assert len(names) == 62 and len(y_valid) == 6000
    expected = 6000 * np.bincount(y_test, minlength=62) / len(y_test)
    assert np.abs(np.bincount(y_valid, minlength=62) - expected).max() < 1
    np.testing.assert_array_equal(np.bincount(y_fit, minlength=62)
                                  + np.bincount(y_valid, minlength=62),
                                  np.bincount(y_train, minlength=62))
    assert not _rows(X_fit) & _rows(X_valid)


def test_run_recipe_keeps_the_fitted_model_it_scored(tmp_path):
    require_shared("bench")
    path = tmp_path / "model.joblib"
    record = run_recipe("cnn-seed", protocol="tune", n_train=520, save_model=path,
                        overrides={"max_epochs": 1, "verbose": 0, "n_threads": 1})
    assert record["saved_model"] == str(path)
    _, _, X_valid, y_valid, _ = load_protocol("letters-here", "tune", n_train=520)
    accuracy = np.mean(joblib.load(path).predict(X_valid) == y_valid)
    assert accuracy == record["metrics"]["accuracy"]


def test_loop_overhead_times_the_training_loop_apart_from_what_fit_does_once(monkeypatch):
    # the batch-norm refresh after the epochs is part of fit, not of the loop the
    # plain PyTorch loop is compared with: slowed down here, it must show in the
    # whole-fit figures only
    refresh = CharCNNClassifier._refresh_batch_norm

    def slow_refresh(self, dataset):
        time.sleep(0.5)
        refresh(self, dataset)

    monkeypatch.setattr(CharCNNClassifier, "_refresh_batch_norm", slow_refresh)
    result = loop_overhead(n=512, epochs=1, rounds=2, architecture="deep", n_threads=1)
    assert min(result["skorch_per_fit_seconds"]) >= 0.5
    for loop, fit in zip(result["skorch_seconds_per_epoch"],
                         result["skorch_fit_seconds_per_epoch"]):
        assert loop <= fit - 0.5
    loop_ratio = np.median(result["skorch_seconds_per_epoch"]) / np.median(
        result["plain_seconds_per_epoch"])
    assert result["ratio_skorch_over_plain"] == pytest.approx(loop_ratio, abs=1e-3)
    assert result["fit_ratio_skorch_over_plain"] > result["ratio_skorch_over_plain"]


def test_records_from_before_a_parameter_existed_are_not_flagged_as_different():
    from benchmarks.bench_neural import _describe_params, _unlike_today
    from sklearn_emnist.neural import make_recipe

    today = _describe_params(make_recipe("cnn-deep"))
    older = {key: value for key, value in today.items() if key != "precision"}
    record = {"recipe": "cnn-deep", "params": older, "overrides": {}}
    assert _unlike_today(record, {}) == ""
    # a changed default still shows
    record["params"] = {**older, "max_epochs": 10}
    assert _unlike_today(record, {}) == "max_epochs=10 (now 16)"


def test_recorded_commands_are_shell_quoted(monkeypatch):
    import shlex

    from benchmarks import bench_neural

    argv = ["benchmarks/bench_neural.py", "tune", "--set", "augment={'scale':(0.9,1.1)}"]
    monkeypatch.setattr(bench_neural.sys, "argv", argv)
    command = bench_neural._record("tune", {})["command"]
    assert shlex.split(command)[-len(argv):] == argv
