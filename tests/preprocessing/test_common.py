"""scikit-learn's estimator checks on every public estimator of preprocessing/augmentation.

The checks feed tiny random tables (1 to 10 columns); our estimators take
28x28 images only, so every check that fits on such data stops at the shared
image validation (``sklearn_emnist.utils.check_images``) with a clear
"X must hold 28x28 images" error. Those checks are listed below with their
reason; the behaviours they would test (pickling, fit idempotence, row
independence, NaN / sparse / dtype errors, feature names) are tested on real
images in ``test_transformers.py`` and ``tests/augmentation``.
"""

from sklearn.utils.estimator_checks import parametrize_with_checks

from sklearn_emnist.augmentation import RandomAffineAugmenter
from sklearn_emnist.preprocessing import (
    Deskewer,
    HOGFeatures,
    ImageCenterer,
    ImageReshaper,
    PixelScaler,
)

from .._estimator_checks import run_check

FIXED_SIZE = "generated data has 1-10 features, not the 784 pixels of a 28x28 image"

_FIXED_SIZE_CHECKS = [
    "check_dict_unchanged",
    "check_dont_overwrite_parameters",
    "check_dtype_object",
    "check_estimators_dtypes",
    "check_estimators_fit_returns_self",
    "check_estimators_overwrite_params",
    "check_estimators_pickle",
    "check_f_contiguous_array_estimator",
    "check_fit2d_predict1d",
    "check_fit_check_is_fitted",
    "check_fit_idempotent",
    "check_fit_score_takes_y",
    "check_methods_sample_order_invariance",
    "check_methods_subset_invariance",
    "check_n_features_in",
    "check_n_features_in_after_fitting",
    "check_pipeline_consistency",
    "check_readonly_memmap_input",
]

_SPECIFIC = {
    "check_estimators_empty_data_messages": (
        "a (n, 0) array is rejected as not holding 28x28 images, not with sklearn's "
        "'0 feature(s)' wording", "28x28 images"),
    "check_estimators_nan_inf": (
        FIXED_SIZE + " (NaN and inf are rejected for real images: "
        "test_transformers.py::test_bad_input_gives_a_clear_error)", "28x28 images"),
    "check_fit2d_1sample": (FIXED_SIZE + " (one image fits fine)", "28x28 images"),
    "check_fit2d_1feature": (
        "a 1-column table is rejected as not holding 28x28 images, not with sklearn's "
        "'1 feature(s)' wording", "28x28 images"),
    "check_positive_only_tag_during_fit": (
        FIXED_SIZE + " (negative pixels of real images are rejected as 'pixel values out of "
        "range': test_transformers.py::test_bad_input_gives_a_clear_error)", "28x28 images"),
}


# each listed failure must be the shared image validation's error, nothing else
NOT_IMAGES = (FIXED_SIZE, "28x28 images")


def _transformer_checks():
    checks = {name: NOT_IMAGES for name in _FIXED_SIZE_CHECKS}
    checks.update(_SPECIFIC)
    checks.update(
        {
            "check_transformer_data_not_an_array": NOT_IMAGES,
            "check_transformer_general": NOT_IMAGES,
            "check_transformer_preserve_dtypes": NOT_IMAGES,
        }
    )
    return checks


def _sampler_checks():
    checks = {name: NOT_IMAGES for name in _FIXED_SIZE_CHECKS}
    checks.update(_SPECIFIC)
    return checks


ESTIMATORS = [
    PixelScaler(),
    PixelScaler(method="standard"),
    ImageReshaper(),
    Deskewer(),
    ImageCenterer(),
    HOGFeatures(),
    RandomAffineAugmenter(random_state=0),
]


def expected_failed_checks(estimator):
    """One-line reason for each check the estimator cannot pass."""
    if isinstance(estimator, RandomAffineAugmenter):
        return _sampler_checks()
    return _transformer_checks()


@parametrize_with_checks(ESTIMATORS)
def test_sklearn_estimator_checks(estimator, check):
    """Unlisted checks must pass; listed ones must fail (else the list is stale)."""
    run_check(estimator, check, expected_failed_checks(estimator))
