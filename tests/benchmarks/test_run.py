"""The benchmark runner end to end in quick mode (tiny real subsets), so it cannot rot."""

import json
import os
import re
import time

import pytest

from benchmarks import run
from benchmarks._report import format_percent, load_records, render_markdown
from benchmarks.recipes import DEFAULT_MODELS, RECIPES, build_estimator
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
    # measured rows say which run measured them (the KNN and the neural models ran in two)
    measured = [line for line in table.splitlines()
                if line.startswith("| ") and not line.startswith(("| *", "| Model"))]
    assert measured and all(re.search(r"\| run [12] \|$", line) for line in measured)
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


def test_table_says_same_run_only_for_records_of_one_run(quick_run):
    _, folder = quick_run
    records = load_records(folder)  # the KNN and the neural models ran in two runs
    assert len({r["run_id"] for r in records}) == 2
    for record in records:
        record["command"] = "python -m benchmarks quick"  # the same command twice is still two runs
    assert "the records come from several runs" in render_markdown(records)
    for record in records:
        record["run_id"] = records[0]["run_id"]
    assert "ratios measured in the same run" in render_markdown(records)


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


def test_an_earlier_failure_of_another_model_does_not_fail_this_run(tmp_path):
    folder = require_shared("bench")
    results = tmp_path / "quick-letters-here"
    results.mkdir()
    (results / "seed-lstm.json").write_text(json.dumps(
        {"model": "seed-lstm", "status": "failed", "error": "an earlier run's"}))
    status = run.main(
        ["quick", "--dataset", "letters-here", "--data-folder", str(folder), "--results",
         str(tmp_path), "--models", "seed-knn", "--in-process", "--no-plots"]
    )
    assert status == 0
    run_record = json.loads(next(results.glob("run-*.json")).read_text())
    assert run_record["statuses"] == {"seed-knn": "ok"} and run_record["machine"]["cpu_model"]


def test_unknown_model_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as exit_info:
        run.main(["quick", "--models", "seed-knn,svm"])
    assert exit_info.value.code == 2
    assert "unknown model recipe 'svm'" in capsys.readouterr().err


def test_a_missing_data_folder_is_one_usage_error_before_any_model(tmp_path, capsys):
    # each model's worker failed on it with a traceback of its own, then the run exited 1
    with pytest.raises(SystemExit) as exit_info:
        run.main(["quick", "--dataset", "letters-here", "--data-folder", str(tmp_path),
                  "--results", str(tmp_path / "results"), "--quiet"])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert "missing" in err and "letters-here-train-images-idx3-ubyte.gz" in err
    assert err.count("Traceback") == 0 and not (tmp_path / "results").exists()


def test_models_all_runs_every_recipe(monkeypatch):
    asked = {}
    monkeypatch.setattr(run, "run_benchmark",
                        lambda command, **kwargs: asked.update(kwargs) or {})
    assert run.main(["seed", "--models", "all", "--threads", "1"]) == 0
    assert asked["models"] == list(RECIPES)


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


def _as_seed_record(record):
    """A quick record dressed as the seed protocol's (a fixture for the summary's checks)."""
    record = json.loads(json.dumps(record))
    record["protocol"] = "seed"
    record["dataset"].update(n_train=40_000, whole_test_set=True, test_sample="all 7,800 test images")
    return record


def _seed_folder(tmp_path, folder, models=("seed-knn", "best-knn"), change=None):
    """``tmp_path/seed-letters-here`` holding the quick run's records of ``models`` as seed records."""
    seed_folder = tmp_path / "seed-letters-here"  # the targets look for the seed protocol
    seed_folder.mkdir(exist_ok=True)
    for model in models:
        record = _as_seed_record(json.loads((folder / f"{model}.json").read_text()))
        if change:
            change(model, record)
        (seed_folder / f"{model}.json").write_text(json.dumps(record))
    return seed_folder


def _summary_row(results, text):
    assert run.main(["summary", "--results", str(results)]) == 0
    summary = (results / "SUMMARY.md").read_text()
    return next(line for line in summary.splitlines() if text in line)


def _knn_protocol_record(accuracy, raw_accuracy=0.82):
    """A record as ``bench_knn.py protocol`` writes it (built by its own ``_record``)."""
    from benchmarks import bench_knn

    block = {"accuracy": accuracy, "fit_seconds": 20.0, "predict_seconds": 1.0,
             "predict_images_per_second": 7800.0}
    return bench_knn._record("protocol", {
        "dataset": "letters-here", "protocol": "seed", "n_train": 40_000, "n_test": 7800,
        "train_sample": "class-balanced sample of 40000 training images, random_state=0",
        "pipeline_options": {"random_state": 0}, "pipeline": block,
        "raw_knn": dict(block, accuracy=raw_accuracy, predict_images_per_second=780.0),
        "speedup": 10.0, "accuracy_gain_points": 100 * (accuracy - raw_accuracy), "predict_repeat": 3,
    })


