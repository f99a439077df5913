"""One rule names the labels in every metric, table and plot."""

import numpy as np
import pytest
from sklearn.metrics import precision_recall_fscore_support

from sklearn_emnist.metrics import classification_summary, most_confused_pairs, per_class_table
from sklearn_emnist.metrics._labels import resolve_labels

LETTERS = list("abcdefghijklmnopqrstuvwxyz")


def _names_by_label(table):
    return {row.label: row.name for row in table}


def test_a_label_keeps_its_name_whichever_classes_the_sample_holds():
    names = ["a", "b", "c"]
    full = _names_by_label(per_class_table([2, 0, 1], [2, 0, 1], target_names=names))
    subset = _names_by_label(per_class_table([2, 0], [2, 0], target_names=names))
    assert full == subset == {0: "a", 1: "b", 2: "c"}


def test_explicit_labels_take_the_names_in_their_order():
    # scikit-learn's classification_report convention: names follow `labels`
    table = per_class_table([2, 0, 1], [2, 0, 1], labels=[2, 0, 1], target_names=["c", "a", "b"])
    assert _names_by_label(table) == {2: "c", 0: "a", 1: "b"}


def test_labels_outside_the_names_positions_are_refused_not_shifted():
    # the raw letters files label a..z as 1..26: by position, 26 has no name
    y = np.arange(1, 27)
    with pytest.raises(ValueError, match=r"run from 1 to 26.*labels=range\(1, 27\)"):
        per_class_table(y, y, target_names=LETTERS)
    with pytest.raises(ValueError, match="run from 1 to 26"):
        most_confused_pairs(y, y[::-1], target_names=LETTERS)


def test_labels_one_to_26_named_through_labels_on_any_subset():
    labels, names = resolve_labels([19, 1], [19, 2], labels=range(1, 27), target_names=LETTERS)
    named = dict(zip(labels.tolist(), names))
    assert (named[1], named[2], named[19], named[26]) == ("a", "b", "s", "z")


def test_a_mismatched_number_of_names_is_refused():
    with pytest.raises(ValueError, match="3 names but there are 2 labels"):
        resolve_labels([2, 0], [2, 0], labels=[2, 0], target_names=["a", "b", "c"])
    with pytest.raises(ValueError, match="2 names but there are 3 labels"):
        resolve_labels(["a", "b", "c"], ["a", "b", "c"], target_names=["x", "y"])


def test_summary_averages_over_a_subset_of_labels_as_scikit_learn_does():
    y_true = [0, 1, 2, 2, 1, 0]
    y_pred = [0, 2, 2, 1, 1, 1]
    summary = classification_summary(y_true, y_pred, labels=[1, 2])
    expected = precision_recall_fscore_support(y_true, y_pred, labels=[1, 2], average="macro")
    assert (summary.macro.precision, summary.macro.recall, summary.macro.f1) == pytest.approx(
        expected[:3]
    )
    assert summary.n_classes == 2


@pytest.mark.parametrize("function", [most_confused_pairs, classification_summary, per_class_table])
def test_labels_of_another_type_than_the_labels_are_refused(function):
    """['1', '2'] for integer labels matched nothing: an empty pairs table, no warning."""
    with pytest.raises(ValueError, match=r"labels are strings \(\['1', '2'\]\) but y_true and "
                                         r"y_pred hold numbers \(\[1, 2, 3\]\)"):
        function([1, 1, 2, 2, 3], [2, 2, 1, 2, 3], labels=["1", "2"])
    with pytest.raises(ValueError, match="labels are numbers"):
        function(["a", "b"], ["b", "b"], labels=[0, 1])


def test_a_subset_sharing_no_label_with_the_data_scores_zeros_as_scikit_learn_does():
    summary = classification_summary(["a", "b"], ["b", "a"], labels=["z"])
    assert (summary.macro.precision, summary.macro.recall) == (0.0, 0.0)
    assert len(most_confused_pairs(["a", "b"], ["b", "a"], labels=["a", "x"])) == 0
