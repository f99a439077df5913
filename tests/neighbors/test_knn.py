"""make_knn_pipeline on small real subsets of letters-here."""

import pickle

import numpy as np
import pytest
from imblearn.pipeline import Pipeline as ImbPipeline
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import Pipeline

from sklearn_emnist import make_knn_pipeline
from sklearn_emnist.neighbors import KNN_DEFAULTS
from sklearn_emnist.preprocessing import Deskewer, HOGFeatures
from tests._data import load_bench


@pytest.fixture(scope="module")
def small():
    X, y = load_bench("letters-here", "train", n_per_class=40, random_state=0)
    X_test, y_test = load_bench("letters-here", "test", n_per_class=15, random_state=0)
    return X.reshape(len(X), -1), y, X_test.reshape(len(X_test), -1), y_test


def test_defaults_are_the_documented_recipe():
    pipe = make_knn_pipeline()
    assert isinstance(pipe, Pipeline) and not isinstance(pipe, ImbPipeline)
    assert [name for name, _ in pipe.steps] == ["deskew", "features", "pca", "knn"]
    assert isinstance(pipe.named_steps["deskew"], Deskewer)
    assert isinstance(pipe.named_steps["features"], HOGFeatures)
    params = pipe.get_params()
    assert params["pca__n_components"] == KNN_DEFAULTS["n_components"]
    assert params["knn__n_neighbors"] == KNN_DEFAULTS["n_neighbors"]
    assert params["knn__weights"] == KNN_DEFAULTS["weights"]


def test_pipeline_beats_raw_pixel_knn_on_real_letters(small):
    X, y, X_test, y_test = small
    raw = KNeighborsClassifier(3).fit(X, y).score(X_test, y_test)
    tuned = make_knn_pipeline(n_components=40, random_state=0).fit(X, y).score(X_test, y_test)
    assert tuned > raw + 0.08


def test_fitted_pipeline_clones_and_pickles(small):
    X, y, X_test, _ = small
    pipe = make_knn_pipeline(n_components=30, random_state=0).fit(X, y)
    restored = pickle.loads(pickle.dumps(pipe))
    np.testing.assert_array_equal(restored.predict(X_test), pipe.predict(X_test))
    fresh = clone(pipe)
    assert fresh.get_params()["pca__n_components"] == 30
    assert not hasattr(fresh.named_steps["knn"], "classes_")


def test_grid_search_with_two_jobs_tunes_steps_by_name(small):
    X, y, _, _ = small
    X, y = X[:390], y[:390]
    search = GridSearchCV(
        make_knn_pipeline(random_state=0),
        {"pca__n_components": [20, 30], "knn__n_neighbors": [1, 5], "deskew": ["passthrough", Deskewer()]},
        cv=2,
        n_jobs=2,
    )
    search.fit(X, y)
    assert len(search.cv_results_["params"]) == 8
    assert search.best_params_["knn__n_neighbors"] in (1, 5)
    assert search.best_score_ > 0.5
    # deskewing helps on real letters, also at this size
    results = search.cv_results_
    deskewed = [isinstance(p["deskew"], Deskewer) for p in results["params"]]
    scores = np.asarray(results["mean_test_score"])
    assert scores[deskewed].mean() > scores[~np.asarray(deskewed)].mean()


def test_augmentation_makes_an_imblearn_pipeline_that_augments_fit_only(small):
    X, y, X_test, _ = small
    pipe = make_knn_pipeline(augment=2, n_components=20, random_state=0)
    assert isinstance(pipe, ImbPipeline)
    assert [name for name, _ in pipe.steps] == ["deskew", "augment", "features", "pca", "knn"]
    pipe.fit(X, y)
    assert pipe.named_steps["knn"].n_samples_fit_ == 3 * len(X)
    assert pipe.predict(X_test).shape == (len(X_test),)
    proba = pipe.predict_proba(X_test[:5])
    assert proba.shape == (5, 26)


@pytest.mark.parametrize(
    "options, steps",
    [
        ({"features": "pixels"}, "PixelScaler"),
        ({"features": "hog+pixels"}, "FeatureUnion"),
        ({"deskew": False, "n_components": None}, "HOGFeatures"),
    ],
)
def test_feature_options_build_and_run(small, options, steps):
    X, y, X_test, _ = small
    pipe = make_knn_pipeline(random_state=0, **{"n_components": 20, **options})
    assert type(pipe.named_steps["features"]).__name__ == steps
    assert pipe.fit(X[:200], y[:200]).predict(X_test[:10]).shape == (10,)


@pytest.mark.parametrize(
    "options, error, match",
    [
        ({"features": "sift"}, ValueError, "features must be one of"),
        ({"augment": -1}, ValueError, "augment must be an int"),
        ({"augment_params": {"rotation": 5}}, ValueError, "augment=0"),
        ({"augment": 1, "augment_params": {"random_state": 1}}, ValueError, "random_state="),
        ({"augment": 1, "augment_params": {"n_augmented": 2}}, ValueError, "augment="),
        ({"sampler": object()}, TypeError, "fit_resample"),
        ({"deskew": "passthrough"}, ValueError, "deskew must be True or False"),
        ({"n_components": 0}, ValueError, "n_components must be None"),
        ({"n_components": False}, ValueError, "n_components must be None"),
        ({"n_components": 1.5}, ValueError, "n_components must be None"),
        ({"n_neighbors": True}, ValueError, "n_neighbors must be an int"),
        ({"n_neighbors": 0}, ValueError, "n_neighbors must be an int"),
    ],
)
def test_bad_options_give_a_clear_error(options, error, match):
    with pytest.raises(error, match=match):
        make_knn_pipeline(**options)


def test_bad_images_give_a_clear_error(small):
    X, y, _, _ = small
    pipe = make_knn_pipeline(n_components=10).fit(X[:100], y[:100])
    with pytest.raises(ValueError, match="NaN"):
        pipe.predict(np.full((2, 784), np.nan))
    with pytest.raises(ValueError, match="28x28"):
        pipe.predict(np.zeros((2, 700)))
    with pytest.raises(ValueError, match="out of range"):
        pipe.predict(-np.ones((2, 784)))
