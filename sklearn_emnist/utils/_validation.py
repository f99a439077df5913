"""Validation of image input, shared by every transformer and estimator.

One mechanism for all: accept flat ``(n, 784)``, image ``(n, 28, 28)`` or
channel-first ``(n, 1, 28, 28)`` arrays (or anything numpy turns into one),
integer pixels in 0..255 or float pixels in [0, 1], and say clearly what is
wrong otherwise.
"""

import warnings

import numpy as np
import scipy.sparse

IMAGE_SHAPE = (28, 28)
N_PIXELS = IMAGE_SHAPE[0] * IMAGE_SHAPE[1]
# Float pixels this far outside [0, 1] are overshoot (a Lanczos or bicubic
# resize rings by up to about 10 % at a sharp edge) or rounding errors (a
# colour conversion, a division in float32): clipped to [0, 1], not refused.
# Further out they are not 0..1 grey levels (0..255 floats, standardised
# values) and are refused. sklearn_emnist.io reads image arrays with the same
# tolerance.
FLOAT_PIXEL_TOLERANCE = 0.1

__all__ = ["FLOAT_PIXEL_TOLERANCE", "IMAGE_SHAPE", "N_PIXELS", "check_images", "reject_sparse"]


def _describe(estimator):
    if estimator is None:
        return ""
    name = estimator if isinstance(estimator, str) else type(estimator).__name__
    return f"{name}: "


def reject_sparse(X, *, estimator=None):
    """Raise a ``TypeError`` naming the fix when ``X`` is a sparse matrix or array.

    Examples
    --------
    >>> import scipy.sparse
    >>> from sklearn_emnist.utils import reject_sparse
    >>> reject_sparse(scipy.sparse.csr_matrix((1, 784)))
    Traceback (most recent call last):
    ...
    TypeError: sparse input is not supported (images are dense); convert it with X.toarray().
    """
    if scipy.sparse.issparse(X):
        raise TypeError(
            f"{_describe(estimator)}sparse input is not supported (images are dense); "
            "convert it with X.toarray()."
        )


def frame_to_array(X):
    """A pandas DataFrame or Series as an array, integer columns staying
    integers; any other input unchanged.

    Nullable integer columns (``Int64``, ``UInt8``) would become an object
    array, then floats read as 0..1 intensities; they become their numpy
    integer dtype (or float64 with NaN where a value is missing, which
    check_images names); other numeric columns (nullable ``Float64`` too)
    become float64, a missing value NaN.
    """
    if not hasattr(X, "to_numpy") or isinstance(X, np.ndarray):
        return X
    from pandas.api.types import is_bool_dtype, is_integer_dtype, is_numeric_dtype

    dtypes = list(X.dtypes) if hasattr(X, "columns") else [X.dtype]
    if dtypes and all(is_integer_dtype(dtype) for dtype in dtypes):
        if X.isna().to_numpy().any():
            return X.to_numpy(dtype=np.float64, na_value=np.nan)
        # the columns' common numpy dtype: UInt8 stays uint8
        return X.to_numpy(dtype=np.result_type(*(getattr(dtype, "numpy_dtype", dtype)
                                                 for dtype in dtypes)))
    if (any(not isinstance(dtype, np.dtype) for dtype in dtypes)
            and all(is_numeric_dtype(dtype) and not is_bool_dtype(dtype) for dtype in dtypes)):
        # nullable floats (Float64) with pd.NA would become an object array:
        # float64 with NaN instead, which check_images names (numpy columns
        # keep their dtype: a float32 frame is not copied to float64)
        return X.to_numpy(dtype=np.float64, na_value=np.nan)
    return X.to_numpy()


def _float_range_hint(low, high):
    """The fix for float pixels outside [0, 1], as their range suggests it."""
    if low >= -0.5 and high <= 1.5:
        return (
            f"Float pixels must be grey levels in [0, 1] (values within {FLOAT_PIXEL_TOLERANCE:g} "
            "of it, such as a resize's overshoot, are clipped). These are 0..1 levels gone "
            "further out: clip them (np.clip(X, 0, 1)) if that is overshoot; dividing by 255 "
            "would make the images nearly black."
        )
    if low >= 0 and high <= 255:
        return (
            "Float pixels must be grey levels in [0, 1]; these look like 0..255 levels: divide "
            "them by 255, or pass them as uint8."
        )
    return (
        "Float pixels must be grey levels in [0, 1] (standardised or other features are not "
        "pixels): rescale them to [0, 1], or pass 0..255 levels as uint8."
    )


