"""``evaluate`` in process, on a small KNN trained by the CLI on real letters: its
outputs (checked before any work, written safely), its default data and its
warning when scored on the model's own training images."""

import json
import os
import shutil

import numpy as np
import pytest

from sklearn_emnist.cli import main
from tests._data import load_bench


def _write_letters(folder, subset, n_per_class):
    from sklearn_emnist.datasets import write_idx

    X, y = load_bench("letters-here", subset, n_per_class=n_per_class, random_state=0)
    # stored as EMNIST stores letters: transposed images, labels 1..26
    write_idx(folder / f"letters-small-{subset}-images-idx3-ubyte.gz",
              np.ascontiguousarray(X.transpose(0, 2, 1)))
    write_idx(folder / f"letters-small-{subset}-labels-idx1-ubyte.gz", (y + 1).astype(np.uint8))


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A KNN model trained with ``train --folder . --name letters-small`` (a
    relative folder) on 104 real letters; the folder also holds 52 test letters."""
    root = tmp_path_factory.mktemp("evaluate")
    data = root / "data"
    data.mkdir()
    _write_letters(data, "train", 4)
    _write_letters(data, "test", 2)
    model = root / "knn.skem"
    before = os.getcwd()
    os.chdir(data)
    try:
        code = main(["train", "--folder", ".", "--name", "letters-small", "--model", "knn",
                     "--n-components", "20", "--data-home", str(root / "home"),
                     "-o", str(model), "-q"])
    finally:
        os.chdir(before)
    assert code == 0
    return {"root": root, "data": data, "model": model, "home": str(root / "home")}


def _evaluate(trained, *options):
    return main(["evaluate", str(trained["model"]), "--data-home", trained["home"], *options])


def _data(trained):
    return ["--folder", str(trained["data"]), "--name", "letters-small"]


def test_json_that_is_the_model_is_refused_before_any_work(trained, tmp_path, capsys):
    model = tmp_path / "knn.skem"  # a copy: the other tests keep theirs whatever happens
    shutil.copy(trained["model"], model)
    before = model.read_bytes()
    # the data folder does not exist: the output is checked first
    code = main(["evaluate", str(model), "--folder", str(tmp_path / "nowhere"), "--name",
                 "letters-small", "--json", str(model)])
    assert code == 2
    assert "is the model being evaluated" in capsys.readouterr().err
    assert model.read_bytes() == before


def test_json_that_is_a_data_file_is_refused(trained, tmp_path, capsys):
    data = shutil.copytree(trained["data"], tmp_path / "data")
    labels = data / "letters-small-test-labels-idx1-ubyte.gz"
    before = labels.read_bytes()
    code = _evaluate(trained, "--folder", str(data), "--name", "letters-small",
                     "--json", str(labels))
    assert code == 2
    assert "is one of the data files" in capsys.readouterr().err
    assert labels.read_bytes() == before


@pytest.mark.parametrize("option", ["--json", "--plots"])
def test_an_output_in_a_missing_folder_is_a_usage_error_before_any_work(
        trained, capsys, option):
    missing = trained["root"] / "no-such-folder" / "out"
    code = _evaluate(trained, "--folder", str(trained["root"] / "nowhere"), "--name",
                     "letters-small", option, str(missing))
    assert code == 2
    assert f"the folder {missing.parent} does not exist" in capsys.readouterr().err


@pytest.mark.parametrize("earlier", ["", "\n", "  \n\t\n"])
def test_json_replaces_an_empty_file_then_its_own_report(trained, tmp_path, capsys, earlier):
    """A file holding only whitespace (echo > FILE) was refused."""
    report = tmp_path / "report.json"
    report.write_text(earlier)
    assert _evaluate(trained, *_data(trained), "--json", str(report), "-q") == 0
    assert json.loads(report.read_text())["data"]["n_images"] == 52
    # the report just written is one the next run replaces
    assert _evaluate(trained, *_data(trained), "--n-samples", "26", "--json", str(report),
                     "-q") == 0
    assert json.loads(report.read_text())["data"]["n_images"] == 26
    assert os.listdir(tmp_path) == ["report.json"]  # no temporary file left


@pytest.mark.parametrize("victim", ["notebook", "estimator.json", "benchmark record"])
def test_json_never_replaces_a_json_document_that_is_no_report(trained, tmp_path, capsys,
                                                                victim):
    """Any JSON document was replaced: a notebook, a weights folder's
    estimator.json, a benchmark record."""
    path, content = {
        "notebook": ("analysis.ipynb",
                     {"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}),
        "estimator.json": ("estimator.json", {"format": "sklearn-emnist-weights",
                                              "class": "x", "params": {}}),
        "benchmark record": ("seed-knn.json", {"model": "seed-knn", "status": "ok",
                                               "metrics": {"accuracy": 0.8}}),
    }[victim]
    path = tmp_path / path
    path.write_text(json.dumps(content))
    before = path.read_bytes()
    assert _evaluate(trained, *_data(trained), "--json", str(path), "-q") == 2
    err = capsys.readouterr().err
    assert f"--json {path} exists and holds no earlier report" in err
    assert '"model" and "summary"' in err
    assert path.read_bytes() == before


def _plain_joblib_model(trained, path):
    """The CLI's model, saved as a plain joblib pickle (which the CLI loads too)."""
    import joblib

    from sklearn_emnist.deploy import load_model

    joblib.dump(load_model(trained["model"]), path)
    return path


