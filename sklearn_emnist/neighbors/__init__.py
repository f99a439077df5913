"""Nearest-neighbour models: the tuned KNN pipeline."""

from ._knn import KNN_DEFAULTS, make_knn_pipeline

__all__ = ["KNN_DEFAULTS", "make_knn_pipeline"]
