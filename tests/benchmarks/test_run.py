"""The benchmark runner end to end in quick mode (tiny real subsets), so it cannot rot."""

import json
import os
import re

import pytest

from benchmarks import run
from benchmarks._report import format_percent, load_records, render_markdown
from benchmarks.recipes import DEFAULT_MODELS, build_estimator
from tests._data import require_shared

# one worker runs the module-scoped benchmark run once (pytest -n 2 --dist loadgroup)
pytestmark = pytest.mark.xdist_group("benchmarks-quick-run")


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory):
    """A quick run of the six recipes of the main job on real letters-here subsets.

    The KNN recipes run as the runner runs every model by default, each in a
    fresh process; the four neural ones run in this process (--in-process)
    so that torch and skorch are imported once, keeping the test short; one
    thread per model, as the test suite runs two workers on two cores.
    """
    folder = require_shared("bench")
    results = tmp_path_factory.mktemp("results")
    common = ["quick", "--dataset", "letters-here", "--data-folder", str(folder),
              "--results", str(results), "--quiet", "--threads", "1"]
    status_subprocess = run.main(common + ["--models", "seed-knn,best-knn", "--no-plots"])
    status_in_process = run.main(
        common + ["--models", "seed-cnn,seed-lstm,best-cnn,short-lstm", "--in-process"]
    )
    return max(status_subprocess, status_in_process), results / "quick-letters-here"


def test_quick_run_succeeds_and_writes_one_record_per_model(quick_run):
    status, folder = quick_run
    assert status == 0
    runs = sorted(folder.glob("run-*.json"))
    assert sorted(p.stem for p in folder.glob("*.json") if p not in runs) == sorted(DEFAULT_MODELS)
    assert len(runs) == 2  # one per run of the runner
    last_run = max((json.loads(p.read_text()) for p in runs), key=lambda run: len(run["models"]))
    assert last_run["models"] == ["seed-cnn", "seed-lstm", "best-cnn", "short-lstm"]
    assert set(last_run["statuses"].values()) == {"ok"} and last_run["total_seconds"] > 0
    for name in ("table.md", "accuracy_vs_fit_time.png", "per_class_recall.png"):
        assert (folder / name).stat().st_size > 1000


def test_records_hold_metrics_timings_memory_and_provenance(quick_run):
    _, folder = quick_run
    record = json.loads((folder / "seed-knn.json").read_text())
    assert record["status"] == "ok"
    metrics = record["metrics"]
    assert 1 / 26 < metrics["accuracy"] <= 1  # learned something from 780 real images
    assert metrics["recall_micro"] == pytest.approx(metrics["accuracy"])
    assert set(metrics["per_class_recall"]) == set("abcdefghijklmnopqrstuvwxyz")
    assert record["dataset"]["n_train"] == 26 * 30 and record["dataset"]["n_test"] == 26 * 10
    assert record["dataset"]["train_class_counts"] == [30] * 26
    assert record["timing"]["fit_seconds"] >= 0 and record["timing"]["predict_images_per_second"] > 0
    assert record["memory"]["peak_rss_mb"] >= record["memory"]["rss_before_fit_mb"] > 10
    assert "fresh process" in record["memory"]["method"]
    assert record["params"]["n_neighbors"] == 3
    assert record["machine"]["cores_usable"] >= 1 and record["machine"]["cpu_model"]
    assert record["versions"]["scikit-learn"] and record["command"].startswith("python -m benchmarks quick")


def test_neural_records_come_from_one_epoch_of_the_real_recipes(quick_run):
    _, folder = quick_run
    expected = {
        "seed-cnn": {"architecture": "seed", "augment": False},
        "best-cnn": {"augment": True},
        "seed-lstm": {"hidden_size": 128, "num_layers": 1, "bidirectional": False},
        "short-lstm": {"bidirectional": True, "num_layers": 1},
    }
    for model, params in expected.items():
        record = json.loads((folder / f"{model}.json").read_text())
        assert record["status"] == "ok", record.get("error")
        assert record["params"]["max_epochs"] == 1
        assert {key: record["params"][key] for key in params} == params, model
        assert record["label"].endswith("[quick: 1 epoch]")
        assert 0 <= record["metrics"]["accuracy"] <= 1
        assert "--in-process" in record["memory"]["method"]
        assert record["threads"]["requested"] == 1


