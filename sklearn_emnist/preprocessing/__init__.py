"""Image transformers for EMNIST: scaling, reshaping, deskewing, centring, HOG.

Every transformer accepts flat ``(n, 784)``, image ``(n, 28, 28)`` or
channel-first ``(n, 1, 28, 28)`` arrays of uint8 (0..255) or float ([0, 1])
pixels, validated by :func:`sklearn_emnist.utils.check_images`. They return
flat ``(n, 784)`` float32 rows (or feature rows), the layout scikit-learn
estimators, ``set_output`` and ``ColumnTransformer`` expect; only
:class:`ImageReshaper` returns other layouts, for models that need them.
"""

from ._geometry import center_images, deskew_images, image_moments, measure_skew
from ._hog import hog_feature_count, hog_features
from ._reshape import ImageReshaper
from ._scaling import PixelScaler
from ._transformers import Deskewer, HOGFeatures, ImageCenterer

__all__ = [
    "Deskewer",
    "HOGFeatures",
    "ImageCenterer",
    "ImageReshaper",
    "PixelScaler",
    "center_images",
    "deskew_images",
    "hog_feature_count",
    "hog_features",
    "image_moments",
    "measure_skew",
]
