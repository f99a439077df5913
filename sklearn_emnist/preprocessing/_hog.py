"""Histogram-of-oriented-gradients features of character images, vectorised."""

import numbers

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from ..utils import check_images

__all__ = ["hog_features", "hog_feature_count"]


def hog_feature_count(*, image_size=28, cell_size=4, n_bins=9, block_size=2):
    """Number of features :func:`hog_features` returns for these settings.

    Settings that :func:`hog_features` refuses raise the same ``ValueError``.

    Examples
    --------
    >>> from sklearn_emnist.preprocessing import hog_feature_count
    >>> hog_feature_count()
    1296
    """
    _check_hog_grid(image_size, cell_size, n_bins, block_size)
    n_cells = image_size // cell_size
    if block_size:
        n_blocks = n_cells - block_size + 1
        return n_blocks * n_blocks * block_size * block_size * n_bins
    return n_cells * n_cells * n_bins


def _check_hog_grid(image_size, cell_size, n_bins, block_size):
    """Refuse cell, bin and block settings hog_features cannot use."""
    if not isinstance(cell_size, (int, np.integer)) or not 1 <= cell_size <= image_size:
        raise ValueError(f"cell_size must be an int in 1..{image_size}, got {cell_size!r}.")
    if image_size % cell_size:
        raise ValueError(
            f"cell_size={cell_size} does not divide the image size {image_size}; "
            "use a divisor such as 2, 4, 7 or 14."
        )
    if not isinstance(n_bins, (int, np.integer)) or n_bins < 2:
        raise ValueError(f"n_bins must be an int >= 2, got {n_bins!r}.")
    n_cells = image_size // cell_size
    if not isinstance(block_size, (int, np.integer)) or not 0 <= block_size <= n_cells:
        raise ValueError(
            f"block_size must be an int in 0..{n_cells} (0: no block normalisation), "
            f"got {block_size!r}."
        )


def _check_hog_params(image_size, cell_size, n_bins, block_size, clip):
    _check_hog_grid(image_size, cell_size, n_bins, block_size)
    if not (isinstance(clip, numbers.Real) and not isinstance(clip, bool) and 0 < clip <= 1):
        raise ValueError(f"clip must be a number in (0, 1], got {clip!r}.")


def hog_features(images, *, cell_size=4, n_bins=9, signed=False, block_size=2, clip=0.2):
    """Histogram-of-oriented-gradients (HOG) features of every image.

    Central-difference gradients; each pixel votes its gradient magnitude into
    the two nearest of ``n_bins`` orientation bins (linear interpolation) of
    its ``cell_size`` x ``cell_size`` cell. Overlapping blocks of
    ``block_size`` x ``block_size`` cells are L2-normalised and clipped at
    ``clip`` (Dalal and Triggs' L2-Hys without its second per-block
    normalisation), and the whole vector is L2-normalised, so features are
    independent of stroke intensity.

    Parameters
    ----------
    images : array-like of 28x28 images
        uint8 in 0..255 or float in [0, 1], any accepted layout.
    cell_size : int, default=4
        Cell side in pixels; must divide 28.
    n_bins : int, default=9
        Orientation bins over 180 degrees (``signed=False``) or 360.
    signed : bool, default=False
        Distinguish a gradient from its opposite (dark-to-bright from
        bright-to-dark).
    block_size : int, default=2
        Block side in cells; 0 skips block normalisation (cell histograms only).
    clip : float, default=0.2
        Clip of the normalised block values.

    Returns
    -------
    features : ndarray of shape (n_samples, n_features), float32
        ``n_features`` is :func:`hog_feature_count` (1296 by default).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_emnist.preprocessing import hog_features
    >>> images = np.zeros((2, 28, 28), dtype=np.uint8)
    >>> images[0, 4:24, 12:15] = 255  # vertical stroke: horizontal gradients
    >>> images[1, 12:15, 4:24] = 255  # horizontal stroke
    >>> features = hog_features(images)
    >>> features.shape
    (2, 1296)
    >>> bool(features[0] @ features[1] < 0.2)  # different orientations
    True
    """
    stack = check_images(images, dtype=np.float32, estimator="hog_features")
    n, h, w = stack.shape
    _check_hog_params(h, cell_size, n_bins, block_size, clip)
    n_features = hog_feature_count(
        image_size=h, cell_size=cell_size, n_bins=n_bins, block_size=block_size
    )
    features = np.empty((n, n_features), dtype=np.float32)
    # blocks of images small enough for the temporaries to stay in cache
    for start in range(0, n, _CHUNK):
        part = slice(start, min(start + _CHUNK, n))
        features[part] = _hog_block(stack[part], cell_size, n_bins, signed, block_size, clip)
    return features


_CHUNK = 512


def _cell_index(h, w, cell_size, n_bins):
    """Index of (cell row, cell column) * n_bins for every pixel, shape (h, w)."""
    n_cells_x = w // cell_size
    rows = np.arange(h) // cell_size
    cols = np.arange(w) // cell_size
    return (rows[:, None] * n_cells_x + cols[None, :]) * n_bins


def _hog_block(stack, cell_size, n_bins, signed, block_size, clip):
    n, h, w = stack.shape
    gx = np.zeros_like(stack)
    gy = np.zeros_like(stack)
    np.subtract(stack[:, :, 2:], stack[:, :, :-2], out=gx[:, :, 1:-1])
    np.subtract(stack[:, 2:, :], stack[:, :-2, :], out=gy[:, 1:-1, :])
    magnitude = np.hypot(gx, gy)
    period = 2 * np.pi if signed else np.pi
    position = np.arctan2(gy, gx)
    position %= period
    position *= n_bins / period
    position -= 0.5
    lower = np.floor(position)
    position -= lower  # weight of the upper bin
    upper_vote = magnitude * position
    magnitude -= upper_vote  # weight of the lower bin
    lower = lower.astype(np.intp)
    lower %= n_bins
    upper = lower + 1
    upper[upper == n_bins] = 0
    n_cells = (h // cell_size) * (w // cell_size)
    offset = _cell_index(h, w, cell_size, n_bins)[None] + (
        np.arange(n, dtype=np.intp) * (n_cells * n_bins)
    )[:, None, None]
    size = n * n_cells * n_bins
    cells = np.bincount((offset + lower).ravel(), weights=magnitude.ravel(), minlength=size)
    cells += np.bincount((offset + upper).ravel(), weights=upper_vote.ravel(), minlength=size)
    side = h // cell_size
    cells = cells.reshape(n, side, w // cell_size, n_bins).astype(np.float32)
    if block_size:
        blocks = sliding_window_view(cells, (block_size, block_size), axis=(1, 2))
        # (n, block row, block col, bins, b, b) -> (n, n_blocks, values per block)
        blocks = blocks.reshape(n, -1, n_bins * block_size * block_size)
        norms = np.linalg.norm(blocks, axis=2, keepdims=True)
        blocks = np.minimum(blocks / (norms + 1e-6), clip)
        features = blocks.reshape(n, -1)
    else:
        features = cells.reshape(n, -1)
    features /= np.linalg.norm(features, axis=1, keepdims=True) + 1e-6
    return features
