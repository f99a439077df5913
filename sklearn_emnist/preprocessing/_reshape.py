"""Conversion between the flat, image and channel-first layouts."""

import numpy as np
from sklearn.base import OneToOneFeatureMixin
from sklearn.utils._param_validation import StrOptions
from sklearn.utils._set_output import _get_output_config

from ..utils import IMAGE_SHAPE
from ._base import ImageTransformerMixin

__all__ = ["ImageReshaper"]

_LAYOUTS = {
    "flat": (-1,),
    "image": IMAGE_SHAPE,
    "channels_first": (1, *IMAGE_SHAPE),
}


class ImageReshaper(OneToOneFeatureMixin, ImageTransformerMixin):
    """Reshape images between flat, image and channel-first layouts.

    Every other image transformer of this package returns flat
    ``(n_samples, 784)`` rows (what scikit-learn estimators, ``set_output``
    and ``ColumnTransformer`` expect); put an ``ImageReshaper`` last to feed
    a model that needs ``(n, 28, 28)`` or ``(n, 1, 28, 28)`` arrays (torch).
    ``set_output(transform="pandas")`` needs ``layout="flat"`` (a DataFrame
    is two-dimensional).

    Parameters
    ----------
    layout : {"flat", "image", "channels_first"}, default="flat"
        Output shape: ``(n, 784)``, ``(n, 28, 28)`` or ``(n, 1, 28, 28)``.
    dtype : {"float32", "float64", "uint8"}, default="float32"
        Output type: floats in [0, 1], or uint8 in 0..255.

    Attributes
    ----------
    n_features_in_ : int
        784.
    feature_names_in_ : ndarray of str
        Column names of a DataFrame seen in ``fit``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_emnist.preprocessing import ImageReshaper
    >>> X = np.zeros((5, 784), dtype=np.uint8)
    >>> ImageReshaper(layout="channels_first").fit_transform(X).shape
    (5, 1, 28, 28)
    >>> ImageReshaper(dtype="uint8").fit_transform(X / 255.0).dtype
    dtype('uint8')
    """

    _parameter_constraints: dict = {
        "layout": [StrOptions(set(_LAYOUTS))],
        "dtype": [StrOptions({"float32", "float64", "uint8"})],
    }

    def __init__(self, layout="flat", dtype="float32"):
        self.layout = layout
        self.dtype = dtype

    def _transform_dtype(self):
        # straight into the requested dtype (no float detour for uint8)
        return np.dtype(self.dtype)

    def _transform(self, images):
        if self.layout != "flat" and _get_output_config("transform", self)["dense"] != "default":
            raise ValueError(
                f"ImageReshaper(layout={self.layout!r}) returns {len(_LAYOUTS[self.layout]) + 1}-d "
                "arrays, which set_output(transform='pandas') (or set_config(transform_output="
                "...)) cannot turn into a DataFrame; use layout='flat' there, or keep the "
                "default output for this step (set_output(transform='default'))."
            )
        return images.reshape(len(images), *_LAYOUTS[self.layout])

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = []
        return tags
