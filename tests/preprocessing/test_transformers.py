"""The image transformers as scikit-learn transformers, on real EMNIST letters."""

import pickle

import numpy as np
import pytest
import scipy.sparse
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.pipeline import make_pipeline

from sklearn_emnist.preprocessing import (
    Deskewer,
    HOGFeatures,
    ImageCenterer,
    ImageReshaper,
    PixelScaler,
    measure_skew,
)
from tests._data import load_bench

FLAT_TRANSFORMERS = [
    PixelScaler(),
    PixelScaler(method="standard"),
    PixelScaler(method="per_image"),
    PixelScaler(method="l2"),
    ImageReshaper(),
    Deskewer(),
    Deskewer(center=False),
    ImageCenterer(),
    ImageCenterer(method="box"),
    HOGFeatures(),
]
IDS = [repr(t) for t in FLAT_TRANSFORMERS]


@pytest.fixture(scope="module")
def letters():
    images, labels = load_bench("letters-here", "train", n_per_class=4, random_state=4)
    return images, labels


@pytest.mark.parametrize("transformer", FLAT_TRANSFORMERS, ids=IDS)
def test_every_layout_and_pixel_type_gives_the_same_rows(transformer, letters):
    images, _ = letters
    n = len(images)
    reference = clone(transformer).fit_transform(images)
    assert reference.ndim == 2 and len(reference) == n
    assert reference.dtype == np.float32
    assert np.isfinite(reference).all()
    for X in (images.reshape(n, -1), images[:, None], images / np.float32(255), images / 255.0):
        np.testing.assert_allclose(
            clone(transformer).fit_transform(X), reference, rtol=1e-4, atol=1e-5
        )


@pytest.mark.parametrize("transformer", FLAT_TRANSFORMERS, ids=IDS)
def test_feature_names_and_pandas_output(transformer, letters):
    pd = pytest.importorskip("pandas")
    images, _ = letters
    fitted = clone(transformer).set_output(transform="pandas").fit(images)
    frame = fitted.transform(images)
    assert isinstance(frame, pd.DataFrame)
    names = fitted.get_feature_names_out()
    assert list(frame.columns) == list(names)
    assert len(names) == frame.shape[1]


def test_dataframe_column_names_are_remembered_and_checked(letters):
    pd = pytest.importorskip("pandas")
    images, _ = letters
    columns = [f"px{i}" for i in range(784)]
    frame = pd.DataFrame(images.reshape(len(images), -1), columns=columns)
    deskewer = Deskewer().fit(frame)
    assert list(deskewer.feature_names_in_) == columns
    assert list(deskewer.get_feature_names_out()) == columns
    with pytest.raises(ValueError, match="feature names"):
        deskewer.transform(frame.rename(columns={"px0": "other"}))


@pytest.mark.parametrize("transformer", FLAT_TRANSFORMERS, ids=IDS)
def test_pickle_and_clone_keep_behaviour(transformer, letters):
    images, _ = letters
    fitted = clone(transformer).fit(images)
    restored = pickle.loads(pickle.dumps(fitted))
    np.testing.assert_array_equal(restored.transform(images), fitted.transform(images))
    assert clone(fitted).get_params() == fitted.get_params()


@pytest.mark.parametrize("transformer", FLAT_TRANSFORMERS, ids=IDS)
def test_fit_returns_self_and_leaves_its_parameters_unchanged(transformer, letters):
    # what check_estimators_fit_returns_self / _overwrite_params would test on images
    images, _ = letters
    estimator = clone(transformer)
    before = estimator.get_params()
    assert estimator.fit(images) is estimator
    assert estimator.get_params() == before


@pytest.mark.parametrize("transformer", FLAT_TRANSFORMERS, ids=IDS)
def test_output_never_shares_memory_with_the_input(transformer, letters):
    images, _ = letters
    for X in (images.reshape(len(images), -1) / np.float32(255), images.copy()):
        before = X.copy()
        out = clone(transformer).fit_transform(X)
        assert not np.shares_memory(out, X)
        out[...] = 0.5  # writable, and writing it leaves the caller's images alone
        np.testing.assert_array_equal(X, before)