@pytest.mark.parametrize("victim", ["training labels", "training images, read-only",
                                    "plain joblib model", "text"])
def test_json_never_replaces_a_file_that_holds_no_json(trained, tmp_path, capsys, victim):
    """The model's own training IDX files (read-only ones too: as root the folder's
    write permission is all a rename needs) and a plain joblib model were destroyed;
    the rule is not a list of inputs: only an earlier report (or an empty file) is
    replaced."""
    data = shutil.copytree(trained["data"], tmp_path / "data")
    path = {
        "training labels": data / "letters-small-train-labels-idx1-ubyte.gz",
        "training images, read-only": data / "letters-small-train-images-idx3-ubyte.gz",
        "plain joblib model": tmp_path / "other-model.joblib",
        "text": tmp_path / "notes.json",
    }[victim]
    if victim == "plain joblib model":
        _plain_joblib_model(trained, path)
    elif victim == "text":
        path.write_text("notes, not a report\n")
    elif victim.endswith("read-only"):
        path.chmod(0o444)
    before = path.read_bytes()
    # scored on the test files: none of these is among the evaluation's inputs
    code = _evaluate(trained, "--folder", str(data), "--name", "letters-small",
                     "--json", str(path), "-q")
    assert code == 2
    err = capsys.readouterr().err
    if victim == "plain joblib model":  # a pickle: named as the model it is
        assert f"--json {path} is a model file" in err
    else:
        assert f"--json {path} exists and holds no earlier report" in err
    assert path.read_bytes() == before
    assert not [name for name in os.listdir(path.parent) if name.endswith(".part")]


def test_json_through_a_link_follows_the_rule_for_its_target(trained, tmp_path, capsys):
    model = _plain_joblib_model(trained, tmp_path / "other-model.joblib")
    before = model.read_bytes()
    link = tmp_path / "link.json"
    link.symlink_to(model)
    assert _evaluate(trained, *_data(trained), "--json", str(link), "-q") == 2
    assert f"--json {link} is a model file" in capsys.readouterr().err
    assert model.read_bytes() == before and link.is_symlink()
    earlier = tmp_path / "earlier.json"
    earlier.write_text('{"model": "m.skem", "summary": {}}')  # an earlier report
    link.unlink()
    link.symlink_to(earlier)
    assert _evaluate(trained, *_data(trained), "--json", str(link), "-q") == 0
    assert link.is_symlink() and json.loads(earlier.read_text())["data"]["n_images"] == 52


