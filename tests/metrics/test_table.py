"""RecordTable: the text table the metrics print."""

from dataclasses import dataclass

import numpy as np

from sklearn_emnist.metrics import RecordTable


@dataclass(frozen=True)
class _Row:
    label: object
    score: float


def test_scores_print_with_four_decimals_and_labels_as_they_are():
    table = RecordTable([_Row(0.5, 0.25), _Row("b", float("nan"))])
    assert str(table).splitlines() == ["label   score", "  0.5  0.2500", "    b     nan"]


def test_to_records_gives_plain_python_values():
    records = RecordTable([_Row(np.int64(3), np.float64(0.5))]).to_records()
    assert records == [{"label": 3, "score": 0.5}]
    assert type(records[0]["label"]) is int
