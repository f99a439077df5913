"""Vectorised random affine (and optional elastic) distortion of image stacks.

One random transform per image, all images at once: the inverse affine
coordinates of the whole stack are computed with broadcasting and sampled with
one bilinear gather, so there is no Python loop over images. This module needs
only numpy (scipy is imported only for elastic distortion), so the neural
estimators can use it without importing scikit-learn or imbalanced-learn.
"""

import numbers

import numpy as np

from ..utils import check_images
from ..utils._validation import frame_to_array

__all__ = ["random_affine", "DEFAULT_AFFINE"]

#: Character-safe defaults of :func:`random_affine` (documented there).
DEFAULT_AFFINE = {
    "rotation": 10.0,
    "shift": 2.0,
    "scale": (0.9, 1.1),
    "shear": 0.2,
    "elastic": None,
}

# Hard limits that keep a transform from changing a character's identity:
# beyond about 30 degrees 6/9, d/p, n/u and M/W start to swap, and a
# 28x28 glyph shifted by more than a third of the frame falls off it.
_MAX_ROTATION = 45.0
_MAX_SHIFT = 10.0
_MAX_SHEAR = 1.0
_SCALE_LIMITS = (0.5, 2.0)
# images warped per block: bounds temporary memory (about 30 MB) for any stack size
_CHUNK = 2048


def _check_random_state(random_state):
    """A numpy random generator from None, an int, a RandomState or a Generator."""
    if random_state is None or isinstance(random_state, (numbers.Integral, np.integer)):
        return np.random.default_rng(random_state)
    if isinstance(random_state, (np.random.Generator, np.random.RandomState)):
        return random_state
    raise ValueError(
        f"random_state must be None, an int, a numpy RandomState or Generator; "
        f"got {random_state!r}."
    )


def _symmetric_range(value, name, limit):
    """(low, high) from a bound ``b`` (meaning [-b, b]) or a (low, high) pair."""
    if isinstance(value, (numbers.Real, np.number)) and not isinstance(value, bool):
        value = float(value)
        if not np.isfinite(value) or value < 0:
            raise ValueError(f"{name} must be a finite number >= 0, got {value!r}.")
        low, high = -value, value
    else:
        try:
            low, high = (float(v) for v in value)
        except (TypeError, ValueError):
            raise ValueError(
                f"{name} must be a number b (sampled from [-b, b]) or a pair (low, high); "
                f"got {value!r}."
            ) from None
        if not (np.isfinite(low) and np.isfinite(high)) or low > high:
            raise ValueError(f"{name} must be a finite pair with low <= high, got {value!r}.")
    if max(abs(low), abs(high)) > limit:
        raise ValueError(
            f"{name}={value!r} exceeds the character-safe limit {limit}; larger distortions "
            "change what a character reads as (6 <-> 9, d <-> p)."
        )
    return low, high


def _scale_range(value):
    if isinstance(value, (numbers.Real, np.number)) and not isinstance(value, bool):
        value = float(value)
        if not np.isfinite(value) or value < 0 or value >= 1:
            raise ValueError(
                f"scale as a number d means [1 - d, 1 + d] and needs 0 <= d < 1; got {value!r}."
            )
        low, high = 1.0 - value, 1.0 + value
    else:
        try:
            low, high = (float(v) for v in value)
        except (TypeError, ValueError):
            raise ValueError(
                f"scale must be a number d (factor in [1 - d, 1 + d]) or a pair (low, high); "
                f"got {value!r}."
            ) from None
        if not (np.isfinite(low) and np.isfinite(high)) or not 0 < low <= high:
            raise ValueError(f"scale must be a pair 0 < low <= high, got {value!r}.")
    if low < _SCALE_LIMITS[0] or high > _SCALE_LIMITS[1]:
        raise ValueError(
            f"scale={value!r} is outside the character-safe limits {_SCALE_LIMITS}."
        )
    return low, high


def _elastic_params(value):
    if value is None:
        return None
    try:
        alpha, sigma = (float(v) for v in value)
    except (TypeError, ValueError):
        raise ValueError(
            f"elastic must be None or a pair (alpha, sigma) in pixels, e.g. (1.0, 3.0); "
            f"got {value!r}."
        ) from None
    if not (np.isfinite(alpha) and np.isfinite(sigma)) or alpha < 0 or sigma <= 0:
        raise ValueError(f"elastic needs alpha >= 0 and sigma > 0, got {value!r}.")
    return alpha, sigma


def check_affine_params(*, rotation, shift, scale, shear, elastic):
    """Check the distortion ranges; return them as (low, high) pairs.

    Raises a ValueError naming the parameter when a range is malformed or
    wide enough to turn one character into another.
    """
    return (
        _symmetric_range(rotation, "rotation", _MAX_ROTATION),
        _symmetric_range(shift, "shift", _MAX_SHIFT),
        _scale_range(scale),
        _symmetric_range(shear, "shear", _MAX_SHEAR),
        _elastic_params(elastic),
    )