def check_images(X, *, dtype=np.float32, estimator=None, input_name="X", copy=False):
    """Validate images and return them as an ``(n, 28, 28)`` array.

    Parameters
    ----------
    X : array-like of shape (n_samples, 784), (n_samples, 28, 28), \
            (n_samples, 1, 28, 28) or (n_samples, 28, 28, 1)
        Images: an array, a list or a pandas DataFrame (nullable integer
        columns included). Integer pixels must lie in 0..255 (EMNIST's
        uint8); float pixels must lie in [0, 1], where those at most
        ``FLOAT_PIXEL_TOLERANCE`` (0.1) outside (a resize's overshoot, a
        rounding error) are clipped to it.
    dtype : {np.float32, np.float64, np.uint8}, default=np.float32
        Output type. Float output is scaled to [0, 1]; ``np.uint8`` output is
        scaled to 0..255 (float input is multiplied by 255 and rounded).
    estimator : estimator instance or str, default=None
        Named in error messages.
    input_name : str, default="X"
        Named in error messages.
    copy : bool, default=False
        Force a copy even when no conversion is needed.

    Returns
    -------
    images : ndarray of shape (n_samples, 28, 28)

    Raises
    ------
    ValueError
        On a shape that does not hold 28x28 images, an empty array, NaN or
        infinite values, pixels out of range or complex numbers, with the fix
        in the message (for float pixels, the fix their range suggests:
        clipping for values a little further than the tolerance outside
        [0, 1], dividing by 255 for 0..255 levels). Float pixels within 0.1 of
        [0, 1] are clipped instead (the caller's array is left unchanged).
    TypeError
        On sparse input or a non-numeric dtype (strings, objects).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_emnist.utils import check_images
    >>> X = np.zeros((2, 784), dtype=np.uint8)
    >>> X[0, 0] = 255
    >>> images = check_images(X)
    >>> images.shape, images.dtype, float(images.max())
    ((2, 28, 28), dtype('float32'), 1.0)
    """
    prefix = _describe(estimator)
    reject_sparse(X, estimator=estimator)
    X = frame_to_array(X)
    try:
        X = np.asarray(X)
    except (ValueError, TypeError) as exc:  # ragged nested sequences
        raise ValueError(f"{prefix}{input_name} cannot be converted to an array: {exc}") from exc
    if X.dtype.kind == "b":
        X = X.astype(np.uint8) * 255
    if X.dtype.kind == "c":
        # ValueError with scikit-learn's wording (check_array says the same)
        raise ValueError(
            f"{prefix}Complex data not supported: {input_name} holds complex numbers "
            f"(dtype {X.dtype}); pass real pixel values (e.g. np.abs(X) or X.real)."
        )
    if X.dtype.kind not in "uif":
        if X.dtype.kind == "O":
            try:
                X = X.astype(np.float64)
            except (ValueError, TypeError) as exc:
                raise TypeError(
                    f"{prefix}{input_name} must hold numeric pixel values, got dtype object "
                    f"that cannot be converted to float: {exc}"
                ) from exc
        else:
            raise TypeError(
                f"{prefix}{input_name} must hold numeric pixel values (uint8 0..255 or "
                f"float 0..1), got dtype {X.dtype}."
            )
    n_pixels = int(np.prod(X.shape[1:])) if X.ndim >= 2 else None
    if X.ndim == 4 and X.shape[1:] == (*IMAGE_SHAPE, 1):  # channels last (Keras, tfds)
        X = X[..., 0]
    shape_ok = (
        (X.ndim == 2 and X.shape[1] == N_PIXELS)
        or (X.ndim == 3 and X.shape[1:] == IMAGE_SHAPE)
        or (X.ndim == 4 and X.shape[1:] == (1, *IMAGE_SHAPE))
    )
    if not shape_ok:
        if X.shape in (IMAGE_SHAPE, (N_PIXELS,)):
            got = (f"one image of shape {X.shape}; pass a batch of one image, "
                   f"{input_name}[None]")
        elif X.ndim >= 2:
            got = f"an array of shape {X.shape} ({n_pixels} values per sample)"
        else:
            got = f"a {X.ndim}-d array of shape {X.shape}"
        raise ValueError(
            f"{prefix}{input_name} must hold 28x28 images as (n_samples, 784), "
            f"(n_samples, 28, 28), (n_samples, 1, 28, 28) or (n_samples, 28, 28, 1); "
            f"got {got}."
        )
    if X.shape[0] == 0:
        raise ValueError(f"{prefix}{input_name} has 0 samples; at least 1 is required.")
    images = X.reshape(X.shape[0], *IMAGE_SHAPE)
    if images.dtype.kind == "f":
        finite = np.isfinite(images)
        if not finite.all():
            bad = "NaN" if np.isnan(images).any() else "infinite"
            n_bad = int(images.size - finite.sum())
            raise ValueError(
                f"{prefix}{input_name} contains {bad} values ({n_bad} pixels); "
                "impute or drop those images first."
            )
        low, high, limit = float(images.min()), float(images.max()), 1.0
        tolerance = FLOAT_PIXEL_TOLERANCE
        if (low < 0 or high > 1) and -tolerance <= low and high <= 1 + tolerance:
            images = np.clip(images, 0, 1)  # a new array: the caller's is left alone
            low, high = max(low, 0.0), min(high, 1.0)
    else:
        low, high, limit = int(images.min()), int(images.max()), 255
    if low < 0 or high > limit:
        if images.dtype.kind == "f":
            hint = " " + _float_range_hint(low, high)
        else:
            hint = " Integer pixels must lie in 0..255."
        raise ValueError(
            f"{prefix}{input_name} has pixel values out of range (min {low}, max {high}).{hint}"
        )
    if images.dtype.kind in "ui" and high == 1:
        warnings.warn(
            f"{prefix}{input_name} holds integer pixels of only 0 and 1; integer pixels are "
            "read as 0..255 intensities, so these images are nearly black. Pass binary "
            "images as booleans (or as floats in [0, 1]), or multiply them by 255.",
            UserWarning,
            stacklevel=3,
        )
    out_dtype = np.dtype(dtype)
    if out_dtype == np.uint8:
        if images.dtype.kind == "f":
            return np.rint(images * 255).astype(np.uint8)
        return images.astype(np.uint8, copy=copy)
    if out_dtype.kind != "f":
        raise ValueError(f"dtype must be a float type or uint8, got {out_dtype}.")
    if images.dtype.kind == "f":
        return images.astype(out_dtype, copy=copy)
    out = images.astype(out_dtype)
    out /= 255
    return out
