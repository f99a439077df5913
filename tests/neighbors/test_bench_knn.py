"""The importable helpers of benchmarks/bench_knn.py (the runner calls them)."""

import numpy as np
import pytest

from benchmarks import bench_knn


def _row(score, std, n_components, features, k):
    return {
        "mean_test_score": score,
        "std_test_score": std,
        "params": {"features": features, "pca__n_components": n_components,
                   "knn__n_neighbors": k},
    }


def test_select_recipe_takes_the_cheapest_setting_within_one_standard_error():
    rows = [
        _row(0.9222, 0.0017, 120, "FeatureUnion(...)", 8),  # best, SE = 0.001
        _row(0.9215, 0.0010, 80, "HOGFeatures()", 6),  # within, cheaper
        _row(0.9210, 0.0010, 50, "HOGFeatures()", 6),  # cheapest, but outside
    ]
    chosen = bench_knn.select_recipe(rows, n_folds=3)
    assert chosen["params"]["pca__n_components"] == 80
    assert chosen["n_candidates_within"] == 2
    assert chosen["threshold"] == pytest.approx(0.9222 - 0.0017 / np.sqrt(3))


def test_scores_reports_accuracy_and_macro_figures():
    y_true = np.array([0, 0, 0, 1])
    y_pred = np.array([0, 0, 1, 1])
    result = bench_knn.scores(y_true, y_pred)
    assert result["accuracy"] == pytest.approx(0.75)
    assert result["recall_macro"] == pytest.approx((2 / 3 + 1) / 2)
    assert result["precision_macro"] == pytest.approx((1 + 0.5) / 2)
