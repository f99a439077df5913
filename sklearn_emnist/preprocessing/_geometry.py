"""Moment-based geometry of character images: slant, deskewing, centring.

All functions work on a whole stack at once (no Python loop over images) and
resample with the bilinear warp shared with the augmentation code.
"""

import numbers

import numpy as np

from ..augmentation._affine import warp_affine
from ..utils import IMAGE_SHAPE, check_images

__all__ = ["image_moments", "measure_skew", "deskew_images", "center_images"]

# a |skew| beyond this is a degenerate moment estimate (a dot, a bar), not a slant
_MAX_SKEW = 1.0


def image_moments(images):
    """Ink mass, centroid and central second moments of every image.

    Parameters
    ----------
    images : array-like of 28x28 images
        Any layout accepted by :func:`sklearn_emnist.utils.check_images`.

    Returns
    -------
    moments : dict of ndarray of shape (n_samples,)
        ``mass`` (sum of intensities in [0, 1] units), ``mean_x``, ``mean_y``
        (centroid, pixels from the top-left corner; the image centre for a
        blank image), ``mu20``, ``mu02``, ``mu11`` (variance along x, along y,
        covariance; x to the right, y down).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_emnist.preprocessing import image_moments
    >>> image = np.zeros((1, 28, 28), dtype=np.uint8)
    >>> image[0, 10, 5] = 255
    >>> m = image_moments(image)
    >>> float(m["mean_x"][0]), float(m["mean_y"][0])
    (5.0, 10.0)
    """
    stack = check_images(images, dtype=np.float64, estimator="image_moments")
    return _moments(stack)


def _moments(stack):
    n, h, w = stack.shape
    xs = np.arange(w, dtype=np.float64)
    ys = np.arange(h, dtype=np.float64)
    col = stack.sum(axis=1)  # (n, w): ink per column
    row = stack.sum(axis=2)  # (n, h): ink per row
    mass = col.sum(axis=1)
    safe = np.where(mass > 0, mass, 1.0)
    mean_x = np.where(mass > 0, col @ xs / safe, (w - 1) / 2.0)
    mean_y = np.where(mass > 0, row @ ys / safe, (h - 1) / 2.0)
    mu20 = col @ xs**2 / safe - mean_x**2
    mu02 = row @ ys**2 / safe - mean_y**2
    mu11 = np.einsum("nij,i,j->n", stack, ys, xs) / safe - mean_x * mean_y
    zero = mass <= 0
    mu20[zero] = mu02[zero] = mu11[zero] = 0.0
    return {
        "mass": mass,
        "mean_x": mean_x,
        "mean_y": mean_y,
        "mu20": np.maximum(mu20, 0.0),
        "mu02": np.maximum(mu02, 0.0),
        "mu11": mu11,
    }


def _skew(moments):
    mu02 = moments["mu02"]
    skew = np.divide(moments["mu11"], mu02, out=np.zeros_like(mu02), where=mu02 > 1e-6)
    return np.clip(skew, -_MAX_SKEW, _MAX_SKEW)


def measure_skew(images):
    """Slant of every image: the moment ratio ``mu11 / mu02``.

    The horizontal shift of the ink per pixel downwards: 0 for an upright
    character, negative for a character leaning to the right (its top is
    further right; y points down), positive for one leaning left. Clipped to
    [-1, 1] (degenerate moments of dots and bars).

    Parameters
    ----------
    images : array-like of 28x28 images

    Returns
    -------
    skew : ndarray of shape (n_samples,)

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_emnist.preprocessing import measure_skew
    >>> image = np.zeros((1, 28, 28), dtype=np.uint8)
    >>> for r in range(6, 22):
    ...     image[0, r, 20 - r // 2 : 22 - r // 2] = 255  # a "/" stroke
    >>> bool(measure_skew(image)[0] < -0.3)
    True
    """
    return _skew(image_moments(images))


