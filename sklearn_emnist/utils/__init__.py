"""Utilities shared by the estimators (input validation)."""

from ._validation import IMAGE_SHAPE, N_PIXELS, check_images

__all__ = ["IMAGE_SHAPE", "N_PIXELS", "check_images"]
