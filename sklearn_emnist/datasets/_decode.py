"""Decode a pair of EMNIST IDX files into upright images and labels.

The one decode path shared by :func:`fetch_emnist` and
:func:`load_emnist_folder`: read both files with the defensive IDX reader,
check that they belong together, and turn the images upright (the official
files store them transposed, column by column).
"""

import numpy as np

from ._idx import IDXFormatError, _name, read_idx, read_idx_checked

__all__ = ["decode_pair"]

IMAGE_SHAPE = (28, 28)


def decode_pair(images_file, labels_file, *, transposed=True):
    """Read an images / labels IDX pair and return upright arrays.

    Parameters
    ----------
    images_file, labels_file : str, path-like or binary file object
        IDX files, gzip-compressed or raw.
    transposed : bool, default=True
        Whether the images are stored transposed, as in the official EMNIST
        files (they are then transposed back). False for files that already
        hold upright images.

    Returns
    -------
    images : ndarray of shape (n, 28, 28), dtype uint8
        Upright images (C-contiguous).
    labels : ndarray of shape (n,), dtype uint8
        The labels exactly as stored in the file.

    Raises
    ------
    IDXFormatError
        A file is not well-formed IDX, the labels file is not 1-d uint8, the
        images are not uint8 of shape (n, 28, 28), or the two files hold
        different numbers of items (checked from the images header, before
        the image data is read).
    """
    labels = read_idx(labels_file)
    if labels.ndim != 1 or labels.dtype != np.uint8:
        raise IDXFormatError(
            f"{_name(labels_file)}: expected a 1-d uint8 label file, got shape "
            f"{labels.shape} and dtype {labels.dtype}; is this an images file?"
        )

    def check_images_header(shape, dtype):
        if len(shape) != 3 or shape[1:] != IMAGE_SHAPE or dtype != np.uint8:
            raise IDXFormatError(
                f"{_name(images_file)}: expected uint8 images of shape (n, 28, 28), got "
                f"shape {shape} and dtype {dtype}; EMNIST images are 28x28 grey levels."
            )
        if shape[0] != len(labels):
            raise IDXFormatError(
                f"{_name(images_file)} holds {shape[0]} images but {_name(labels_file)} "
                f"holds {len(labels)} labels; the two files do not belong together. "
                "Pass the images and labels files of the same split and subset."
            )

    images = read_idx_checked(
        images_file,
        max_items=len(labels) * IMAGE_SHAPE[0] * IMAGE_SHAPE[1],
        check_header=check_images_header,
    )
    if transposed:
        images = images.transpose(0, 2, 1)
    return np.ascontiguousarray(images), labels
