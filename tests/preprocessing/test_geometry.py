"""Moments, slant measurement, deskewing and centring on real EMNIST letters."""

import numpy as np
import pytest

from sklearn_emnist.preprocessing import (
    center_images,
    deskew_images,
    image_moments,
    measure_skew,
)
from sklearn_emnist.preprocessing._geometry import _bounding_box_size
from tests._data import load_bench


@pytest.fixture(scope="module")
def letters():
    return load_bench("letters-here", "train", n_per_class=10, random_state=3)


def test_moments_of_a_known_shape():
    image = np.zeros((1, 28, 28), dtype=np.uint8)
    image[0, 10:13, 4:9] = 255  # 3 rows x 5 columns
    m = image_moments(image)
    assert m["mass"][0] == pytest.approx(15.0)
    assert (m["mean_x"][0], m["mean_y"][0]) == pytest.approx((6.0, 11.0))
    assert m["mu20"][0] == pytest.approx(2.0)  # variance of 4..8
    assert m["mu02"][0] == pytest.approx(2 / 3)  # variance of 10..12
    assert m["mu11"][0] == pytest.approx(0.0, abs=1e-9)


def test_blank_images_have_finite_moments_and_stay_blank():
    blank = np.zeros((2, 28, 28), dtype=np.uint8)
    m = image_moments(blank)
    assert all(np.isfinite(v).all() for v in m.values())
    assert (measure_skew(blank) == 0).all()
    assert (deskew_images(blank) == 0).all()
    assert (center_images(blank, method="box") == 0).all()


def test_skew_sign_follows_the_lean():
    right = np.zeros((1, 28, 28), dtype=np.uint8)
    for r in range(4, 24):
        right[0, r, 22 - r // 2 : 24 - r // 2] = 255  # top further right: "/"
    left = right[:, :, ::-1]  # mirrored: "\"
    assert measure_skew(right)[0] < -0.3
    assert measure_skew(left)[0] > 0.3


def test_deskewing_removes_the_slant_of_real_characters(letters):
    images, _ = letters
    before = np.abs(measure_skew(images))
    after = np.abs(measure_skew(deskew_images(images)))
    assert before.mean() > 0.1  # real handwriting is slanted
    assert after.mean() < before.mean() / 5
    slanted = before > 0.2
    assert slanted.sum() > 10
    assert np.all(after[slanted] < before[slanted])


def test_deskewing_keeps_the_ink_and_centres_the_centroid(letters):
    images, _ = letters
    out = deskew_images(images)
    assert out.shape == images.shape and out.dtype == np.float32
    ratio = out.sum(axis=(1, 2)) / (images.sum(axis=(1, 2)) / 255.0)
    assert np.median(ratio) == pytest.approx(1.0, abs=0.05)
    m = image_moments(out)
    assert np.abs(m["mean_x"] - 13.5).max() < 0.6
    assert np.abs(m["mean_y"] - 13.5).max() < 0.6


def test_deskew_without_centring_keeps_the_centroid(letters):
    images, _ = letters
    before = image_moments(images)
    after = image_moments(deskew_images(images, center=False))
    assert np.abs(after["mean_x"] - before["mean_x"]).mean() < 0.1
    assert np.abs(after["mean_y"] - before["mean_y"]).mean() < 0.1


def test_box_centring_scales_real_characters_to_the_box(letters):
    images, _ = letters
    out = center_images(images, method="box", box_size=16)
    sizes = _bounding_box_size(out)
    assert np.median(sizes) == pytest.approx(16, abs=1.5)
    assert np.median(_bounding_box_size(images / np.float32(255))) > 19


def test_geometry_rejects_bad_input():
    with pytest.raises(ValueError, match="NaN"):
        deskew_images(np.full((1, 784), np.nan))
    with pytest.raises(ValueError, match="28x28"):
        measure_skew(np.zeros((1, 30, 30)))
    with pytest.raises(ValueError, match="method"):
        center_images(np.zeros((1, 784)), method="median")


@pytest.mark.parametrize("box_size", [0, -5, 100, 2.5, True])
def test_center_images_refuses_a_box_size_the_transformer_refuses(box_size):
    with pytest.raises(ValueError, match=r"box_size must be an int in \[4, 28\]"):
        center_images(np.zeros((1, 784)), method="box", box_size=box_size)
