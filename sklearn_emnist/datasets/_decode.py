"""Decode a pair of EMNIST IDX files into upright images and labels.

The one decode path shared by :func:`fetch_emnist` and
:func:`load_emnist_folder`: read both files with the defensive IDX reader,
check that they belong together, and transpose the images upright (the files
store them column by column).
"""

import numpy as np

from ._idx import IDXFormatError, _name, read_idx

__all__ = ["decode_pair"]

IMAGE_SHAPE = (28, 28)


def decode_pair(images_file, labels_file):
    """Read an images / labels IDX pair and return upright arrays.

    Parameters
    ----------
    images_file, labels_file : str, path-like or binary file object
        IDX files, gzip-compressed or raw.

    Returns
    -------
    images : ndarray of shape (n, 28, 28), dtype uint8
        Upright images (C-contiguous).
    labels : ndarray of shape (n,), dtype uint8
        The labels exactly as stored in the file.
    """
    labels = read_idx(labels_file)
    if labels.ndim != 1 or labels.dtype != np.uint8:
        raise IDXFormatError(
            f"{_name(labels_file)}: expected a 1-d uint8 label file, got shape "
            f"{labels.shape} and dtype {labels.dtype}; is this an images file?"
        )
    images = read_idx(images_file, max_items=len(labels) * IMAGE_SHAPE[0] * IMAGE_SHAPE[1])
    if images.ndim != 3 or images.shape[1:] != IMAGE_SHAPE or images.dtype != np.uint8:
        raise IDXFormatError(
            f"{_name(images_file)}: expected uint8 images of shape (n, 28, 28), got "
            f"shape {images.shape} and dtype {images.dtype}."
        )
    if len(images) != len(labels):
        raise IDXFormatError(
            f"{_name(images_file)} holds {len(images)} images but {_name(labels_file)} "
            f"holds {len(labels)} labels; the two files do not belong together."
        )
    return np.ascontiguousarray(images.transpose(0, 2, 1)), labels