def _inverse_matrices(rng, n, rotation, scale, shear):
    """Per-image inverse of M = R(theta) @ Shear(k) @ S(s), in (x, y) coordinates."""
    theta = np.deg2rad(rng.uniform(*rotation, size=n))
    s = rng.uniform(*scale, size=n)
    k = rng.uniform(*shear, size=n)
    cos, sin = np.cos(theta), np.sin(theta)
    # M = [[cos, -sin], [sin, cos]] @ [[1, k], [0, 1]] @ [[s, 0], [0, s]]
    m00, m01 = cos * s, (cos * k - sin) * s
    m10, m11 = sin * s, (sin * k + cos) * s
    det = m00 * m11 - m01 * m10  # = s**2 > 0
    return m11 / det, -m01 / det, -m10 / det, m00 / det


def _bilinear(images, qx, qy):
    """Sample ``images`` (n, h, w) float32 at float coordinates, 0 outside.

    In-place arithmetic keeps the number of temporaries (and page faults) low.
    """
    n, h, w = images.shape
    width = w + 2
    padded = np.zeros((n, h + 2, width), dtype=np.float32)
    padded[:, 1:-1, 1:-1] = images
    # padded index = coordinate + 1; clipping onto the zero border gives 0 outside
    px = np.clip(qx, -1.0, w, dtype=np.float32)
    px += 1.0
    py = np.clip(qy, -1.0, h, dtype=np.float32)
    py += 1.0
    floor = np.minimum(np.floor(px), w)
    x0 = floor.astype(np.intp)
    px -= floor  # fraction along x, in float32
    np.minimum(np.floor(py, out=floor), h, out=floor)
    index = floor.astype(np.intp)
    py -= floor  # fraction along y
    index *= width
    index += x0
    index += (np.arange(n, dtype=np.intp) * ((h + 2) * width))[:, None, None]
    flat = padded.reshape(-1)
    v00 = flat.take(index)
    index += 1
    v01 = flat.take(index)
    index += width
    v11 = flat.take(index)
    index -= 1
    v10 = flat.take(index)
    v01 -= v00
    v01 *= px
    v00 += v01  # top row
    v11 -= v10
    v11 *= px
    v10 += v11  # bottom row
    v10 -= v00
    v10 *= py
    v00 += v10
    return v00


def random_affine(
    images,
    *,
    rotation=DEFAULT_AFFINE["rotation"],
    shift=DEFAULT_AFFINE["shift"],
    scale=DEFAULT_AFFINE["scale"],
    shear=DEFAULT_AFFINE["shear"],
    elastic=DEFAULT_AFFINE["elastic"],
    random_state=None,
):
    """Apply one random affine transform (and optional elastic warp) per image.

    Every image gets its own rotation, shift, scale and shear about the image
    centre, drawn uniformly from the given ranges; the whole stack is warped in
    one vectorised bilinear resampling (no Python loop over images). Pixels
    that come from outside the frame are background (0). There are no flips:
    a mirrored character is a different character (b/d, p/q).

    Parameters
    ----------
    images : array-like of shape (n_samples, 28, 28), (n_samples, 784) or \
            (n_samples, 1, 28, 28)
        uint8 pixels in 0..255 or float pixels in [0, 1] (validated with
        :func:`sklearn_emnist.utils.check_images`).
    rotation : float or (float, float), default=10.0
        Rotation in degrees, sampled from ``[-rotation, rotation]`` (or from
        ``(low, high)``). Limited to 45 degrees; 10 keeps 6/9, d/p, n/u apart.
    shift : float or (float, float), default=2.0
        Translation in pixels, drawn independently for x and y from
        ``[-shift, shift]``. Limited to 10 pixels.
    scale : (float, float) or float, default=(0.9, 1.1)
        Isotropic zoom factor range; a number ``d`` means ``(1 - d, 1 + d)``.
        Limited to [0.5, 2].
    shear : float or (float, float), default=0.2
        Horizontal shear ratio (x += shear * y, i.e. the tangent of the slant
        angle; 0.2 is about 11 degrees of slant), sampled from
        ``[-shear, shear]``. Limited to 1.
    elastic : (float, float) or None, default=None
        ``(alpha, sigma)`` of an elastic distortion (Simard et al., 2003):
        a random displacement field smoothed by a Gaussian of width ``sigma``
        pixels, rescaled to a root-mean-square displacement of ``alpha``
        pixels per axis. ``None`` turns it off. Try ``(1.0, 3.0)`` for a mild
        warp.
    random_state : int, numpy Generator or RandomState, default=None
        Seed for reproducible transforms.

    Returns
    -------
    augmented : ndarray
        Same shape and dtype as ``images`` (uint8 stays uint8, rounded;
        float stays float, clipped to [0, 1]).

    Raises
    ------
    ValueError
        On invalid images (NaN, wrong size, pixels out of range) or ranges
        beyond the character-safe limits.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_emnist.augmentation import random_affine
    >>> images = np.zeros((4, 28, 28), dtype=np.uint8)
    >>> images[:, 8:20, 12:16] = 255  # a vertical bar, like an "l"
    >>> out = random_affine(images, random_state=0)
    >>> out.shape, out.dtype
    ((4, 28, 28), dtype('uint8'))
    >>> bool((out != images).any())
    True
    >>> same = random_affine(images, rotation=0, shift=0, scale=(1, 1), shear=0)
    >>> bool((same == images).all())
    True
    """
    rotation, shift, scale, shear, elastic = check_affine_params(
        rotation=rotation, shift=shift, scale=scale, shear=shear, elastic=elastic
    )
    rng = _check_random_state(random_state)

    images = frame_to_array(images)  # a DataFrame's dtype is its columns'
    in_shape = np.shape(images)
    in_dtype = getattr(images, "dtype", None)
    in_dtype = np.asarray(images).dtype if in_dtype is None else np.dtype(in_dtype)
    integer = in_dtype.kind in "uib"
    # validate once; integers stay uint8 (no float copy of the whole stack)
    stack = check_images(
        images, dtype=np.uint8 if integer else np.float32, estimator="random_affine"
    )
    n, h, w = stack.shape

    # draw every image's transform first, so the result does not depend on chunking
    a00, a01, a10, a11 = (
        v.astype(np.float32)[:, None, None]
        for v in _inverse_matrices(rng, n, rotation, scale, shear)
    )
    tx = rng.uniform(*shift, size=n).astype(np.float32)[:, None, None]
    ty = rng.uniform(*shift, size=n).astype(np.float32)[:, None, None]
    cy, cx = (h - 1) / 2.0, (w - 1) / 2.0
    # q = A^-1 (p - c - t) + c = A^-1 (p - c) + (c - A^-1 t)
    bx = cx - a00 * tx - a01 * ty
    by = cy - a10 * tx - a11 * ty
    warp = warp_affine(
        stack,
        (a00, a01, a10, a11),
        (bx, by),
        rng=rng if elastic is not None else None,
        elastic=elastic,
        integer=integer,
        out_dtype=np.uint8 if integer else in_dtype,
    )
    if in_dtype.kind == "b":
        warp = warp >= 128
    elif integer and in_dtype != np.uint8:
        warp = warp.astype(in_dtype)
    return warp.reshape(in_shape)


