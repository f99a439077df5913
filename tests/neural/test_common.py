"""scikit-learn's estimator checks on both neural estimators.

The checks feed small random tables (often 2 to 10 features) to ``fit``;
these estimators take 28x28 images only (784 features) and say so with a
clear error, so every check that fits on such a table is an expected failure,
and must fail with that error. Each names the test that pins the same
behaviour on real images (mostly ``test_estimator_checks_on_images.py``).
The remaining checks (parameters, cloning, tags, not-fitted errors, complex
data, ...) must pass.
"""

from sklearn.utils.estimator_checks import parametrize_with_checks

from sklearn_emnist import CharCNNClassifier, LSTMRowClassifier

from .._estimator_checks import run_check
from .conftest import TINY_CNN, TINY_LSTM

# the failure must be the image-shape error, not anything else
_IMAGES = "28x28 images"
_ON_IMAGES = "test_estimator_checks_on_images.py::"


def _needs_images(covered_by=None, also=None):
    """The reason of a check that fails on its random table (!= 784 features):
    ``covered_by`` pins the behaviour on real images; ``also`` says why it
    would fail on images too."""
    reason = "fits on a random table with != 784 features; the estimator takes 28x28 images"
    if also:
        reason += f"; on images too: {also}"
    if covered_by:
        where = covered_by if "::" in covered_by else _ON_IMAGES + covered_by
        reason += f"; pinned on real images by {where}"
    return reason, _IMAGES


# what the messages checks expect in scikit-learn's words, said in the estimator's
_OWN_WORDS = "its message is its own (pass a batch of one image, X[None]; X has 0 samples)"


EXPECTED_FAILED_CHECKS = {
    "check_all_zero_sample_weights_error": _needs_images("test_bad_sample_weight_is_named"),
    "check_class_weight_classifiers": _needs_images(
        "test_cnn.py::test_class_weight_is_computed_as_scikit_learn_does"),
    "check_classifier_data_not_an_array": _needs_images(
        "test_sample_weight_as_list_or_series_equals_the_array"),
    "check_classifiers_classes": _needs_images("test_cnn.py::test_string_labels_are_decoded"),
    "check_classifiers_one_label": _needs_images("test_targets_are_validated_as_scikit_learn_does"),
    "check_classifiers_one_label_sample_weights": _needs_images(
        "test_targets_are_validated_as_scikit_learn_does"),
    "check_classifiers_regression_target": _needs_images(
        "test_targets_are_validated_as_scikit_learn_does"),
    "check_classifiers_train": _needs_images("test_cnn.py::test_short_fit_on_real_letters_learns"),
    "check_dict_unchanged": _needs_images("test_predicting_does_not_change_the_estimator"),
    "check_dont_overwrite_parameters": _needs_images(
        "test_fit_leaves_parameters_and_inputs_unchanged"),
    "check_dtype_object": _needs_images("test_readonly_memmapped_and_fortran_images"),
    "check_estimators_dtypes": _needs_images("test_readonly_memmapped_and_fortran_images"),
    "check_estimators_empty_data_messages": _needs_images(
        "test_cnn.py::test_bad_images_get_clear_errors", also=_OWN_WORDS),
    "check_estimators_fit_returns_self": _needs_images("test_fit_returns_self_and_is_idempotent"),
    "check_estimators_nan_inf": _needs_images("test_cnn.py::test_bad_images_get_clear_errors"),
    "check_estimators_overwrite_params": _needs_images(
        "test_fit_leaves_parameters_and_inputs_unchanged"),
    "check_estimators_partial_fit_n_features": _needs_images(
        "test_cnn.py::test_warm_start_and_partial_fit_continue_training"),
    "check_estimators_pickle": _needs_images(
        "test_pickled_model_in_a_pipeline_predicts_the_same"),
    "check_f_contiguous_array_estimator": _needs_images(
        "test_readonly_memmapped_and_fortran_images"),
    "check_fit2d_1feature": _needs_images("test_cnn.py::test_bad_images_get_clear_errors"),
    "check_fit2d_1sample": _needs_images(
        "test_predictions_do_not_depend_on_the_other_images_in_the_call"),
    "check_fit2d_predict1d": _needs_images("test_cnn.py::test_bad_images_get_clear_errors",
                                           also=_OWN_WORDS),
    "check_fit_check_is_fitted": _needs_images("test_cnn.py::test_fitted_attributes"),
    "check_fit_idempotent": _needs_images("test_fit_returns_self_and_is_idempotent"),
    "check_fit_score_takes_y": _needs_images("test_predicting_does_not_change_the_estimator"),
    "check_methods_sample_order_invariance": _needs_images(
        "test_predictions_do_not_depend_on_the_other_images_in_the_call"),
    "check_methods_subset_invariance": _needs_images(
        "test_predictions_do_not_depend_on_the_other_images_in_the_call"),
    "check_n_features_in": _needs_images("test_cnn.py::test_fitted_attributes"),
    "check_n_features_in_after_fitting": _needs_images(
        "test_pickled_model_in_a_pipeline_predicts_the_same"),
    "check_pipeline_consistency": _needs_images(
        "test_pickled_model_in_a_pipeline_predicts_the_same"),
    "check_positive_only_tag_during_fit": _needs_images(
        "test_cnn.py::test_bad_images_get_clear_errors"),
    "check_readonly_memmap_input": _needs_images("test_readonly_memmapped_and_fortran_images"),
    "check_sample_weight_equivalence_on_dense_data": _needs_images(
        "test_cnn.py::test_class_and_sample_weights_multiply_each_sample_loss",
        also="mini-batch training averages each batch's weighted losses (and batch norm "
             "counts every image), so a weight of 2 is not the same as the image twice: on "
             "real letters, weighted and repeated fits agreed on 70 % (CNN) and 100 % "
             "(LSTM) of the labels"),
    "check_sample_weights_list": _needs_images(
        "test_sample_weight_as_list_or_series_equals_the_array"),
    "check_sample_weights_not_an_array": _needs_images(
        "test_sample_weight_as_list_or_series_equals_the_array"),
    "check_sample_weights_not_overwritten": _needs_images(
        "test_fit_leaves_parameters_and_inputs_unchanged"),
    "check_sample_weights_pandas_series": _needs_images(
        "test_sample_weight_as_list_or_series_equals_the_array"),
    "check_sample_weights_shape": _needs_images("test_bad_sample_weight_is_named"),
    "check_supervised_y_2d": _needs_images("test_targets_are_validated_as_scikit_learn_does"),
    "check_no_attributes_set_in_init": (
        "skorch's NeuralNet sets history_, initialized_ and virtual_params_ (and stores routed "
        "module__ parameters) in __init__",
        r"Found attributes \[.*'history_', 'initialized_'.*'virtual_params_'\]",
    ),
}


@parametrize_with_checks([CharCNNClassifier(**TINY_CNN), LSTMRowClassifier(**TINY_LSTM)])
def test_sklearn_compatible_estimator(estimator, check):
    """Unlisted checks must pass; listed ones must fail, for their stated reason."""
    run_check(estimator, check, EXPECTED_FAILED_CHECKS)
