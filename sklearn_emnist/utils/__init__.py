"""Utilities shared by the estimators (input validation)."""

from ._validation import IMAGE_SHAPE, N_PIXELS, check_images, frame_to_array, reject_sparse

__all__ = ["IMAGE_SHAPE", "N_PIXELS", "check_images", "frame_to_array", "reject_sparse"]
