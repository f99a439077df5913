"""Pixel scaling and standardisation."""

import numpy as np
from sklearn.base import OneToOneFeatureMixin
from sklearn.utils._param_validation import StrOptions

from ._base import ImageTransformerMixin

__all__ = ["PixelScaler"]


class PixelScaler(OneToOneFeatureMixin, ImageTransformerMixin):
    """Scale pixel intensities: to [0, 1], per pixel, or per image.

    Takes uint8 (0..255) or float ([0, 1]) images in any layout and returns
    flat ``(n_samples, 784)`` float32 rows. Only ``"unit"`` returns pixels:
    the other methods' output is for scikit-learn estimators, not for the
    image steps or the neural estimators, which normalise their input
    themselves. They refuse ``"standard"`` and ``"per_image"`` output
    (negative values), but ``"l2"`` output stays within [0, 1] (about 0.15 at
    most) and would pass as a very faint image, so keep it after them.

    Parameters
    ----------
    method : {"unit", "standard", "per_image", "l2"}, default="unit"
        - ``"unit"``: intensities in [0, 1] (uint8 divided by 255);
        - ``"standard"``: per pixel, subtract the training mean and divide by
          the training standard deviation (1 where a pixel never varies);
        - ``"per_image"``: each image to zero mean and unit standard deviation
          (contrast normalisation);
        - ``"l2"``: each image to unit Euclidean norm (Euclidean distances
          between rows then rank like cosine distances; 90.4 % instead of
          89.9 % validation accuracy for PCA + KNN on deskewed letters).

    Attributes
    ----------
    mean_ : ndarray of shape (784,)
        Per-pixel training mean (``method="standard"`` only).
    scale_ : ndarray of shape (784,)
        Per-pixel training standard deviation (``method="standard"`` only).
    n_features_in_ : int
        784.
    feature_names_in_ : ndarray of str
        Column names of a DataFrame seen in ``fit``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_emnist.preprocessing import PixelScaler
    >>> X = np.zeros((2, 28, 28), dtype=np.uint8)
    >>> X[:, 14, 10:20] = 255
    >>> Xt = PixelScaler().fit_transform(X)
    >>> Xt.shape, Xt.dtype, float(Xt.max())
    ((2, 784), dtype('float32'), 1.0)
    >>> norms = np.linalg.norm(PixelScaler(method="l2").fit_transform(X), axis=1)
    >>> np.round(norms, 6).tolist()
    [1.0, 1.0]
    """

    _parameter_constraints: dict = {
        "method": [StrOptions({"unit", "standard", "per_image", "l2"})],
    }

    def __init__(self, method="unit"):
        self.method = method

    def _fit(self, images):
        if self.method == "standard":
            flat = images.reshape(len(images), -1).astype(np.float64)
            self.mean_ = flat.mean(axis=0)
            scale = flat.std(axis=0)
            scale[scale < 1e-8] = 1.0
            self.scale_ = scale
        else:
            for name in ("mean_", "scale_"):
                if hasattr(self, name):
                    delattr(self, name)

    def _transform(self, images):
        flat = images.reshape(len(images), -1)
        if self.method == "standard":
            return ((flat - self.mean_) / self.scale_).astype(np.float32)
        if self.method == "per_image":
            flat = flat - flat.mean(axis=1, keepdims=True)
            std = flat.std(axis=1, keepdims=True)
            return flat / np.where(std > 1e-8, std, 1.0)
        if self.method == "l2":
            norm = np.linalg.norm(flat, axis=1, keepdims=True)
            return flat / np.where(norm > 1e-8, norm, 1.0)
        return flat
