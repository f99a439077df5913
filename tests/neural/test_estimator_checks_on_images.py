"""scikit-learn's estimator checks that need images, rewritten on real images.

``parametrize_with_checks`` feeds random 2-10 column tables, which both
estimators reject ("X must hold 28x28 images"); ``test_common.py`` lists
those checks as expected failures and names the test here that pins the same
behaviour on real letters, for both estimators.
"""

import pickle
import warnings

import joblib
import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.exceptions import DataConversionWarning

from sklearn_emnist import CharCNNClassifier, LSTMRowClassifier

from .conftest import TINY_CNN, TINY_LSTM

ESTIMATORS = [CharCNNClassifier(**TINY_CNN), LSTMRowClassifier(**TINY_LSTM)]
IDS = ["cnn", "lstm"]


@pytest.fixture(scope="module")
def small_letters(letters_train):
    """260 real letters (10 per class), uint8, labels 0..25."""
    X, y = letters_train
    index = np.concatenate([np.flatnonzero(y == k)[:10] for k in range(26)])
    return X[index], y[index]


@pytest.mark.parametrize("estimator", ESTIMATORS, ids=IDS)
def test_fit_returns_self_and_is_idempotent(estimator, small_letters):
    # check_estimators_fit_returns_self, check_fit_idempotent
    X, y = small_letters
    model = clone(estimator)
    assert model.fit(X, y) is model
    first = model.predict_proba(X)
    model.fit(X, y)
    np.testing.assert_allclose(model.predict_proba(X), first, atol=1e-6)


@pytest.mark.parametrize("estimator", ESTIMATORS, ids=IDS)
def test_fit_leaves_parameters_and_inputs_unchanged(estimator, small_letters):
    # check_estimators_overwrite_params, check_dont_overwrite_parameters,
    # check_sample_weights_not_overwritten
    X, y = small_letters
    model = clone(estimator)
    params = joblib.hash(model.get_params())
    public_before = {name for name in vars(model) if not name.startswith("_")}
    X_copy, y_copy, weight = X.copy(), y.copy(), np.linspace(0.5, 1.5, len(y))
    weight_copy = weight.copy()
    model.fit(X, y, sample_weight=weight)
    assert joblib.hash(model.get_params()) == params
    added = {name for name in vars(model) if not name.startswith("_")} - public_before
    assert added and all(name.endswith("_") for name in added), sorted(added)
    np.testing.assert_array_equal(X, X_copy)
    np.testing.assert_array_equal(y, y_copy)
    np.testing.assert_array_equal(weight, weight_copy)


@pytest.mark.parametrize("estimator", ESTIMATORS, ids=IDS)
def test_predicting_does_not_change_the_estimator(estimator, small_letters):
    # check_dict_unchanged
    X, y = small_letters
    model = clone(estimator).fit(X, y)
    before = dict(vars(model))
    model.predict(X)
    model.predict_proba(X)
    model.score(X, y)
    after = vars(model)
    assert after.keys() == before.keys()
    assert [name for name in before if after[name] is not before[name]] == []


@pytest.mark.parametrize("estimator", ESTIMATORS, ids=IDS)
def test_predictions_do_not_depend_on_the_other_images_in_the_call(estimator, small_letters):
    # check_methods_subset_invariance, check_methods_sample_order_invariance,
    # check_fit2d_1sample (one image at a time)
    X, y = small_letters
    model = clone(estimator).fit(X, y)
    proba = model.predict_proba(X)
    order = np.random.default_rng(0).permutation(len(X))
    np.testing.assert_allclose(model.predict_proba(X[order]), proba[order], atol=1e-5)
    np.testing.assert_allclose(model.predict_proba(X[:7]), proba[:7], atol=1e-5)
    np.testing.assert_allclose(model.predict_proba(X[3:4]), proba[3:4], atol=1e-5)