def test_json_to_dev_null_is_written_to(trained, capsys):
    assert _evaluate(trained, *_data(trained), "--json", os.devnull, "-q") == 0
    assert os.path.exists(os.devnull) and not os.path.isfile(os.devnull)


def test_a_failing_plot_keeps_the_json_report(trained, tmp_path, monkeypatch, capsys):
    pytest.importorskip("matplotlib")
    from sklearn_emnist import plotting

    def fail(*args, **kwargs):
        raise RuntimeError("the sample grid failed")

    monkeypatch.setattr(plotting.SampleImagesDisplay, "from_predictions", fail)
    report_path = tmp_path / "report.json"
    code = _evaluate(trained, *_data(trained), "--json", str(report_path),
                     "--plots", str(tmp_path / "plots"), "-q")
    assert code == 1
    assert "the sample grid failed" in capsys.readouterr().err
    report = json.loads(report_path.read_text())
    assert report["plots"] == [str(tmp_path / "plots" / "confusion.png")]
    assert "the sample grid failed" in report["plots_error"]


@pytest.mark.parametrize("subset, overlaps", [("train", True), ("all", True), ("test", False)])
def test_the_report_says_whether_the_images_include_the_training_ones(
        trained, capsys, subset, overlaps):
    assert _evaluate(trained, *_data(trained), "--subset", subset, "--json", "-", "-q") == 0
    assert json.loads(capsys.readouterr().out)["overlaps_training"] is overlaps


def test_scoring_on_the_training_images_warns_on_stderr(trained, capsys):
    assert _evaluate(trained, *_data(trained), "--subset", "train", "-q") == 0
    err = capsys.readouterr().err
    assert "warning: the images evaluated (train subset of letters-small in" in err


def test_scoring_on_held_out_images_does_not_warn(trained, capsys):
    assert _evaluate(trained, *_data(trained), "--subset", "test") == 0
    assert "warning" not in capsys.readouterr().err


def test_without_data_options_the_training_folder_is_used(trained, tmp_path, monkeypatch,
                                                          capsys):
    # trained with --folder . elsewhere: the folder is found from any working folder
    monkeypatch.chdir(tmp_path)
    assert _evaluate(trained, "--json", "-", "-q") == 0
    data = json.loads(capsys.readouterr().out)["data"]
    assert os.path.realpath(data.pop("source")) == os.path.realpath(trained["data"])
    assert data == {"split": "letters", "subset": "test", "n_images": 52,
                    "name": "letters-small"}


def test_macro_averages_count_only_the_classes_that_occur(trained, tmp_path, capsys):
    from sklearn.metrics import precision_recall_fscore_support

    from sklearn_emnist.datasets import write_idx
    from sklearn_emnist.deploy import load_model

    # the official letters test slice here holds only a..s: 19 of the model's 26 classes
    X, y = load_bench("letters-here", "test", n_per_class=2, random_state=1)
    keep = y < 19
    write_idx(tmp_path / "a-to-s-test-images-idx3-ubyte.gz",
              np.ascontiguousarray(X[keep].transpose(0, 2, 1)))
    write_idx(tmp_path / "a-to-s-test-labels-idx1-ubyte.gz", (y[keep] + 1).astype(np.uint8))
    assert _evaluate(trained, "--folder", str(tmp_path), "--name", "a-to-s", "--subset", "test",
                     "--json", "-", "-q") == 0
    macro = json.loads(capsys.readouterr().out)["summary"]["macro"]
    y_pred = load_model(trained["model"]).predict(X[keep].reshape(int(keep.sum()), -1))
    expected = precision_recall_fscore_support(y[keep], y_pred, average="macro",
                                               zero_division=0)
    assert macro["recall"] == pytest.approx(expected[1])
    assert macro["precision"] == pytest.approx(expected[0])


def test_a_model_file_that_is_a_folder_is_named_as_such(tmp_path, capsys):
    assert main(["evaluate", str(tmp_path), "--split", "letters"]) == 1
    err = capsys.readouterr().err
    assert "is a folder, not a model file" in err and "not a readable model file" not in err
