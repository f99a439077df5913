"""check_images: the shared image validation of every estimator."""

import warnings

import numpy as np
import pytest

from sklearn_emnist.utils import check_images


def test_integer_images_of_only_zeros_and_ones_warn():
    binary = np.zeros((2, 28, 28), dtype=np.int64)
    binary[:, 10:18, 12:16] = 1
    with pytest.warns(UserWarning, match="only 0 and 1.*nearly black"):
        images = check_images(binary)
    assert images.max() == pytest.approx(1 / 255)  # read as intensities, as documented
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert check_images(binary.astype(bool)).max() == 1.0
        assert check_images(binary.astype(np.uint8) * 255).max() == 1.0
        assert check_images(binary.astype(np.float32)).max() == 1.0


def test_complex_pixels_get_scikit_learns_error():
    with pytest.raises(ValueError, match="Complex data not supported"):
        check_images(np.zeros((1, 784), dtype=np.complex64))


def test_channels_last_images_are_accepted_like_channels_first():
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, size=(3, 28, 28), dtype=np.uint8)
    np.testing.assert_array_equal(check_images(images[..., None]), check_images(images))


def test_a_single_image_is_told_how_to_become_a_batch():
    with pytest.raises(ValueError, match=r"one image of shape \(28, 28\); pass a batch .*X\[None\]"):
        check_images(np.zeros((28, 28), dtype=np.uint8))


def test_nullable_integer_dataframes_are_read_as_integer_pixels():
    pd = pytest.importorskip("pandas")
    images = np.random.default_rng(0).integers(0, 256, size=(3, 784), dtype=np.uint8)
    frame = pd.DataFrame(images).astype("Int64")
    np.testing.assert_array_equal(check_images(frame), check_images(images))
    frame.iloc[0, 5] = pd.NA
    with pytest.raises(ValueError, match="NaN"):
        check_images(frame)


def test_nullable_float_dataframes_name_a_missing_value_as_nan():
    pd = pytest.importorskip("pandas")
    images = np.random.default_rng(0).random((3, 784))
    frame = pd.DataFrame(images).astype("Float64")
    np.testing.assert_array_equal(check_images(frame), check_images(images))
    frame.iloc[0, 5] = pd.NA  # was an object array: "must hold numeric pixel values"
    with pytest.raises(ValueError, match=r"X contains NaN values \(1 pixels\)"):
        check_images(frame)


def test_numpy_float_dataframes_keep_their_dtype():
    pd = pytest.importorskip("pandas")
    from sklearn_emnist.utils._validation import frame_to_array

    frame = pd.DataFrame(np.random.default_rng(0).random((3, 784), dtype=np.float32))
    assert frame_to_array(frame).dtype == np.float32  # not a float64 copy


def test_float_rounding_errors_around_the_pixel_range_are_clipped_not_refused():
    images = np.full((2, 28, 28), 0.5, dtype=np.float32)
    images[0, 0, 0] = np.nextafter(np.float32(1), np.float32(2))  # 1 + one float32 step
    images[1, 0, 0] = -1e-7
    checked = check_images(images)
    assert checked.min() == 0.0 and checked.max() == 1.0
    assert images[0, 0, 0] > 1  # the caller's array is unchanged


@pytest.mark.parametrize("overshoot", [1.0003, 1.05, 1.08, -0.05])
def test_resampling_overshoot_is_clipped_not_refused(overshoot):
    # a Lanczos or bicubic resize of [0, 1] images rings a little past 1 (and 0)
    images = np.full((2, 28, 28), 0.5)
    images[0, 5, 5] = overshoot
    checked = check_images(images)
    assert checked.min() >= 0.0 and checked.max() <= 1.0
    assert checked[0, 5, 5] == np.clip(overshoot, 0, 1)
    assert images[0, 5, 5] == overshoot  # the caller's array is unchanged


def test_float_pixels_a_little_further_out_get_clip_advice_not_divide_by_255():
    images = np.full((1, 28, 28), 0.5)
    images[0, 5, 5] = 1.2
    with pytest.raises(ValueError, match=r"out of range.*np\.clip\(X, 0, 1\)") as info:
        check_images(images)
    assert "divide them by 255" not in str(info.value)
    images[0, 5, 5] = 200.0  # 0..255 levels stored as floats
    with pytest.raises(ValueError, match="out of range.*divide them by 255"):
        check_images(images)
