import json

import numpy as np
import pytest
from sklearn.metrics import f1_score, precision_score, recall_score

from sklearn_emnist.metrics import classification_summary


def test_summary_matches_sklearn_averages():
    rng = np.random.default_rng(0)
    y_true = rng.integers(0, 5, 300)
    y_pred = np.where(rng.random(300) < 0.7, y_true, rng.integers(0, 5, 300))
    summary = classification_summary(y_true, y_pred)
    for average in ("macro", "micro", "weighted"):
        got = getattr(summary, average)
        assert got.precision == pytest.approx(precision_score(y_true, y_pred, average=average))
        assert got.recall == pytest.approx(recall_score(y_true, y_pred, average=average))
        assert got.f1 == pytest.approx(f1_score(y_true, y_pred, average=average))
    assert summary.accuracy == pytest.approx(np.mean(y_true == y_pred))
    assert summary.micro.recall == pytest.approx(summary.accuracy)
    assert (summary.n_samples, summary.n_classes) == (300, 5)


def test_summary_string_labels_and_json():
    summary = classification_summary(["a", "b", "b", "c"], ["a", "b", "c", "c"])
    assert summary.accuracy == 0.75
    data = json.loads(json.dumps(summary.to_dict()))
    assert data["macro"]["recall"] == pytest.approx((1 + 0.5 + 1) / 3)
    assert "macro" in str(summary) and "0.7500" in str(summary)


def test_summary_macro_ignores_classes_absent_from_a_subset_unless_labels_say_so():
    # class 2 ("c") exists in the model but not in this subset: naming it does
    # not drag the macro averages down (scikit-learn's default) ...
    summary = classification_summary([0, 1], [0, 1], target_names=["a", "b", "c"])
    assert summary.n_classes == 2
    assert summary.macro.recall == 1.0
    # ... while listing it in labels averages it in as 0, as a fixed report would
    fixed = classification_summary([0, 1], [0, 1], labels=[0, 1, 2])
    assert fixed.n_classes == 3
    assert fixed.macro.recall == pytest.approx(2 / 3)


def test_summary_rejects_mismatched_lengths():
    with pytest.raises(ValueError, match="different lengths"):
        classification_summary([0, 1, 2], [0, 1])


def test_summary_rejects_mixed_label_kinds():
    with pytest.raises(ValueError, match="same kind of label"):
        classification_summary(np.array([0, 1]), np.array(["a", "b"]))


def test_summary_rejects_probabilities():
    with pytest.raises(ValueError, match="1-d array of class labels"):
        classification_summary([0, 1], np.eye(2))