@pytest.mark.parametrize("estimator", ESTIMATORS, ids=IDS)
def test_readonly_memmapped_and_fortran_images(estimator, small_letters, tmp_path):
    # check_readonly_memmap_input, check_f_contiguous_array_estimator, check_estimators_dtypes
    X, y = small_letters
    expected = clone(estimator).fit(X, y).predict_proba(X)
    path = tmp_path / "images.npy"
    np.save(path, X.reshape(len(X), -1))
    readonly = np.load(path, mmap_mode="r")
    model = clone(estimator).fit(readonly, y)
    np.testing.assert_allclose(model.predict_proba(readonly), expected, atol=1e-6)
    flat_fortran = np.asfortranarray(X.reshape(len(X), -1))
    np.testing.assert_allclose(model.predict_proba(flat_fortran), expected, atol=1e-6)
    as_float64 = X.astype(np.float64) / 255
    np.testing.assert_allclose(model.predict_proba(as_float64), expected, atol=1e-5)
    # float32 in [0, 1] is used without a copy: a read-only one must not warn
    np.save(path, X.astype(np.float32) / 255)
    readonly = np.load(path, mmap_mode="r")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        np.testing.assert_allclose(clone(estimator).fit(readonly, y).predict_proba(readonly),
                                   expected, atol=1e-5)


@pytest.mark.parametrize("estimator", ESTIMATORS, ids=IDS)
def test_sample_weight_as_list_or_series_equals_the_array(estimator, small_letters):
    # check_sample_weights_list, check_sample_weights_pandas_series,
    # check_sample_weights_not_an_array, check_classifier_data_not_an_array
    X, y = small_letters
    weight = np.linspace(0.5, 1.5, len(y))
    expected = clone(estimator).fit(X, y, sample_weight=weight).predict_proba(X)
    for given in (weight.tolist(), pd.Series(weight)):
        model = clone(estimator).fit(X, y, sample_weight=given)
        np.testing.assert_allclose(model.predict_proba(X), expected, atol=1e-6)
    as_lists = clone(estimator).fit(X.tolist(), y.tolist())
    np.testing.assert_allclose(as_lists.predict_proba(X), clone(estimator).fit(X, y)
                               .predict_proba(X), atol=1e-6)


@pytest.mark.parametrize("estimator", ESTIMATORS, ids=IDS)
@pytest.mark.parametrize("weight, match", [
    (np.ones(5), r"sample_weight.shape == \(5,\), expected \(260,\)"),
    (np.ones((260, 2)), "1D array or scalar"),
    (np.r_[-1.0, np.ones(259)], "Negative values in data passed to .sample_weight"),
    (np.zeros(260), "at least one non-zero"),
])
def test_bad_sample_weight_is_named(estimator, small_letters, weight, match):
    # check_sample_weights_shape, check_all_zero_sample_weights_error
    X, y = small_letters
    with pytest.raises(ValueError, match=match):
        clone(estimator).fit(X, y, sample_weight=weight)


@pytest.mark.parametrize("estimator", ESTIMATORS, ids=IDS)
def test_targets_are_validated_as_scikit_learn_does(estimator, small_letters):
    # check_supervised_y_2d, check_classifiers_regression_target,
    # check_classifiers_one_label, check_classifiers_one_label_sample_weights
    X, y = small_letters
    with pytest.warns(DataConversionWarning, match="column-vector y"):
        column = clone(estimator).fit(X, y[:, None])
    np.testing.assert_array_equal(column.classes_, np.arange(26))
    with pytest.raises(ValueError, match="Unknown label type"):
        clone(estimator).fit(X, y + 0.5)
    with pytest.raises(ValueError, match="at least 2 classes"):
        clone(estimator).fit(X, np.zeros_like(y))
    with pytest.raises(ValueError, match="requires y"):
        clone(estimator).fit(X, None)


@pytest.mark.parametrize("estimator", ESTIMATORS, ids=IDS)
def test_pickled_model_in_a_pipeline_predicts_the_same(estimator, small_letters):
    # check_estimators_pickle, check_pipeline_consistency, check_n_features_in_after_fitting
    from sklearn.pipeline import make_pipeline

    from sklearn_emnist.preprocessing import PixelScaler

    X, y = small_letters
    pipeline = make_pipeline(PixelScaler(), clone(estimator)).fit(X, y)
    restored = pickle.loads(pickle.dumps(pipeline))
    np.testing.assert_allclose(restored.predict_proba(X), pipeline.predict_proba(X), atol=1e-6)
    assert restored[-1].n_features_in_ == 784
    with pytest.raises(ValueError, match="28x28 images"):
        restored[-1].predict(X.reshape(len(X), -1)[:, :-1])