@pytest.mark.parametrize("transformer", FLAT_TRANSFORMERS, ids=IDS)
def test_rows_are_transformed_independently(transformer, letters):
    images, _ = letters
    fitted = clone(transformer).fit(images)
    whole = fitted.transform(images)
    order = np.random.default_rng(0).permutation(len(images))
    np.testing.assert_allclose(fitted.transform(images[order]), whole[order], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(fitted.transform(images[:3]), whole[:3], rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("transformer", FLAT_TRANSFORMERS, ids=IDS)
def test_bad_input_gives_a_clear_error(transformer, letters):
    images, _ = letters
    with pytest.raises(NotFittedError):
        clone(transformer).transform(images)
    fitted = clone(transformer).fit(images)
    bad_inputs = [
        (np.full((2, 784), np.nan), ValueError, "NaN"),
        (np.zeros((2, 783)), ValueError, "28x28"),
        (-np.ones((2, 28, 28)), ValueError, "out of range"),
        (np.full((2, 784), "x"), TypeError, "numeric"),
        (np.zeros((2, 784), dtype=complex), ValueError, "Complex data not supported"),
        (scipy.sparse.csr_matrix(np.zeros((2, 784))), TypeError, "sparse"),
    ]
    for X, error, match in bad_inputs:
        with pytest.raises(error, match=match):
            fitted.transform(X)
        with pytest.raises(error, match=match):
            clone(transformer).fit(X)


def test_invalid_parameters_are_reported():
    with pytest.raises(ValueError, match="method"):
        PixelScaler(method="minmax").fit(np.zeros((1, 784)))
    with pytest.raises(ValueError, match="layout"):
        ImageReshaper(layout="nhwc").fit(np.zeros((1, 784)))
    with pytest.raises(ValueError, match="cell_size"):
        HOGFeatures(cell_size=5).fit(np.zeros((1, 784)))


def test_pixel_scaler_methods_do_what_they_say(letters):
    images, _ = letters
    unit = PixelScaler().fit_transform(images)
    np.testing.assert_allclose(unit, images.reshape(len(images), -1) / 255.0, atol=1e-6)
    scaler = PixelScaler(method="standard").fit(images)
    standard = scaler.transform(images)
    varying = scaler.scale_ != 1.0
    np.testing.assert_allclose(standard[:, varying].mean(axis=0), 0.0, atol=1e-4)
    np.testing.assert_allclose(standard[:, varying].std(axis=0), 1.0, atol=1e-3)
    per_image = PixelScaler(method="per_image").fit_transform(images)
    np.testing.assert_allclose(per_image.mean(axis=1), 0.0, atol=1e-5)
    np.testing.assert_allclose(per_image.std(axis=1), 1.0, atol=1e-4)
    l2 = PixelScaler(method="l2").fit_transform(images)
    np.testing.assert_allclose(np.linalg.norm(l2, axis=1), 1.0, atol=1e-5)
    # refitting with another method forgets the learned statistics
    assert not hasattr(scaler.set_params(method="unit").fit(images), "mean_")


def test_reshaper_layouts_round_trip_exactly(letters):
    images, _ = letters
    as_uint8 = ImageReshaper(layout="image", dtype="uint8").fit_transform(images.reshape(-1, 784))
    np.testing.assert_array_equal(as_uint8, images)
    channels = ImageReshaper(layout="channels_first").fit_transform(images)
    assert channels.shape == (len(images), 1, 28, 28) and channels.dtype == np.float32
    back = ImageReshaper(dtype="uint8").fit_transform(channels)
    np.testing.assert_array_equal(back, images.reshape(len(images), -1))
    assert ImageReshaper(dtype="float64").fit_transform(images).dtype == np.float64


def test_deskewer_in_a_pipeline_straightens_real_letters(letters):
    images, _ = letters
    pipe = make_pipeline(Deskewer(), ImageReshaper(layout="image"))
    straight = pipe.fit_transform(images)
    assert straight.shape == images.shape
    assert np.abs(measure_skew(straight)).mean() < np.abs(measure_skew(images)).mean() / 5


@pytest.mark.parametrize("layout", ["image", "channels_first"])
def test_reshaper_says_why_image_layouts_have_no_pandas_output(letters, layout):
    pytest.importorskip("pandas")
    images, _ = letters
    reshaper = ImageReshaper(layout=layout).set_output(transform="pandas")
    with pytest.raises(ValueError, match="cannot turn into a DataFrame; use layout='flat'"):
        reshaper.fit_transform(images)
