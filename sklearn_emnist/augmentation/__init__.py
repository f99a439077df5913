"""Train-time image augmentation.

:func:`random_affine` needs only numpy; :class:`RandomAffineAugmenter` (an
imbalanced-learn sampler) is imported lazily so that ``from
sklearn_emnist.augmentation import random_affine`` stays cheap.
"""

import importlib

from ._affine import DEFAULT_AFFINE, random_affine

_LAZY = {"RandomAffineAugmenter": "sklearn_emnist.augmentation._sampler"}

__all__ = ["DEFAULT_AFFINE", "RandomAffineAugmenter", "random_affine"]


def __getattr__(name):
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'sklearn_emnist.augmentation' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(__all__))
