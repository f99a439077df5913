import numpy as np
import pytest
from sklearn.metrics import precision_recall_fscore_support

from sklearn_emnist.metrics import per_class_table


def test_per_class_values_match_sklearn_and_names_follow_labels():
    rng = np.random.default_rng(1)
    y_true = rng.integers(0, 4, 200)
    y_pred = np.where(rng.random(200) < 0.6, y_true, rng.integers(0, 4, 200))
    names = ["0", "O", "o", "Q"]
    table = per_class_table(y_true, y_pred, target_names=names)
    precision, recall, f1, support = precision_recall_fscore_support(y_true, y_pred)
    assert [row.name for row in table] == names
    np.testing.assert_allclose([row.precision for row in table], precision)
    np.testing.assert_allclose([row.recall for row in table], recall)
    np.testing.assert_allclose([row.f1 for row in table], f1)
    assert [row.support for row in table] == support.tolist()


def test_per_class_top_confusion_names_the_most_frequent_wrong_prediction():
    y_true = ["i", "i", "i", "i", "l", "j"]
    y_pred = ["l", "l", "j", "i", "l", "j"]
    table = per_class_table(y_true, y_pred)
    row_i = next(row for row in table if row.name == "i")
    assert row_i.top_confusion == "l"
    assert row_i.top_confusion_rate == 0.5
    assert next(row for row in table if row.name == "l").top_confusion == ""


def test_per_class_keeps_rows_for_classes_missing_from_the_subset():
    table = per_class_table([0, 2], [0, 2], target_names=["a", "b", "c"])
    assert [row.name for row in table] == ["a", "b", "c"]
    assert table[1].support == 0 and table[1].f1 == 0.0


def test_per_class_mapping_target_names_and_sorting():
    table = per_class_table(
        [1, 1, 2, 2], [1, 2, 2, 2], target_names={1: "one", 2: "two"}, sort_by="recall"
    )
    assert [row.name for row in table] == ["one", "two"]
    records = table.to_records()
    assert records[0] == {**records[0], "label": 1, "recall": 0.5}
    assert "top_confusion" in str(table).splitlines()[0]


def test_per_class_rejects_wrong_number_of_names():
    with pytest.raises(ValueError, match="2 names but there are 3 labels"):
        per_class_table(["a", "b", "c"], ["a", "b", "c"], target_names=["x", "y"])


def test_per_class_rejects_unknown_sort_key():
    with pytest.raises(ValueError, match="sort_by"):
        per_class_table([0, 1], [0, 1], sort_by="accuracy")