def deskew_images(images, *, center=True):
    """Remove the slant of every image by a horizontal shear about its centroid.

    The classic MNIST trick: the shear ``x -> x - skew * (y - mean_y)`` makes
    the ink's principal axis vertical (``mu11 = 0``), with ``skew`` from
    :func:`measure_skew`.

    Parameters
    ----------
    images : array-like of 28x28 images
        uint8 in 0..255 or float in [0, 1], any accepted layout.
    center : bool, default=True
        Also move the centroid to the image centre.

    Returns
    -------
    deskewed : ndarray of shape (n_samples, 28, 28), float32 in [0, 1]

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_emnist.preprocessing import deskew_images, measure_skew
    >>> image = np.zeros((1, 28, 28), dtype=np.uint8)
    >>> for r in range(6, 22):
    ...     image[0, r, 20 - r // 2 : 22 - r // 2] = 255
    >>> straight = deskew_images(image)
    >>> bool(abs(measure_skew(straight)[0]) < 0.05)
    True
    """
    stack = check_images(images, dtype=np.float32, estimator="deskew_images")
    return _warp_by_moments(stack, deskew=True, center=center, box=None)


def center_images(images, *, method="mass", box_size=20):
    """Re-frame every image: centroid to the centre, optionally scaled to a box.

    Parameters
    ----------
    images : array-like of 28x28 images
    method : {"mass", "box"}, default="mass"
        ``"mass"`` shifts each image so its centre of mass lies at the image
        centre. ``"box"`` also scales it (about its centroid) so that the
        longer side of its ink's bounding box is ``box_size`` pixels, as
        MNIST was built (20-pixel box, centre of mass at the centre).
    box_size : int, default=20
        Target bounding-box size for ``method="box"``.

    Returns
    -------
    centred : ndarray of shape (n_samples, 28, 28), float32 in [0, 1]

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_emnist.preprocessing import center_images, image_moments
    >>> image = np.zeros((1, 28, 28), dtype=np.uint8)
    >>> image[0, 2:6, 3:7] = 255  # ink in the top-left corner
    >>> m = image_moments(center_images(image))
    >>> round(float(m["mean_x"][0]), 2), round(float(m["mean_y"][0]), 2)
    (13.5, 13.5)
    """
    if method not in ("mass", "box"):
        raise ValueError(f"method must be 'mass' or 'box', got {method!r}.")
    side = IMAGE_SHAPE[0]
    if not (isinstance(box_size, numbers.Integral) and not isinstance(box_size, bool)
            and 4 <= box_size <= side):
        raise ValueError(f"box_size must be an int in [4, {side}] (pixels), got {box_size!r}.")
    stack = check_images(images, dtype=np.float32, estimator="center_images")
    return _warp_by_moments(
        stack, deskew=False, center=True, box=box_size if method == "box" else None
    )


def _bounding_box_size(stack, threshold=0.1):
    """Longer side (pixels) of the bounding box of pixels above ``threshold``."""
    ink = stack > threshold
    rows = ink.any(axis=2)
    cols = ink.any(axis=1)
    h, w = stack.shape[1:]

    def extent(mask, size):
        first = np.argmax(mask, axis=1)
        last = size - 1 - np.argmax(mask[:, ::-1], axis=1)
        return np.where(mask.any(axis=1), last - first + 1, 0)

    return np.maximum(extent(rows, h), extent(cols, w))


def _warp_by_moments(stack, *, deskew, center, box):
    """One resampling that deskews, centres and/or scales each image."""
    n, h, w = stack.shape
    moments = _moments(stack)
    cx, cy = (w - 1) / 2.0, (h - 1) / 2.0
    skew = _skew(moments) if deskew else np.zeros(n)
    if box is not None:
        size = _bounding_box_size(stack)
        # input pixels per output pixel; blank images stay as they are
        zoom_inv = np.where(size > 0, size / float(box), 1.0)
        zoom_inv = np.clip(zoom_inv, 0.25, 4.0)
    else:
        zoom_inv = np.ones(n)
    # output p (relative to the centre) samples input q = A p + b with
    # A = zoom_inv * [[1, skew], [0, 1]]: a shear that undoes the slant, and a zoom
    mean_x, mean_y = moments["mean_x"], moments["mean_y"]
    a00 = zoom_inv
    a01 = zoom_inv * skew
    a10 = np.zeros(n)
    a11 = zoom_inv
    if center:  # the output centre samples the input centroid
        bx, by = mean_x, mean_y
    else:  # the centroid stays where it is: q(m - c) = m
        bx = mean_x - (a00 * (mean_x - cx) + a01 * (mean_y - cy))
        by = mean_y - a11 * (mean_y - cy)
    shape = (n, 1, 1)
    return warp_affine(
        stack,
        tuple(v.reshape(shape) for v in (a00, a01, a10, a11)),
        (np.reshape(bx, shape), np.reshape(by, shape)),
    )