def test_table_is_built_from_the_json_records(quick_run, tmp_path):
    _, folder = quick_run
    table = (folder / "table.md").read_text()
    for record in load_records(folder):
        assert record["status"] == "ok", (record["model"], record.get("error"))
        row = next(line for line in table.splitlines() if line.startswith(f"| {record['label']} |"))
        assert format_percent(record["metrics"]["accuracy"]) in row
        assert format_percent(record["metrics"]["f1_macro"]) in row
    # change a record, rebuild: the table follows the record
    copy = tmp_path / "quick-letters-here"
    copy.mkdir()
    record = json.loads((folder / "seed-knn.json").read_text())
    record["metrics"]["accuracy"] = 0.12345
    (copy / "seed-knn.json").write_text(json.dumps(record))
    assert run.main(["table", str(copy), "--no-plots"]) == 0
    assert "| 12.35 % |" in (copy / "table.md").read_text()


def test_reference_rows_are_marked_not_measured(quick_run):
    _, folder = quick_run
    records = load_records(folder)
    for record in records:
        record["protocol"] = "seed"  # the seed slides' rows apply to the seed protocol
    table = render_markdown(records)
    reference_rows = [line for line in table.splitlines() if line.startswith("| *")]
    assert all("| *published, not measured here* [" in line for line in reference_rows)
    assert all(line.endswith("| this run |") for line in table.splitlines()
               if line.startswith("| ") and not line.startswith(("| *", "| Model")))
    labels = [re.match(r"\| \*(.+?)\*", line).group(1) for line in reference_rows]
    assert labels == [
        "Seed slides: CNN",
        "Seed slides: LSTM",
        "Seed slides: KNN",
        "WaveMix-Lite (published best, letters)",
        "OPIUM (EMNIST paper baseline)",
    ]
    assert "| 92 % | 92 % | 92 % |" in reference_rows[0] and "95.96 %" in reference_rows[3]
    assert "arXiv:2205.14375" in table


def test_failing_model_is_recorded_and_run_goes_on(tmp_path, monkeypatch):
    folder = require_shared("bench")

    def broken(protocol, random_state, verbose):
        raise RuntimeError("recipe exploded")

    from benchmarks import recipes

    recipe = recipes.RECIPES["seed-knn"]
    monkeypatch.setitem(
        recipes.RECIPES, "seed-knn", recipes.Recipe(recipe.name, recipe.family, recipe.label,
                                                    recipe.description, broken)
    )
    status = run.main(
        ["quick", "--dataset", "letters-here", "--data-folder", str(folder), "--results",
         str(tmp_path), "--models", "seed-knn", "--in-process", "--no-plots"]
    )
    record = json.loads((tmp_path / "quick-letters-here" / "seed-knn.json").read_text())
    assert status == 1 and record["status"] == "failed" and "recipe exploded" in record["error"]
    assert "**failed**" in (tmp_path / "quick-letters-here" / "table.md").read_text()


def test_unknown_model_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as exit_info:
        run.main(["quick", "--models", "seed-knn,svm"])
    assert exit_info.value.code == 2
    assert "unknown model recipe 'svm'" in capsys.readouterr().err


def test_seed_recipes_are_the_seed_models():
    assert build_estimator("seed-knn").get_params()["n_neighbors"] == 3


def test_json_safe_turns_estimators_into_text():
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    params = run.json_safe(make_pipeline(StandardScaler()).get_params(deep=True))
    json.dumps(params)
    assert params["standardscaler__with_mean"] is True


def test_in_process_thread_setting_is_recorded_and_restored(tmp_path, monkeypatch):
    folder = require_shared("bench")
    monkeypatch.setenv("OMP_NUM_THREADS", "7")
    status = run.main(
        ["quick", "--dataset", "letters-here", "--data-folder", str(folder), "--results",
         str(tmp_path), "--models", "seed-knn", "--in-process", "--no-plots", "--threads", "3"]
    )
    record = json.loads((tmp_path / "quick-letters-here" / "seed-knn.json").read_text())
    assert status == 0 and record["threads"]["OMP_NUM_THREADS"] == "3"
    assert os.environ["OMP_NUM_THREADS"] == "7"


