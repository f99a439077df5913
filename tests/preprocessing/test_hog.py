"""HOG features: shape, normalisation, orientation, and usefulness on real letters."""

import numpy as np
import pytest
from sklearn.neighbors import KNeighborsClassifier

from sklearn_emnist.preprocessing import deskew_images, hog_feature_count, hog_features
from sklearn_emnist.preprocessing import _hog
from tests._data import load_bench


def _bar(vertical):
    image = np.zeros((1, 28, 28), dtype=np.uint8)
    if vertical:
        image[0, 4:24, 12:15] = 255
    else:
        image[0, 12:15, 4:24] = 255
    return image


@pytest.mark.parametrize(
    "params, expected",
    [({}, 1296), ({"block_size": 0}, 441), ({"cell_size": 7}, 324), ({"n_bins": 12}, 1728)],
)
def test_feature_count_matches_the_output(params, expected):
    images = np.concatenate([_bar(True), _bar(False)])
    features = hog_features(images, **params)
    assert features.shape == (2, expected) == (2, hog_feature_count(**params))
    assert features.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(features, axis=1), 1.0, rtol=1e-4)


def test_orientation_is_what_the_features_encode():
    vertical, horizontal = hog_features(_bar(True))[0], hog_features(_bar(False))[0]
    again = hog_features(np.roll(_bar(True), 2, axis=2))[0]  # same stroke, shifted
    assert float(vertical @ horizontal) < 0.2
    assert float(vertical @ again) > float(vertical @ horizontal) + 0.4


def test_signed_orientations_tell_the_sides_of_a_stroke_apart():
    edge = np.zeros((1, 28, 28), dtype=np.uint8)
    edge[0, :, 14:] = 255  # dark-to-bright edge
    flipped = edge[:, :, ::-1].copy()  # bright-to-dark
    unsigned = hog_features(np.concatenate([edge, flipped]), block_size=0)
    signed = hog_features(np.concatenate([edge, flipped]), block_size=0, signed=True)
    assert float(unsigned[0] @ unsigned[1]) > 0.9
    assert float(signed[0] @ signed[1]) < 0.1


def test_blocks_of_images_do_not_change_the_result(monkeypatch):
    images, _ = load_bench("letters-here", "test", n_per_class=3, random_state=0)
    whole = hog_features(images)
    monkeypatch.setattr(_hog, "_CHUNK", 7)
    np.testing.assert_allclose(hog_features(images), whole, rtol=1e-5, atol=1e-6)


def test_hog_beats_pixels_for_nearest_neighbours_on_real_letters():
    X, y = load_bench("letters-here", "train", n_per_class=40, random_state=0)
    X_test, y_test = load_bench("letters-here", "test", n_per_class=15, random_state=0)
    D, D_test = deskew_images(X), deskew_images(X_test)

    def accuracy(train, test):
        knn = KNeighborsClassifier(1).fit(train.reshape(len(train), -1), y)
        return np.mean(knn.predict(test.reshape(len(test), -1)) == y_test)

    pixels = accuracy(D, D_test)
    hog = accuracy(hog_features(D), hog_features(D_test))
    assert hog > pixels + 0.05


@pytest.mark.parametrize(
    "params, match",
    [
        ({"cell_size": 5}, "divide"),
        ({"n_bins": 1}, "n_bins"),
        ({"block_size": 9}, "block_size"),
        ({"clip": 0}, "clip"),
    ],
)
def test_bad_parameters_give_a_clear_error(params, match):
    with pytest.raises(ValueError, match=match):
        hog_features(_bar(True), **params)


@pytest.mark.parametrize(
    "params, match",
    [({"cell_size": 5}, "divide"), ({"block_size": 8}, "block_size"),
     ({"cell_size": 28}, "block_size"), ({"n_bins": 1}, "n_bins")],
)
def test_feature_count_refuses_what_hog_features_refuses(params, match):
    with pytest.raises(ValueError, match=match):
        hog_feature_count(**params)


def test_numpy_scalars_are_valid_parameters():
    expected = hog_features(_bar(True), cell_size=4, n_bins=9, clip=1)
    given = hog_features(_bar(True), cell_size=np.int64(4), n_bins=np.int64(9), clip=np.int64(1))
    np.testing.assert_array_equal(given, expected)
