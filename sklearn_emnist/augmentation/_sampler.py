"""Train-time augmentation as an imbalanced-learn sampler."""

import numbers

import numpy as np
from imblearn.base import BaseSampler
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval
from sklearn.utils.validation import check_consistent_length

from ..utils import check_images, reject_sparse
from ..utils._validation import frame_to_array
from ._affine import DEFAULT_AFFINE, check_affine_params, random_affine

__all__ = ["RandomAffineAugmenter"]


def _like_input(array, original):
    """A DataFrame (Series) again, with its column names, when the input was one.

    The steps after a sampler in a pipeline then see the same feature names
    in ``fit`` as in ``predict``.
    """
    if not hasattr(original, "iloc"):
        return array
    import pandas as pd

    if hasattr(original, "columns"):
        return pd.DataFrame(array, columns=original.columns)
    return pd.Series(array, name=original.name)


class RandomAffineAugmenter(BaseSampler):
    """Add randomly rotated, shifted, scaled and sheared copies of each image.

    A sampler (``fit_resample``): inside :class:`imblearn.pipeline.Pipeline`
    it acts while the pipeline is fitted and is skipped by ``predict``,
    ``transform`` and ``score``, so test images are never augmented. The
    copies come from :func:`sklearn_emnist.augmentation.random_affine`
    (vectorised, one random transform per copy).

    Parameters
    ----------
    n_augmented : int, default=1
        Number of distorted copies made of every image.
    keep_original : bool, default=True
        Keep the original images (first, in their order) before the copies.
        With ``False`` only the copies are returned.
    rotation : float or (float, float), default=10.0
        Rotation range in degrees (see :func:`random_affine`).
    shift : float or (float, float), default=2.0
        Translation range in pixels.
    scale : (float, float) or float, default=(0.9, 1.1)
        Zoom factor range.
    shear : float or (float, float), default=0.2
        Horizontal shear ratio range (0.2 is about 11 degrees of slant).
    elastic : (float, float) or None, default=None
        ``(alpha, sigma)`` of an elastic warp, ``None`` for none.
    random_state : int, RandomState instance or None, default=None
        Makes the copies reproducible.

    Attributes
    ----------
    n_features_in_ : int
        Number of values per image seen in ``fit_resample`` (784).

    See Also
    --------
    random_affine : The augmentation function.

    Notes
    -----
    ``fit_resample`` returns the layout it was given: flat ``(n, 784)``
    input gives flat output, ``(n, 28, 28)`` or ``(n, 1, 28, 28)`` give the
    same shape, and the pixel dtype is kept (uint8 stays uint8).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_emnist.augmentation import RandomAffineAugmenter
    >>> X = np.zeros((3, 784), dtype=np.uint8)
    >>> X[0, 200:210] = X[1, 400:410] = X[2, 600:610] = 255  # three different bars
    >>> y = np.array([0, 1, 2])
    >>> X_res, y_res = RandomAffineAugmenter(n_augmented=2, random_state=0).fit_resample(X, y)
    >>> X_res.shape, X_res.dtype, y_res.tolist()
    ((9, 784), dtype('uint8'), [0, 1, 2, 0, 1, 2, 0, 1, 2])

    In a pipeline it acts during ``fit`` only:

    >>> from imblearn.pipeline import make_pipeline
    >>> from sklearn.neighbors import KNeighborsClassifier
    >>> pipe = make_pipeline(RandomAffineAugmenter(random_state=0),
    ...                      KNeighborsClassifier(n_neighbors=1))
    >>> pipe.fit(X, y).predict(X).tolist()
    [0, 1, 2]
    """

    _sampling_type = "bypass"

    _parameter_constraints: dict = {
        "n_augmented": [Interval(numbers.Integral, 0, None, closed="left")],
        "keep_original": ["boolean"],
        "rotation": [Interval(numbers.Real, 0, None, closed="left"), tuple, list],
        "shift": [Interval(numbers.Real, 0, None, closed="left"), tuple, list],
        "scale": [Interval(numbers.Real, 0, 1, closed="left"), tuple, list],
        "shear": [Interval(numbers.Real, 0, None, closed="left"), tuple, list],
        "elastic": [tuple, list, None],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        *,
        n_augmented=1,
        keep_original=True,
        rotation=DEFAULT_AFFINE["rotation"],
        shift=DEFAULT_AFFINE["shift"],
        scale=DEFAULT_AFFINE["scale"],
        shear=DEFAULT_AFFINE["shear"],
        elastic=DEFAULT_AFFINE["elastic"],
        random_state=None,
    ):
        self.n_augmented = n_augmented
        self.keep_original = keep_original
        self.rotation = rotation
        self.shift = shift
        self.scale = scale
        self.shear = shear
        self.elastic = elastic
        self.random_state = random_state

    def _check_input(self, X, y):
        self._validate_params()
        check_affine_params(
            rotation=self.rotation, shift=self.shift, scale=self.scale, shear=self.shear,
            elastic=self.elastic,
        )
        if not self.keep_original and self.n_augmented == 0:
            raise ValueError(
                "RandomAffineAugmenter with keep_original=False and n_augmented=0 would "
                "return no images; set n_augmented >= 1 or keep_original=True."
            )
        if y is None:
            raise ValueError(
                "RandomAffineAugmenter requires y to be passed, but the target y is None: "
                "fit_resample repeats the labels for the augmented copies."
            )
        reject_sparse(X, estimator=self)
        X = np.asarray(frame_to_array(X))
        check_images(X, dtype=np.uint8 if X.dtype.kind in "uib" else np.float32, estimator=self)
        y = np.asarray(y)
        check_consistent_length(X, y)
        self.n_features_in_ = int(np.prod(X.shape[1:]))
        return X, y

    def fit(self, X, y):
        """Validate the images and labels; use ``fit_resample`` to augment.

        Parameters
        ----------
        X : array-like of shape (n_samples, 784), (n_samples, 28, 28) or \
                (n_samples, 1, 28, 28)
            Images, uint8 in 0..255 or float in [0, 1].
        y : array-like of shape (n_samples,)
            Labels.

        Returns
        -------
        self : RandomAffineAugmenter
        """
        self._check_input(X, y)
        return self

    def fit_resample(self, X, y):
        """Return the images with their distorted copies, and the labels.

        Parameters
        ----------
        X : array-like of shape (n_samples, 784), (n_samples, 28, 28) or \
                (n_samples, 1, 28, 28)
            Images, uint8 in 0..255 or float in [0, 1].
        y : array-like of shape (n_samples,)
            Labels (repeated unchanged for the copies).

        Returns
        -------
        X_resampled : ndarray or DataFrame of shape (n_samples * n_copies, ...)
            Same layout and dtype as ``X`` (a DataFrame with ``X``'s columns
            when ``X`` is one); ``n_copies`` is ``n_augmented`` plus one when
            ``keep_original``.
        y_resampled : ndarray or Series of shape (n_samples * n_copies,)
        """
        X_resampled, y_resampled = self._fit_resample(*self._check_input(X, y))
        return _like_input(X_resampled, X), _like_input(y_resampled, y)

    def _fit_resample(self, X, y):
        rng = check_random_state(self.random_state)
        parts_X, parts_y = ([X], [y]) if self.keep_original else ([], [])
        if self.n_augmented:
            repeated = np.concatenate([X] * self.n_augmented) if self.n_augmented > 1 else X
            parts_X.append(
                random_affine(
                    repeated,
                    rotation=self.rotation,
                    shift=self.shift,
                    scale=self.scale,
                    shear=self.shear,
                    elastic=self.elastic,
                    random_state=rng,
                )
            )
            parts_y.extend([y] * self.n_augmented)
        return np.concatenate(parts_X), np.concatenate(parts_y)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = False
        tags.input_tags.dataframe = True
        tags.input_tags.three_d_array = True
        tags.input_tags.positive_only = True
        tags.target_tags.required = True
        return tags