def test_summary_checks_targets_against_the_records(quick_run, tmp_path):
    import shutil

    _, folder = quick_run
    seed_folder = tmp_path / "seed-letters-here"  # the targets look for the seed protocol
    seed_folder.mkdir()
    for model in ("seed-knn", "best-knn"):
        shutil.copy(folder / f"{model}.json", seed_folder)
    (tmp_path / "knn").mkdir()
    (tmp_path / "knn" / "other.json").write_text(
        json.dumps({"kind": "protocol", "dataset": "letters-here", "pipeline": {"accuracy": 0.925}})
    )
    assert run.main(["summary", "--results", str(tmp_path)]) == 0
    summary = (tmp_path / "SUMMARY.md").read_text()
    best = json.loads((folder / "best-knn.json").read_text())
    seed = json.loads((folder / "seed-knn.json").read_text())
    row = next(line for line in summary.splitlines() if "KNN pipeline, seed protocol" in line)
    assert format_percent(best["metrics"]["accuracy"]) in row
    assert ("| yes |" in row) == (best["metrics"]["accuracy"] >= 0.915)
    ratio = best["timing"]["predict_images_per_second"] / seed["timing"]["predict_images_per_second"]
    row = next(line for line in summary.splitlines() if "images/s as brute-force" in line)
    assert f"{ratio:.2f}×" in row
    row = next(line for line in summary.splitlines() if "CharCNNClassifier, full protocol" in line)
    assert "not run yet" in row
    assert "| `knn/other.json` | kind=protocol, dataset=letters-here | pipeline: 92.50 % |" in summary
    (tmp_path / "neural").mkdir()
    (tmp_path / "neural" / "protocol.json").write_text(json.dumps(
        {"kind": "protocol", "recipe": "cnn-deep-long", "dataset": "letters-here", "protocol": "seed",
         "evaluated_on": "test", "metrics": {"accuracy": 0.9612}, "fit_seconds": 1000.0,
         "utc": "2026-01-02T00:00:00Z"}))
    # an older matching record, and one of another recipe, do not count
    (tmp_path / "neural" / "older.json").write_text(json.dumps(
        {"kind": "protocol", "recipe": "cnn-deep-long", "dataset": "letters-here", "protocol": "seed",
         "evaluated_on": "test", "metrics": {"accuracy": 0.9700}, "fit_seconds": 500.0,
         "utc": "2026-01-01T00:00:00Z"}))
    (tmp_path / "neural" / "other-recipe.json").write_text(json.dumps(
        {"kind": "protocol", "recipe": "cnn-deep", "dataset": "letters-here", "protocol": "seed",
         "evaluated_on": "test", "metrics": {"accuracy": 0.9800}, "fit_seconds": 500.0,
         "utc": "2026-01-03T00:00:00Z"}))
    (tmp_path / "knn" / "other.md").write_text("# KNN on letters-here\n\ntext\n")
    run.main(["summary", "--results", str(tmp_path)])
    summary = (tmp_path / "SUMMARY.md").read_text()
    assert "- [KNN on letters-here](knn/other.md)" in summary
    row = next(line for line in summary.splitlines() if "CharCNNClassifier, seed protocol" in line)
    # the runner has no best-cnn record: the other script's figure, its fit time over 15 min
    assert "| 96.12 % | **no** | `neural/protocol.json` |" in row and "fit 1,000 s" in row
    # a target may accept several recipes: the LSTM's reads lstm-bilstm-long's record too
    (tmp_path / "neural" / "lstm.json").write_text(json.dumps(
        {"kind": "protocol", "recipe": "lstm-bilstm-long", "dataset": "letters-here",
         "protocol": "seed", "evaluated_on": "test", "params": {"max_epochs": 30},
         "metrics": {"accuracy": 0.9412}, "fit_seconds": 900.0, "utc": "2026-01-02T00:00:00Z"}))
    run.main(["summary", "--results", str(tmp_path)])
    summary = (tmp_path / "SUMMARY.md").read_text()
    row = next(line for line in summary.splitlines() if "LSTMRowClassifier, seed protocol" in line)
    assert "| 94.12 % | yes | `neural/lstm.json` |" in row
