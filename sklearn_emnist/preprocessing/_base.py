"""Shared machinery of the image transformers: validation, fitted state, tags."""

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import _check_feature_names, check_is_fitted

from ..utils import N_PIXELS, check_images

__all__ = ["ImageTransformerMixin"]


class ImageTransformerMixin(TransformerMixin, BaseEstimator):
    """Base of transformers that take 28x28 images in any accepted layout.

    ``fit`` validates with :func:`sklearn_emnist.utils.check_images`, records
    ``n_features_in_`` (784, whatever the layout) and the column names of a
    DataFrame, then calls ``_fit(images)`` with ``(n, 28, 28)`` float32 images
    in [0, 1]; ``transform`` checks the same and calls ``_transform(images)``.
    """

    def _validate_images(self, X, *, reset, dtype=np.float32):
        if reset:
            self._validate_params()
        else:
            check_is_fitted(self)
        _check_feature_names(self, X, reset=reset)
        images = check_images(X, dtype=dtype, estimator=self)
        if reset:
            self.n_features_in_ = N_PIXELS
        return images

    def fit(self, X, y=None):
        """Validate the images (and learn what the transformer needs).

        Parameters
        ----------
        X : array-like of shape (n_samples, 784), (n_samples, 28, 28) or \
                (n_samples, 1, 28, 28)
            Images: uint8 in 0..255 or float in [0, 1].
        y : None
            Ignored.

        Returns
        -------
        self : object
            The fitted transformer.
        """
        images = self._validate_images(X, reset=True)
        self._fit(images)
        return self

    def transform(self, X):
        """Transform the images.

        Parameters
        ----------
        X : array-like of shape (n_samples, 784), (n_samples, 28, 28) or \
                (n_samples, 1, 28, 28)
            Images: uint8 in 0..255 or float in [0, 1].

        Returns
        -------
        X_new : ndarray
            See the class description for the shape.
        """
        images = self._validate_images(X, reset=False, dtype=self._transform_dtype())
        out = self._transform(images)
        # float32 input in the output layout passes validation without a copy:
        # never hand back (a view of) the caller's own array
        if hasattr(X, "__array__") and np.may_share_memory(out, np.asarray(X)):
            out = out.copy()
        return out

    def _fit(self, images):
        """Learn from validated (n, 28, 28) float32 images; stateless by default."""

    def _transform_dtype(self):
        """The dtype ``_transform`` receives its (n, 28, 28) images in."""
        return np.float32

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        tags.input_tags.positive_only = True
        tags.transformer_tags.preserves_dtype = ["float32"]
        return tags
