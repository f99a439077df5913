"""Tests of the vectorised random affine augmentation on real EMNIST images."""

import numpy as np
import pytest

from sklearn_emnist.augmentation import random_affine
from tests._data import load_bench


@pytest.fixture(scope="module")
def letters():
    images, labels = load_bench("letters-here", "train", n_per_class=8, random_state=1)
    return images, labels


def _orientation_degrees(images):
    """Angle of each image's principal axis from the vertical, by second moments."""
    images = images.astype(np.float64)
    ys, xs = np.mgrid[0:28, 0:28]
    mass = images.sum(axis=(1, 2))
    mx = (images * xs).sum(axis=(1, 2)) / mass
    my = (images * ys).sum(axis=(1, 2)) / mass
    dx = xs[None] - mx[:, None, None]
    dy = ys[None] - my[:, None, None]
    mu20 = (images * dx**2).sum(axis=(1, 2)) / mass
    mu02 = (images * dy**2).sum(axis=(1, 2)) / mass
    mu11 = (images * dx * dy).sum(axis=(1, 2)) / mass
    return np.rad2deg(0.5 * np.arctan2(2 * mu11, mu02 - mu20))


def test_keeps_shape_and_dtype_for_every_layout(letters):
    images, _ = letters
    for X in (images, images.reshape(len(images), -1), images[:, None]):
        out = random_affine(X, random_state=0)
        assert out.shape == X.shape
        assert out.dtype == np.uint8
    for dtype in (np.float32, np.float64):
        X = images.astype(dtype) / 255
        out = random_affine(X, random_state=0)
        assert out.dtype == dtype and out.shape == X.shape
        assert out.min() >= 0.0 and out.max() <= 1.0


@pytest.mark.parametrize("column_dtype", ["uint8", "UInt8", "Int64"])
def test_a_dataframe_of_integer_pixels_is_warped_as_its_array(letters, column_dtype):
    pd = pytest.importorskip("pandas")
    images, _ = letters
    flat = images.reshape(len(images), -1)
    frame = pd.DataFrame(flat).astype(column_dtype)  # nullable columns included
    out = random_affine(frame, random_state=0)
    expected = random_affine(flat.astype(column_dtype.lower()), random_state=0)
    assert out.dtype == expected.dtype
    np.testing.assert_array_equal(out, expected)


def test_zero_ranges_give_the_identity(letters):
    images, _ = letters
    out = random_affine(images, rotation=0, shift=0, scale=(1, 1), shear=0, random_state=0)
    np.testing.assert_array_equal(out, images)


def test_whole_pixel_shift_moves_every_pixel_exactly(letters):
    images, _ = letters
    out = random_affine(images, rotation=0, shift=(1, 1), scale=(1, 1), shear=0)
    np.testing.assert_array_equal(out[:, 1:, 1:], images[:, :-1, :-1])
    assert (out[:, 0, :] == 0).all() and (out[:, :, 0] == 0).all()


def test_fixed_rotation_turns_real_characters_by_that_angle(letters):
    images, _ = letters
    # characters with a clear principal axis, so that the angle is well defined
    before = _orientation_degrees(images)
    out = random_affine(images, rotation=(12, 12), shift=0, scale=(1, 1), shear=0)
    after = _orientation_degrees(out)
    turn = (after - before + 90) % 180 - 90
    # y points down: an anticlockwise turn on screen is a negative angle here
    assert abs(np.median(np.abs(turn)) - 12) < 3


def test_random_state_reproduces_and_each_image_gets_its_own_transform(letters):
    images, _ = letters
    a = random_affine(images, random_state=3)
    b = random_affine(images, random_state=3)
    c = random_affine(images, random_state=4)
    np.testing.assert_array_equal(a, b)
    assert (a != c).any()
    same = np.repeat(images[:1], 6, axis=0)
    out = random_affine(same, random_state=0)
    assert len({o.tobytes() for o in out}) == 6


def test_default_distortion_is_bounded_on_real_characters(letters):
    images, _ = letters
    out = random_affine(images, random_state=0)
    ink_in = images.astype(np.float64).sum(axis=(1, 2))
    ink_out = out.astype(np.float64).sum(axis=(1, 2))
    ratio = ink_out / ink_in
    # scale 0.9..1.1 changes the ink area by 0.81..1.21; a little may leave the frame
    assert ratio.min() > 0.7 and ratio.max() < 1.3
    # augmented images stay closer to their source than to other images
    flat_in = images.reshape(len(images), -1).astype(np.float64)
    flat_out = out.reshape(len(out), -1).astype(np.float64)
    d_self = np.linalg.norm(flat_out - flat_in, axis=1)
    d_other = np.linalg.norm(flat_out - np.roll(flat_in, 1, axis=0), axis=1)
    assert np.mean(d_self < d_other) > 0.8


def test_elastic_warp_is_reproducible_and_mild(letters):
    images, _ = letters
    kw = dict(rotation=0, shift=0, scale=(1, 1), shear=0, elastic=(1.0, 3.0))
    a = random_affine(images, random_state=0, **kw)
    b = random_affine(images, random_state=0, **kw)
    np.testing.assert_array_equal(a, b)
    assert (a != images).any()
    ratio = a.astype(float).sum() / images.astype(float).sum()
    assert 0.9 < ratio < 1.1


@pytest.mark.parametrize(
    "bad, error, match",
    [
        (np.full((2, 28, 28), np.nan), ValueError, "NaN"),
        (np.zeros((2, 27, 27)), ValueError, "28x28"),
        (-np.ones((2, 784)), ValueError, "out of range"),
        (np.full((2, 784), "a"), TypeError, "numeric"),
    ],
)
def test_bad_images_give_a_clear_error(bad, error, match):
    with pytest.raises(error, match=match):
        random_affine(bad)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"rotation": 90}, "character-safe"),
        ({"rotation": -1}, ">= 0"),
        ({"shift": (3, 1)}, "low <= high"),
        ({"scale": (0, 1)}, "0 < low"),
        ({"shear": "big"}, "shear must be"),
        ({"elastic": 3}, "elastic must be"),
        ({"random_state": "seed"}, "random_state"),
    ],
)
def test_bad_ranges_give_a_clear_error(kwargs, match):
    with pytest.raises(ValueError, match=match):
        random_affine(np.zeros((1, 28, 28), dtype=np.uint8), **kwargs)