def warp_affine(
    stack, inverse, offset, *, rng=None, elastic=None, integer=False, out_dtype=np.float32
):
    """Resample every image of a stack through its own affine map (private helper).

    Output pixel ``p = (x, y)`` (relative to the image centre) takes its value
    from input position ``q = inverse @ p + offset`` (absolute pixel
    coordinates), by bilinear interpolation, 0 outside the frame. Processed in
    blocks of ``_CHUNK`` images so temporary memory stays bounded.

    Parameters
    ----------
    stack : ndarray of shape (n, h, w)
        uint8 (0..255) or float images.
    inverse : tuple of four arrays of shape (n, 1, 1)
        ``a00, a01, a10, a11`` of each image's inverse matrix.
    offset : tuple of two arrays of shape (n, 1, 1)
        ``bx, by``.
    rng, elastic : optional
        Random generator and ``(alpha, sigma)`` of an elastic warp.
    integer : bool
        Round and clip the result to 0..255 (else clip to [0, 1]).
    out_dtype : dtype

    Returns
    -------
    ndarray of shape (n, h, w) and dtype ``out_dtype``
    """
    a00, a01, a10, a11 = (np.asarray(v, dtype=np.float32) for v in inverse)
    bx, by = (np.asarray(v, dtype=np.float32) for v in offset)
    n, h, w = stack.shape
    cy, cx = (h - 1) / 2.0, (w - 1) / 2.0
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    xs -= cx
    ys -= cy
    out = np.empty((n, h, w), dtype=out_dtype)
    for start in range(0, n, _CHUNK):
        part = slice(start, min(start + _CHUNK, n))
        qx = a00[part] * xs
        qx += a01[part] * ys
        qx += bx[part]
        qy = a10[part] * xs
        qy += a11[part] * ys
        qy += by[part]
        if elastic is not None:
            qx, qy = _elastic_warp(rng, qx, qy, *elastic)
        warped = _bilinear(stack[part].astype(np.float32), qx, qy)
        if integer:
            np.rint(warped, out=warped)
            np.clip(warped, 0, 255, out=warped)
        else:
            np.clip(warped, 0.0, 1.0, out=warped)
        out[part] = warped
    return out


def _elastic_warp(rng, qx, qy, alpha, sigma):
    """Add a smooth random displacement field (RMS ``alpha`` pixels) to the coordinates."""
    from scipy.ndimage import gaussian_filter

    fields = rng.uniform(-1.0, 1.0, size=(2, *qx.shape)).astype(np.float32)
    fields = gaussian_filter(fields, sigma=(0, 0, sigma, sigma))
    rms = np.sqrt(np.mean(fields**2, axis=(2, 3), keepdims=True)) + 1e-12
    fields *= alpha / rms
    return qx + fields[0], qy + fields[1]
