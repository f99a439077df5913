"""Utilities shared by the estimators (input validation)."""

from ._validation import IMAGE_SHAPE, N_PIXELS, check_images, reject_sparse

__all__ = ["IMAGE_SHAPE", "N_PIXELS", "check_images", "reject_sparse"]
