"""Tests of RandomAffineAugmenter, the train-time augmentation sampler."""

import pickle
import warnings

import numpy as np
import pytest
from imblearn.pipeline import Pipeline
from sklearn.base import clone
from sklearn.neighbors import KNeighborsClassifier

from sklearn_emnist.augmentation import RandomAffineAugmenter
from tests._data import load_bench


@pytest.fixture(scope="module")
def letters():
    return load_bench("letters-here", "train", n_per_class=6, random_state=2)


def test_copies_keep_labels_layout_dtype_and_range(letters):
    images, labels = letters
    n = len(images)
    for X in (images, images.reshape(n, -1), images[:, None], images / np.float32(255)):
        X_res, y_res = RandomAffineAugmenter(n_augmented=2, random_state=0).fit_resample(
            X, labels
        )
        assert X_res.shape == (3 * n, *X.shape[1:])
        assert X_res.dtype == X.dtype
        np.testing.assert_array_equal(y_res, np.tile(labels, 3))
        np.testing.assert_array_equal(X_res[:n], X)  # originals first, unchanged
        assert X_res.min() >= 0 and X_res.max() <= (255 if X.dtype == np.uint8 else 1)
        assert (X_res[n : 2 * n] != X_res[2 * n :]).any()  # two different copies


def test_keep_original_false_returns_only_copies(letters):
    images, labels = letters
    X_res, y_res = RandomAffineAugmenter(keep_original=False, random_state=0).fit_resample(
        images, labels
    )
    assert X_res.shape == images.shape
    np.testing.assert_array_equal(y_res, labels)
    assert (X_res != images).any(axis=(1, 2)).mean() > 0.9


def test_random_state_makes_it_reproducible(letters):
    images, labels = letters
    a, _ = RandomAffineAugmenter(random_state=5).fit_resample(images, labels)
    b, _ = RandomAffineAugmenter(random_state=5).fit_resample(images, labels)
    c, _ = RandomAffineAugmenter(random_state=6).fit_resample(images, labels)
    np.testing.assert_array_equal(a, b)
    assert (a != c).any()


def test_pipeline_augments_during_fit_only(letters):
    images, labels = letters
    X = images.reshape(len(images), -1)
    seen = []

    class RecordingKNN(KNeighborsClassifier):
        def fit(self, X, y):
            seen.append(("fit", len(X)))
            return super().fit(X, y)

        def predict(self, X):
            seen.append(("predict", len(X)))
            return super().predict(X)

    pipe = Pipeline(
        [("augment", RandomAffineAugmenter(n_augmented=3, random_state=0)),
         ("knn", RecordingKNN(n_neighbors=1))]
    )
    pipe.fit(X, labels)
    predicted = pipe.predict(X)
    assert seen == [("fit", 4 * len(X)), ("predict", len(X))]
    # the originals are in the training set, so 1-NN on them is exact
    np.testing.assert_array_equal(predicted, labels)


def test_pipeline_transform_does_not_augment(letters):
    from sklearn_emnist.preprocessing import PixelScaler

    images, labels = letters
    pipe = Pipeline(
        [("augment", RandomAffineAugmenter(n_augmented=2, random_state=0)),
         ("scale", PixelScaler())]
    )
    fitted_rows = pipe.fit_transform(images, labels)  # fit: the sampler acts
    assert len(fitted_rows) == 3 * len(images)
    transformed = pipe.transform(images)  # transform: it does not
    np.testing.assert_allclose(transformed, images.reshape(len(images), -1) / 255.0, atol=1e-6)


def test_clone_and_pickle_keep_parameters_and_behaviour(letters):
    images, labels = letters
    sampler = RandomAffineAugmenter(n_augmented=1, rotation=5.0, random_state=1)
    copy = clone(sampler)
    assert copy.get_params() == sampler.get_params()
    restored = pickle.loads(pickle.dumps(sampler))
    np.testing.assert_array_equal(
        restored.fit_resample(images, labels)[0], sampler.fit_resample(images, labels)[0]
    )


@pytest.mark.parametrize(
    "params, match",
    [
        ({"n_augmented": -1}, "n_augmented"),
        ({"n_augmented": 0, "keep_original": False}, "no images"),
        ({"rotation": 60}, "character-safe"),
        ({"keep_original": "yes"}, "keep_original"),
    ],
)
def test_bad_parameters_give_a_clear_error(letters, params, match):
    images, labels = letters
    with pytest.raises(ValueError, match=match):
        RandomAffineAugmenter(**params).fit_resample(images, labels)
    with pytest.raises(ValueError, match=match):  # fit validates the same
        RandomAffineAugmenter(**params).fit(images, labels)


def test_dataframe_in_dataframe_out_so_later_steps_keep_feature_names(letters):
    pd = pytest.importorskip("pandas")
    images, labels = letters
    frame = pd.DataFrame(images.reshape(len(images), -1),
                         columns=[f"px{k}" for k in range(784)])
    target = pd.Series(labels, name="letter")
    X_out, y_out = RandomAffineAugmenter(random_state=0).fit_resample(frame, target)
    assert isinstance(X_out, pd.DataFrame) and list(X_out.columns) == list(frame.columns)
    assert isinstance(y_out, pd.Series) and y_out.name == "letter"
    assert len(X_out) == len(y_out) == 2 * len(frame)
    pipeline = Pipeline(
        [("augment", RandomAffineAugmenter(random_state=0)), ("knn", KNeighborsClassifier())]
    ).fit(frame, target)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # "X has feature names, but ... fitted without"
        pipeline.predict(frame)


def test_nullable_integer_columns_are_read_as_pixels_0_to_255(letters):
    pd = pytest.importorskip("pandas")
    images, labels = letters
    flat = images.reshape(len(images), -1)
    X_out, _ = RandomAffineAugmenter(random_state=0).fit_resample(
        pd.DataFrame(flat).astype("UInt8"), labels)
    expected, _ = RandomAffineAugmenter(random_state=0).fit_resample(flat, labels)
    np.testing.assert_array_equal(np.asarray(X_out), expected)


def test_bad_input_gives_a_clear_error(letters):
    images, labels = letters
    sampler = RandomAffineAugmenter()
    with pytest.raises(ValueError, match="28x28"):
        sampler.fit_resample(images[:, :20], labels)
    with pytest.raises(ValueError, match="inconsistent"):
        sampler.fit_resample(images, labels[:-1])
    with pytest.raises(ValueError, match="out of range"):
        sampler.fit_resample(images.astype(np.float32), labels)  # 0..255 floats