def test_summary_checks_targets_against_the_records(quick_run, tmp_path):
    _, folder = quick_run
    _seed_folder(tmp_path, folder)
    (tmp_path / "knn").mkdir()
    (tmp_path / "knn" / "other.json").write_text(json.dumps(_knn_protocol_record(0.925)))
    assert run.main(["summary", "--results", str(tmp_path)]) == 0
    summary = (tmp_path / "SUMMARY.md").read_text()
    best = json.loads((folder / "best-knn.json").read_text())
    seed = json.loads((folder / "seed-knn.json").read_text())
    row = next(line for line in summary.splitlines() if "KNN pipeline, seed protocol" in line)
    assert format_percent(best["metrics"]["accuracy"]) in row
    assert ("| yes |" in row) == (best["metrics"]["accuracy"] >= 0.915)
    # the record's own commit (where the run had one) and date
    assert best["date"][:10] in row
    assert f"`{(best['git']['commit'] or '')[:7]}`" in row or not best["git"]["commit"]
    ratio = best["timing"]["predict_images_per_second"] / seed["timing"]["predict_images_per_second"]
    row = next(line for line in summary.splitlines() if "images/s as brute-force" in line)
    assert f"{ratio:.2f}×" in row  # both records of one run of the runner
    row = next(line for line in summary.splitlines() if "CharCNNClassifier, full protocol" in line)
    assert "not run yet" in row
    # a bench_knn.py record is listed with its figures (and with the fields that pin it)
    row = next(line for line in summary.splitlines() if line.startswith("| `knn/other.json` |"))
    assert "kind=protocol, dataset=letters-here, protocol=seed" in row
    assert row.endswith("| pipeline: 92.50 %; raw_knn: 82.00 % |")
    (tmp_path / "neural").mkdir()
    (tmp_path / "neural" / "protocol.json").write_text(json.dumps(
        {"kind": "protocol", "recipe": "cnn-deep-long", "dataset": "letters-here", "protocol": "seed",
         "evaluated_on": "test", "n_train": 40_000, "n_eval": 7800, "overrides": {"random_state": "0"},
         "params": {"augment": True},
         "metrics": {"accuracy": 0.9612}, "fit_seconds": 1000.0, "utc": "2026-01-02T00:00:00Z"}))
    # an older matching record, and one of another recipe, do not count
    (tmp_path / "neural" / "older.json").write_text(json.dumps(
        {"kind": "protocol", "recipe": "cnn-deep-long", "dataset": "letters-here", "protocol": "seed",
         "evaluated_on": "test", "n_train": 40_000, "n_eval": 7800, "overrides": {"random_state": "0"},
         "params": {"augment": True},
         "metrics": {"accuracy": 0.9700}, "fit_seconds": 500.0, "utc": "2026-01-01T00:00:00Z"}))
    # nor does a later one of an exploration variant (other augmentation) of the recipe
    (tmp_path / "neural" / "variant.json").write_text(json.dumps(
        {"kind": "protocol", "recipe": "cnn-deep-long", "dataset": "letters-here", "protocol": "seed",
         "evaluated_on": "test", "n_train": 40_000, "n_eval": 7800, "overrides": {"random_state": "0"},
         "params": {"augment": "{'rotation': 15.0}"},
         "metrics": {"accuracy": 0.9900}, "fit_seconds": 500.0, "utc": "2026-01-05T00:00:00Z"}))
    (tmp_path / "neural" / "other-recipe.json").write_text(json.dumps(
        {"kind": "protocol", "recipe": "cnn-deep", "dataset": "letters-here", "protocol": "seed",
         "evaluated_on": "test", "n_train": 40_000, "n_eval": 7800, "overrides": {"random_state": "0"},
         "params": {"augment": True},
         "metrics": {"accuracy": 0.9800}, "fit_seconds": 500.0, "utc": "2026-01-03T00:00:00Z"}))
    (tmp_path / "knn" / "other.md").write_text("# KNN on letters-here\n\ntext\n")
    run.main(["summary", "--results", str(tmp_path)])
    summary = (tmp_path / "SUMMARY.md").read_text()
    assert "- [KNN on letters-here](knn/other.md)" in summary
    row = next(line for line in summary.splitlines() if "CharCNNClassifier, seed protocol" in line)
    # the runner has no best-cnn record: the other script's figure, its fit time over 15 min;
    # a record without a commit says so, and shows its date
    assert "| 96.12 % | **no** | `neural/protocol.json` | commit not recorded, 2026-01-02 00:00 UTC |" in row
    assert "fit 1,000 s" in row
    # a target may accept several recipes: the LSTM's reads lstm-bilstm-long's record too
    (tmp_path / "neural" / "lstm.json").write_text(json.dumps(
        {"kind": "protocol", "recipe": "lstm-bilstm-long", "dataset": "letters-here",
         "protocol": "seed", "evaluated_on": "test", "n_train": 40_000, "n_eval": 7800,
         "overrides": {"random_state": "0"}, "params": {"max_epochs": 30, "augment": True},
         "metrics": {"accuracy": 0.9412}, "fit_seconds": 900.0, "utc": "2026-01-02T00:00:00Z"}))
    row = _summary_row(tmp_path, "LSTMRowClassifier, seed protocol")
    assert "| 94.12 % | yes | `neural/lstm.json` |" in row


def test_runs_with_other_protocol_options_write_folders_of_their_own(tmp_path):
    folder = require_shared("bench")
    common = ["quick", "--dataset", "letters-here", "--data-folder", str(folder), "--results",
              str(tmp_path), "--models", "seed-knn", "--in-process", "--no-plots", "--quiet"]
    assert run.main(common + ["--test-size", "52", "--random-state", "1"]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["quick-letters-here-test52-rs1"]
    record = json.loads((tmp_path / "quick-letters-here-test52-rs1" / "seed-knn.json").read_text())
    assert record["dataset"]["n_test"] == 52 and record["dataset"]["whole_test_set"] is False
    (runs,) = (tmp_path / "quick-letters-here-test52-rs1").glob("run-*.json")
    run_record = json.loads(runs.read_text())
    assert (run_record["test_size"], run_record["random_state"]) == (52, 1)
    assert run_record["run_id"] == record["run_id"] and run_record["records"] == ["seed-knn.json"]
    # its table and the summary say how it departs from the protocol
    table = (tmp_path / "quick-letters-here-test52-rs1" / "table.md").read_text()
    assert table.startswith("# Quick protocol on `letters-here` (52 test images, random_state=1)\n")
    row = _summary_row(tmp_path, "| seed-knn |")
    assert row.startswith("| quick (52 test images, random_state=1) | letters-here | seed-knn |")
    from benchmarks.datasets import resolve_source

    here = resolve_source("letters-here", data_folder=folder)
    elsewhere = resolve_source(source=f"folder:{tmp_path}:letters-here:letters")
    assert run._results_folder(tmp_path, "seed", here, None).name == "seed-letters-here"
    assert run._results_folder(tmp_path, "seed", elsewhere, None).name.startswith("seed-letters-here-src")
    assert run._results_folder(tmp_path, "seed", here, 1000, None, 2).name == "seed-letters-here-n1000-rs2"


@pytest.mark.parametrize("change, reason", [
    (lambda r: r["dataset"].update(whole_test_set=False, n_test=260), "not on the whole test set"),
    (lambda r: r["dataset"].update(whole_test_set=None, test_sample="class-balanced sample of 260 "
                                   "of the 7,800 test images, random_state=0"), "not on the whole test set"),
    (lambda r: r.update(random_state=1), "random_state=1"),
    (lambda r: r["dataset"].update(n_train=20_000), "not the seed protocol's 40,000"),
])
def test_summary_refuses_records_of_another_protocol(quick_run, tmp_path, change, reason):
    _, folder = quick_run
    _seed_folder(tmp_path, folder, change=lambda model, record: change(record))
    for text in ("package's KNN beats", "images/s as brute-force"):
        row = _summary_row(tmp_path, text)
        assert "| — | — |" in row and reason in row, row


def test_summary_ratios_pair_records_of_one_run_only(quick_run, tmp_path):
    _, folder = quick_run

    def other_run(model, record):
        if model == "best-knn":
            record["run_id"] = "another-run"

    _seed_folder(tmp_path, folder, change=other_run)
    row = _summary_row(tmp_path, "images/s as brute-force")
    assert "| — | — |" in row and "different runs" in row
    # records written before records had run ids: the run record's command, models and
    # time span tell which run wrote them
    seed_folder = _seed_folder(tmp_path, folder, change=lambda model, record: record.pop("run_id"))
    ended = json.loads((seed_folder / "best-knn.json").read_text())["date"]
    (seed_folder / "run-old.json").write_text(json.dumps({
        "schema": run.RUN_SCHEMA, "command": json.loads((seed_folder / "best-knn.json").read_text())[
            "command"], "models": ["seed-knn", "best-knn"], "total_seconds": 600.0, "date": ended,
        "statuses": {"seed-knn": "ok", "best-knn": "ok"}}))
    assert "×" in _summary_row(tmp_path, "images/s as brute-force").split("|")[3]
    record = json.loads((seed_folder / "seed-knn.json").read_text())
    record["date"] = "2020-01-01T00:00:00+00:00"  # long before that run
    (seed_folder / "seed-knn.json").write_text(json.dumps(record))
    assert "different runs" in _summary_row(tmp_path, "images/s as brute-force")


@pytest.mark.parametrize("statuses, met", [
    ({"ok"}, "yes"), ({"failed"}, "**no**"), ({"timeout"}, "**no**"), ({"ok", "failed"}, "**no**")])
def test_comparison_time_counts_only_when_every_model_ran(tmp_path, statuses, met):
    seed_folder = tmp_path / "seed-letters-here"
    seed_folder.mkdir()
    kinds = sorted(statuses)
    (seed_folder / "run-x.json").write_text(json.dumps({
        "schema": run.RUN_SCHEMA, "command": "python -m benchmarks seed", "models": list(DEFAULT_MODELS),
        "statuses": {m: kinds[i % len(kinds)] for i, m in enumerate(DEFAULT_MODELS)},
        "total_seconds": 12.0, "date": "2026-01-01T00:00:00+00:00"}))
    row = _summary_row(tmp_path, "whole comparison in under 15 minutes")
    assert f"| 12 s | {met} |" in row


def test_seed_targets_of_other_scripts_need_the_seed_protocol(tmp_path):
    (tmp_path / "neural").mkdir()
    seed = {"kind": "protocol", "recipe": "cnn-deep-long", "dataset": "letters-here", "protocol": "seed",
            "evaluated_on": "test", "n_train": 40_000, "n_eval": 7800,
            "overrides": {"random_state": "0"}, "params": {"augment": True},
            "metrics": {"accuracy": 0.95}, "fit_seconds": 600.0, "utc": "2026-01-01T00:00:00Z"}
    (tmp_path / "neural" / "seed.json").write_text(json.dumps(seed))
    # later and better, but `protocol --n-train 60000` or `--random-state 1`: not the seed protocol
    (tmp_path / "neural" / "n60000.json").write_text(json.dumps(
        dict(seed, n_train=60_000, metrics={"accuracy": 0.97}, utc="2026-01-02T00:00:00Z")))
    (tmp_path / "neural" / "rs1.json").write_text(json.dumps(
        dict(seed, overrides={"random_state": "1"}, metrics={"accuracy": 0.97},
             utc="2026-01-03T00:00:00Z")))
    row = _summary_row(tmp_path, "CharCNNClassifier, seed protocol")
    assert "| 95.00 % | **no** | `neural/seed.json` |" in row
    # the committed records still satisfy the seed targets' match as they did
    from benchmarks._report import _other_value, load_references

    committed = run.DEFAULT_RESULTS
    if not (committed / "neural").is_dir():
        pytest.skip("no committed neural records")
    for target in load_references()["targets"]:
        if target.get("other") and target["protocol"] == "seed":
            value, path, _, _ = _other_value(target, committed)
            record = json.loads(path.read_text())
            assert value is not None and record["n_train"] == 40_000 and record["protocol"] == "seed"


def test_a_record_that_overrides_a_recipe_choice_is_not_the_recipes_figure(tmp_path):
    (tmp_path / "neural").mkdir()
    recipe = {"kind": "protocol", "recipe": "cnn-deeper-long", "dataset": "byclass-here",
              "protocol": "full", "evaluated_on": "test",
              "overrides": {"n_threads": "1", "precision": "'bfloat16'", "random_state": "0"},
              "params": {"augment": True, "class_weight": None, "label_smoothing": 0.1},
              "metrics": {"accuracy": 0.8786}, "fit_seconds": 2417.0, "utc": "2026-01-01T00:00:00Z"}
    (tmp_path / "neural" / "recipe.json").write_text(json.dumps(recipe))
    # later, but trained 60 epochs instead of the recipe's 40: a variant's test run
    (tmp_path / "neural" / "e60.json").write_text(json.dumps(dict(
        recipe, overrides=dict(recipe["overrides"], max_epochs="60"),
        metrics={"accuracy": 0.8781}, utc="2026-01-02T00:00:00Z")))
    row = _summary_row(tmp_path, "CharCNNClassifier on byclass-here")
    assert "| 87.86 % | **no** | `neural/recipe.json` |" in row
    # a speed setting alone (one thread more) leaves a later record the recipe's figure
    (tmp_path / "neural" / "t2.json").write_text(json.dumps(dict(
        recipe, overrides=dict(recipe["overrides"], n_threads="2"),
        metrics={"accuracy": 0.8801}, utc="2026-01-03T00:00:00Z")))
    row = _summary_row(tmp_path, "CharCNNClassifier on byclass-here")
    assert "| 88.01 % | yes | `neural/t2.json` |" in row


def test_summary_lists_every_record_of_the_other_scripts(tmp_path):
    (tmp_path / "knn").mkdir()
    (tmp_path / "readers").mkdir()
    (tmp_path / "knn" / "seed-letters-here.json").write_text(json.dumps(_knn_protocol_record(0.9)))
    imbalance = _knn_protocol_record(0.9)
    imbalance.update(kind="imbalance", results=[{"sampler": "none", "accuracy": 0.8},
                                                {"sampler": "RandomOverSampler", "accuracy": 0.75}])
    for key in ("pipeline", "raw_knn", "protocol"):
        del imbalance[key]
    (tmp_path / "knn" / "imbalance.json").write_text(json.dumps(imbalance))
    (tmp_path / "readers" / "readers.json").write_text(json.dumps(
        {"schema": "sklearn-emnist-readers/1", "split": "mnist", "subset": "test",
         "rows": [{"reader": "gzip -dc (floor)", "best_seconds": 0.1}]}))
    assert run.main(["summary", "--results", str(tmp_path)]) == 0
    lines = (tmp_path / "SUMMARY.md").read_text().splitlines()
    listed = {line.split("|")[1].strip(): line for line in lines if line.startswith("| `")}
    assert set(listed) == {"`knn/seed-letters-here.json`", "`knn/imbalance.json`", "`readers/readers.json`"}
    assert "| pipeline: 90.00 %; raw_knn: 82.00 % |" in listed["`knn/seed-letters-here.json`"]
    assert "| results[none]: 80.00 %; results[RandomOverSampler]: 75.00 % |" in listed["`knn/imbalance.json`"]
    assert listed["`readers/readers.json`"].endswith("| no accuracy figure |")


def test_records_of_every_script_carry_their_date_and_commit():
    from datetime import datetime

    from benchmarks import _machine, bench_knn, bench_neural

    for record in (bench_knn._record("protocol", {}), bench_neural._record("protocol", {})):
        assert datetime.fromisoformat(record["utc"].replace("Z", "+00:00")).year >= 2024
        assert record["git"] == _machine.git_revision()


# --- the summary requires each target's protocol of the other scripts' records --------------


def _neural_record(**changes):
    """A ``bench_neural.py protocol`` record of the seed CNN target's protocol, as older
    records hold it (no ``sample_random_state`` field: the command says)."""
    record = {"kind": "protocol", "recipe": "cnn-deep-long", "dataset": "letters-here",
              "protocol": "seed", "evaluated_on": "test", "n_train": 40_000, "n_eval": 7800,
              "command": "python benchmarks/bench_neural.py protocol --recipe cnn-deep-long",
              "overrides": {"random_state": "0"}, "params": {"augment": True, "random_state": 0},
              "metrics": {"accuracy": 0.95}, "fit_seconds": 600.0, "utc": "2026-01-01T00:00:00Z"}
    record.update(changes)
    return record


_FULL = {"protocol": "full", "n_train": 117_248,
         "command": "python benchmarks/bench_neural.py protocol --recipe cnn-deep-long --protocol full"}


@pytest.mark.parametrize("target, later, reason", [
    # the 40,000-image sample of another random_state: only the command said so
    ("CharCNNClassifier, seed protocol", {"command": "python benchmarks/bench_neural.py protocol "
                                          "--recipe cnn-deep-long --random-state 1"},
     "the training sample's random_state=1"),
    ("CharCNNClassifier, seed protocol", {"command": "python benchmarks/bench_neural.py protocol "
                                          "--recipe cnn-deep-long --random-state=2 --tag x"},
     "the training sample's random_state=2"),
    ("CharCNNClassifier, seed protocol", {"sample_random_state": 3}, "random_state=3"),
    ("CharCNNClassifier, seed protocol", {"whole_test_set": False}, "not scored on the whole test set"),
    # the full protocol's targets checked no random state at all
    ("CharCNNClassifier, full protocol", dict(_FULL, overrides={"random_state": "1"},
                                              params={"augment": True, "random_state": 1}),
     "the estimator's random_state=1"),
    ("CharCNNClassifier, full protocol", dict(_FULL, command=_FULL["command"] + " --random-state 4"),
     "the training sample's random_state=4"),
    ("CharCNNClassifier, full protocol", dict(_FULL, whole_train_set=False),
     "not trained on all training images"),
    ("CharCNNClassifier, full protocol", dict(_FULL, sample_random_state=0, whole_test_set=False),
     "not scored on the whole test set"),
])
def test_summary_requires_the_targets_protocol_of_bench_neural_records(tmp_path, target, later,
                                                                       reason):
    (tmp_path / "neural").mkdir()
    base = _FULL if "full" in target else {}
    (tmp_path / "neural" / "protocol.json").write_text(json.dumps(_neural_record(**base)))
    # later and better, but not the protocol: it must not count
    (tmp_path / "neural" / "later.json").write_text(json.dumps(_neural_record(
        **dict(base, **later, metrics={"accuracy": 0.99}, utc="2026-01-02T00:00:00Z"))))
    row = _summary_row(tmp_path, target)
    assert "| 95.00 % | **no** | `neural/protocol.json` |" in row, row
    assert "1 later matching record(s) refused, the last `neural/later.json`" in row and reason in row
    # alone, it is no figure of the target
    (tmp_path / "neural" / "protocol.json").unlink()
    row = _summary_row(tmp_path, target)
    assert "| — | — | — |" in row and "no record of the protocol" in row and reason in row


def test_records_of_bench_neural_say_their_protocol_as_fields(tmp_path):
    # a record that says its sample's random_state is read as it says, not from its command
    (tmp_path / "neural").mkdir()
    record = _neural_record(sample_random_state=0, whole_test_set=True, whole_train_set=False,
                            command="python benchmarks/bench_neural.py protocol --random-state 5")
    (tmp_path / "neural" / "protocol.json").write_text(json.dumps(record))
    assert "| 95.00 % | **no** | `neural/protocol.json` |" in _summary_row(
        tmp_path, "CharCNNClassifier, seed protocol")


def test_the_committed_records_meet_the_protocol_checks():
    from benchmarks._report import _other_off_protocol, _other_value, load_references

    committed = run.DEFAULT_RESULTS
    if not (committed / "neural").is_dir():
        pytest.skip("no committed neural records")
    for target in load_references()["targets"]:
        if target.get("other"):
            value, _, note, extra = _other_value(target, committed)
            assert value is not None, (target["what"], note)
            assert _other_off_protocol(extra["record"], target) is None
            assert "refused" not in note, (target["what"], note)


# --- the runner: exit status, failures, paths, options ---------------------------------------


def _corrupt_folder(tmp_path):
    """A folder holding letters-here files of the right names that are not IDX files."""
    folder = tmp_path / "corrupt"
    folder.mkdir()
    for subset in ("train", "test"):
        for kind in ("images-idx3", "labels-idx1"):
            (folder / f"letters-here-{subset}-{kind}-ubyte.gz").write_bytes(b"not gzip data\n")
    return folder


def test_a_failing_model_named_by_its_alias_fails_the_run_and_its_error_is_recorded(tmp_path):
    # `--models knn` ran best-knn: the exit status compared the alias with the records' names
    folder = _corrupt_folder(tmp_path)
    status = run.main(["quick", "--source", f"folder:{folder}:letters-here:letters", "--models", "knn",
                       "--results", str(tmp_path / "results"), "--data-home", str(tmp_path / "home"),
                       "--no-plots", "--quiet"])
    assert status == 1
    (record_path,) = (tmp_path / "results").glob("*/best-knn.json")
    record = json.loads(record_path.read_text())
    assert record["status"] == "failed" and record["model"] == "best-knn"
    # the worker's error, not only "see its output above"
    assert record["error"].startswith("worker exited with status 1: ")
    assert "Error" in record["error"] and "see its output above" not in record["error"]
    assert any(line.startswith("Traceback") for line in record["error_output"])
    assert record["error_output"][-1].strip() in record["error"]
    table = (record_path.parent / "table.md").read_text()
    row = next(line for line in table.splitlines() if line.startswith("| make_knn_pipeline"))
    assert "| **failed**: worker exited with status 1: " in row and "Error" in row


def test_a_timeout_is_recorded_with_the_workers_last_output(tmp_path):
    """The record keeps what the worker printed before it was stopped: here its
    "loading" line, after which it waits for a mirror that accepts the
    connection and never answers (so the limit, not the machine's speed, ends
    it)."""
    import socket

    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(8)  # connections complete, no reply ever comes
        mirror = f"http://127.0.0.1:{server.getsockname()[1]}/"
        status = run.main(["quick", "--dataset", "letters", "--mirror", mirror, "--models",
                           "seed-knn", "--results", str(tmp_path / "results"), "--data-home",
                           str(tmp_path / "home"), "--timeout", "8", "--no-plots", "--quiet",
                           "--threads", "1"])
    record = json.loads(next((tmp_path / "results").glob("*/seed-knn.json")).read_text())
    assert status == 1 and record["status"] == "timeout"
    assert record["error"] == "stopped after the time limit of 8 s (--timeout)"
    assert any(line.startswith("[seed-knn] loading ") for line in record["error_output"])
    assert record["threads"]["requested"] == 1


def test_a_failed_rerun_keeps_the_good_record_and_the_met_targets(quick_run, tmp_path, monkeypatch):
    require_shared("bench")  # the protocol's default data folder is checked up front
    _, folder = quick_run

    def good(model, record):  # figures that meet the KNN targets
        record["metrics"]["accuracy"] = 0.92 if model == "best-knn" else 0.82
        record["timing"]["predict_images_per_second"] = 8000.0 if model == "best-knn" else 800.0

    seed_folder = _seed_folder(tmp_path, folder, change=good)
    before = {line.split("|")[2]: line for line in (_summary_row(tmp_path, "KNN beats"),
                                                    _summary_row(tmp_path, "images/s as brute"))}
    assert all("| yes |" in line for line in before.values())

    def broken(spec):
        raise RuntimeError("the re-run broke")

    monkeypatch.setattr(run, "run_worker", broken)
    status = run.main(["seed", "--dataset", "letters-here", "--models", "best-knn", "--results",
                       str(tmp_path), "--in-process", "--no-plots", "--quiet"])
    assert status == 1
    kept = json.loads((seed_folder / "best-knn.json").read_text())
    assert kept["status"] == "ok" and kept["metrics"]["accuracy"] == 0.92
    (failure_path,) = seed_folder.glob("best-knn-failed-*.json")
    # <model>-<status>-<YYYY-MM-DDTHHMMSSZ>.json, as the user guide names it
    assert re.fullmatch(r"best-knn-failed-\d{4}-\d\d-\d\dT\d{6}Z\.json", failure_path.name)
    guide = (run.REPO_ROOT / "docs" / "user_guide" / "benchmarks.rst").read_text()
    assert "``<model>-<status>-<YYYY-MM-DDTHHMMSSZ>.json``" in guide
    failure = json.loads(failure_path.read_text())
    assert failure["status"] == "failed" and failure["error"] == "RuntimeError: the re-run broke"
    assert failure["error_output"][0].startswith("Traceback")
    run_record = json.loads(max(seed_folder.glob("run-*.json")).read_text())
    assert run_record["statuses"] == {"best-knn": "failed"}
    assert run_record["records"] == [failure_path.name]
    # the summary keeps the met targets, and lists the failure
    for line in before.values():
        assert _summary_row(tmp_path, line.split("|")[2]) == line
    assert "| seed | letters-here | best-knn | failed |" in (tmp_path / "SUMMARY.md").read_text()
    # the table shows both, each with its run
    table = (seed_folder / "table.md").read_text()
    rows = [line for line in table.splitlines() if line.startswith("| make_knn_pipeline")]
    assert len(rows) == 2 and rows[0].endswith("| run 1 |") and rows[1].endswith("| run 2 |")
    assert "**failed**: RuntimeError: the re-run broke" in rows[1]
    # once the model runs well again, the earlier failure is no longer shown
    kept["date"] = "2999-01-01T00:00:00+00:00"
    (seed_folder / "best-knn.json").write_text(json.dumps(kept))
    records = load_records(seed_folder)
    assert "**failed**" not in render_markdown(records)


def test_relative_paths_are_read_from_the_callers_directory(tmp_path, monkeypatch):
    # the worker process runs in the repository root: a relative --results was
    # written there (and the run then failed to read its records back)
    folder = require_shared("bench")
    (tmp_path / "data").symlink_to(folder, target_is_directory=True)
    monkeypatch.chdir(tmp_path)
    status = run.main(["quick", "--dataset", "letters-here", "--data-folder", "data",
                       "--models", "seed-knn", "--results", "rel", "--no-plots", "--quiet",
                       "--threads", "1"])
    assert status == 0
    (record_path,) = (tmp_path / "rel").glob("*/seed-knn.json")
    assert json.loads(record_path.read_text())["status"] == "ok"
    assert not (run.REPO_ROOT / "rel").exists()


def test_timeout_with_in_process_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as exit_info:
        run.main(["quick", "--models", "seed-knn", "--in-process", "--timeout", "5"])
    assert exit_info.value.code == 2
    assert "--timeout" in capsys.readouterr().err
    with pytest.raises(ValueError, match="--in-process"):
        run.run_benchmark("quick", models=["seed-knn"], in_process=True, timeout=5)


@pytest.mark.parametrize("value", ["0", "-1", "two"])
def test_threads_must_be_at_least_one(value, capsys):
    with pytest.raises(SystemExit) as exit_info:
        run.main(["quick", "--models", "seed-knn", "--threads", value])
    assert exit_info.value.code == 2 and ">= 1" in capsys.readouterr().err


def test_threads_of_the_function_are_checked_too():
    for threads in (0, -2, 1.5, True):
        with pytest.raises(ValueError, match=">= 1"):
            run.run_benchmark("quick", models=["seed-knn"], threads=threads)


@pytest.mark.parametrize("value", ["0", "-3", "nan", "x"])
def test_timeout_must_be_positive(value, capsys):
    with pytest.raises(SystemExit) as exit_info:
        run.main(["quick", "--models", "seed-knn", "--timeout", value])
    assert exit_info.value.code == 2 and "positive number of seconds" in capsys.readouterr().err


def test_summary_of_a_missing_or_empty_results_folder_is_an_error(tmp_path, capsys):
    missing = tmp_path / "typo-results"
    with pytest.raises(SystemExit) as exit_info:
        run.main(["summary", "--results", str(missing)])
    assert exit_info.value.code == 2 and "does not exist" in capsys.readouterr().err
    assert not missing.exists()
    (tmp_path / "empty").mkdir()
    with pytest.raises(SystemExit) as exit_info:
        run.main(["summary", "--results", str(tmp_path / "empty")])
    assert exit_info.value.code == 2 and "holds no benchmark record" in capsys.readouterr().err
    assert not (tmp_path / "empty" / "SUMMARY.md").exists()


# --- tables of records of several runs or measurements ---------------------------------------


def test_a_table_of_records_of_several_runs_says_which_run_measured_what(quick_run):
    _, folder = quick_run
    records = [r for r in load_records(folder) if r["model"] in ("seed-knn", "best-knn")]
    assert len({r["run_id"] for r in records}) == 1  # one run: as before
    table = render_markdown(records)
    assert "measured in this run" in table and "\nMachine: " in table and "| run 1 |" not in table
    seed, best = (next(r for r in records if r["model"] == m) for m in ("seed-knn", "best-knn"))
    best.update(run_id="another-run", date="2999-01-01T00:00:00+00:00",
                git={"commit": "f" * 40, "dirty": False},
                machine=dict(best["machine"], cpu_model="Other CPU 9000", load_average_1min=7.5))
    seed["git"] = {"commit": "a" * 40, "dirty": True}
    table = render_markdown(records)
    row = next(line for line in table.splitlines() if line.startswith("| make_knn_pipeline"))
    assert row.endswith("| run 2 |")
    assert next(line for line in table.splitlines() if line.startswith("| Seed KNN")).endswith("| run 1 |")
    # the comparison says its ratios come from two runs
    comparison = next(line for line in table.splitlines() if line.startswith("- **make_knn_pipeline"))
    assert "measured in another run (run 1, not run 2" in comparison and "only indicative" in comparison
    # each run's machine and commit, not the first record's for all
    assert "\nMachine: " not in table
    run_lines = [line for line in table.splitlines() if line.startswith("- run ")]
    assert len(run_lines) == 2
    assert "a" * 40 in run_lines[0] and "local changes" in run_lines[0]
    assert "f" * 40 in run_lines[1] and "Other CPU 9000" in run_lines[1]
    assert "load average 7.5" in run_lines[1]


def test_table_refuses_to_merge_records_of_other_random_states_or_sources(quick_run, tmp_path, capsys):
    _, folder = quick_run
    root = tmp_path / "root"
    for name, change in (("quick-letters-here", None),
                         ("quick-letters-here-rs1", lambda r: r.update(random_state=1)),
                         ("quick-letters-here-src12345678",
                          lambda r: r["dataset"].update(source="folder:/elsewhere:letters-here:letters"))):
        (root / name).mkdir(parents=True)
        for model in ("seed-knn", "best-knn"):
            record = json.loads((folder / f"{model}.json").read_text())
            if change:
                change(record)
            (root / name / f"{model}.json").write_text(json.dumps(record))
    assert run.main(["table", str(root), "--no-plots"]) == 1
    err = capsys.readouterr().err
    assert "3 different measurements" in err and "random_state=1" in err and "/elsewhere" in err
    assert not (root / "table.md").exists()
    # one folder at a time is one table
    assert run.main(["table", str(root / "quick-letters-here-rs1"), "--no-plots"]) == 0
    assert "random_state=1" in (root / "quick-letters-here-rs1" / "table.md").read_text().splitlines()[0]


def test_table_of_a_runner_folder_with_a_failure_record_beside_a_good_one(tmp_path, monkeypatch,
                                                                          capsys):
    """A failure record stores no class count, so its test-size departure was not
    seen and ``table`` took the folder the runner wrote for two measurements."""
    folder = require_shared("bench")
    common = ["quick", "--dataset", "letters-here", "--data-folder", str(folder), "--test-size",
              "52", "--models", "seed-knn", "--results", str(tmp_path), "--in-process",
              "--no-plots", "--quiet", "--threads", "1"]
    assert run.main(common) == 0

    def broken(spec):
        raise RuntimeError("the re-run broke")

    monkeypatch.setattr(run, "run_worker", broken)
    time.sleep(1.1)  # records are dated to the second: the failure is the later one
    assert run.main(common) == 1
    (results,) = tmp_path.iterdir()
    assert results.name == "quick-letters-here-test52"
    (failure,) = results.glob("seed-knn-failed-*.json")
    assert json.loads(failure.read_text())["dataset"]["n_classes"] == 0
    capsys.readouterr()
    assert run.main(["table", str(results), "--no-plots"]) == 0
    assert "different measurements" not in capsys.readouterr().err
    table = (results / "table.md").read_text()
    assert table.splitlines()[0] == "# Quick protocol on `letters-here` (52 test images)"
    assert "**failed**: RuntimeError: the re-run broke" in table
    # a folder of failures alone is one measurement too
    (results / "seed-knn.json").unlink()
    assert run.main(["table", str(results), "--no-plots"]) == 0


def _comparison_runs(seed_folder, runs):
    seed_folder.mkdir(exist_ok=True)
    for name, status, seconds, date in runs:
        (seed_folder / name).write_text(json.dumps({
            "schema": run.RUN_SCHEMA, "command": "python -m benchmarks seed",
            "models": list(DEFAULT_MODELS), "total_seconds": seconds, "date": date,
            "statuses": {m: status if m == "best-knn" else "ok" for m in DEFAULT_MODELS}}))


@pytest.mark.parametrize("status, seconds, reason", [
    ("timeout", 950.0, "did not complete and took 950 s"),
    ("failed", 300.0, "did not complete (after 300 s)"),
])
def test_a_later_run_that_did_not_complete_shows_the_last_figure_but_is_not_met(
        tmp_path, status, seconds, reason):
    """The target stayed met while the latest full run timed out past the limit."""
    seed_folder = tmp_path / "seed-letters-here"
    _comparison_runs(seed_folder, [("run-a.json", "ok", 700.0, "2026-01-01T00:00:00+00:00"),
                                   ("run-b.json", status, seconds, "2026-01-02T00:00:00+00:00")])
    row = _summary_row(tmp_path, "whole comparison in under 15 minutes")
    # the last complete run's figure, still shown ...
    assert "| 700 s | **no**: the latest run (`run-b.json`, 2026-01-02 00:00 UTC) " in row
    assert f"{reason} | `seed-letters-here/run-a.json` |" in row  # ... but not met
    assert "1 later run(s) did not complete, the last `run-b.json`" in row
    # a complete run after it meets the target again
    _comparison_runs(seed_folder, [("run-c.json", "ok", 650.0, "2026-01-03T00:00:00+00:00")])
    row = _summary_row(tmp_path, "whole comparison in under 15 minutes")
    assert "| 650 s | yes | `seed-letters-here/run-c.json` |" in row
    # and one that ran whole but past the limit does not
    _comparison_runs(seed_folder, [("run-d.json", "ok", 901.0, "2026-01-04T00:00:00+00:00")])
    row = _summary_row(tmp_path, "whole comparison in under 15 minutes")
    assert "| 901 s | **no** | `seed-letters-here/run-d.json` |" in row


# --- the one-line error of a worker that failed ------------------------------------------------

_OOM_THEN_WARNING = """\
Traceback (most recent call last):
  File "/repo/benchmarks/run.py", line 200, in _worker
    model.fit(X, y)
  File "/repo/sklearn_emnist/neural/_base.py", line 900, in fit
    loss.backward()
torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB
/usr/lib/python3.12/multiprocessing/resource_tracker.py:254: UserWarning: resource_tracker: \
There appear to be 1 leaked semaphore objects to clean up at shutdown
  warnings.warn('resource_tracker: There appear to be %d '
"""


def _fake_worker(tmp_path, monkeypatch, stderr, end):
    """Make the runner's worker a script that prints ``stderr`` and ends with ``end``."""
    (tmp_path / "stderr.txt").write_text(stderr)
    script = tmp_path / "worker.sh"
    script.write_text(f"#!/bin/sh\ncat '{tmp_path / 'stderr.txt'}' >&2\n{end}\n")
    script.chmod(0o755)
    monkeypatch.setattr(run.sys, "executable", str(script))


def test_a_failed_workers_error_is_the_exception_not_a_warning_printed_after_it(
        tmp_path, monkeypatch, capsys):
    _fake_worker(tmp_path, monkeypatch, _OOM_THEN_WARNING, "exit 1")
    status, error, output = run._run_in_subprocess({"threads": None}, timeout=60)
    assert status == "failed"
    assert error == ("worker exited with status 1: torch.OutOfMemoryError: CUDA out of memory. "
                     "Tried to allocate 2.00 GiB")
    assert output[-1].strip().startswith("warnings.warn(")  # all of it kept in the record


def test_a_worker_killed_by_a_signal_is_named_so(tmp_path, monkeypatch, capsys):
    warning = _OOM_THEN_WARNING.split("\n", 5)[-1]  # the warning alone, no traceback
    _fake_worker(tmp_path, monkeypatch, warning, "kill -9 $$")
    status, error, _ = run._run_in_subprocess({"threads": None}, timeout=60)
    assert status == "failed"
    assert error.startswith("worker killed by SIGKILL (status -9)")
    assert "UserWarning" not in error and "leaked semaphore" not in error


def test_the_last_error_line_without_a_whole_traceback_is_no_warning():
    lines = _OOM_THEN_WARNING.splitlines()[3:]  # the traceback's start cut off
    assert run._last_error_line(lines).startswith("torch.OutOfMemoryError: CUDA out of memory")
    chained = ["Traceback (most recent call last):", '  File "a.py", line 1, in <module>',
               "KeyError: 'x'", "",
               "During handling of the above exception, another exception occurred:", "",
               "Traceback (most recent call last):",
               '  File "a.py", line 3, in <module>', "ValueError: the second",
               "  note: indented detail"]
    assert run._last_error_line(chained) == "ValueError: the second"
