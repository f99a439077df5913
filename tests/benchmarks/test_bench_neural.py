"""``benchmarks/bench_neural.py``: its data protocols, on the real letters-here set, and
its loop-overhead measurement."""

import json
import time

import joblib
import numpy as np
import pytest

from benchmarks.bench_neural import load_protocol, loop_overhead, run_recipe
from sklearn_emnist.neural import CharCNNClassifier
from tests._data import require_shared


def _rows(images):
    """Each image as one hashable byte string (bench/ has no duplicate images)."""
    flat = np.ascontiguousarray(images.reshape(len(images), -1))
    return set(flat.view(np.dtype((np.void, flat.shape[1]))).ravel().tolist())


@pytest.fixture(scope="module")
def letters_train():
    require_shared("bench")
    X, y, _, _, _ = load_protocol("letters-here", "full")
    return X, y


def test_tune_full_holds_out_a_balanced_validation_sample_and_fits_on_the_rest(letters_train):
    X, y = letters_train
    X_fit, y_fit, X_valid, y_valid, names = load_protocol("letters-here", "tune-full")
    assert len(names) == 26
    # as large as test (7,800), 300 images of every letter
    np.testing.assert_array_equal(np.bincount(y_valid), np.full(26, 300))
    # the fitting part is all the rest of train, still as imbalanced as train
    np.testing.assert_array_equal(np.bincount(y_fit) + 300, np.bincount(y))
    assert not _rows(X_fit) & _rows(X_valid)


def test_tune_holds_out_validation_images_outside_the_seed_sample(letters_train):
    X_seed, y_seed, X_test, _, _ = load_protocol("letters-here", "seed")
    X_fit, y_fit, X_valid, _, _ = load_protocol("letters-here", "tune")
    np.testing.assert_array_equal(X_fit, X_seed)  # the same 40,000 training images
    np.testing.assert_array_equal(y_fit, y_seed)
    assert len(X_valid) == len(X_test) == 7800
    assert not _rows(X_seed) & _rows(X_valid)
    assert _rows(X_valid) <= _rows(letters_train[0])  # from train, never from test


def test_byclass_validation_is_spread_over_classes_as_its_stratified_test_set():
    # a class-balanced validation sample would rank recipes by macro recall,
    # not by the accuracy the byclass-here target is about
    require_shared("bench")
    X_fit, y_fit, X_valid, y_valid, names = load_protocol("byclass-here", "tune-full",
                                                          n_valid=6000)
    _, y_train, _, y_test, _ = load_protocol("byclass-here", "full")
    assert len(names) == 62 and len(y_valid) == 6000
    expected = 6000 * np.bincount(y_test, minlength=62) / len(y_test)
    assert np.abs(np.bincount(y_valid, minlength=62) - expected).max() < 1
    np.testing.assert_array_equal(np.bincount(y_fit, minlength=62)
                                  + np.bincount(y_valid, minlength=62),
                                  np.bincount(y_train, minlength=62))
    assert not _rows(X_fit) & _rows(X_valid)


def test_run_recipe_keeps_the_fitted_model_it_scored(tmp_path):
    require_shared("bench")
    path = tmp_path / "model.joblib"
    record = run_recipe("cnn-seed", protocol="tune", n_train=520, save_model=path,
                        overrides={"max_epochs": 1, "verbose": 0, "n_threads": 1})
    assert record["saved_model"] == str(path)
    _, _, X_valid, y_valid, _ = load_protocol("letters-here", "tune", n_train=520)
    accuracy = np.mean(joblib.load(path).predict(X_valid) == y_valid)
    assert accuracy == record["metrics"]["accuracy"]
    # a validation sample of train: neither the whole training set nor the test set
    assert record["whole_test_set"] is False and record["whole_train_set"] is False
    assert record["sample_random_state"] == 0


def test_protocol_records_say_what_they_measured_as_fields(tmp_path):
    # the sample's random_state was in the command only, so the summary could count
    # a record of another sample as the protocol's
    from benchmarks._report import _other_off_protocol, load_references
    from benchmarks.bench_neural import render_table

    folder = require_shared("bench")
    record = run_recipe("cnn-seed", protocol="seed", n_train=520, random_state=3,
                        data_folder=folder, overrides={"max_epochs": 1, "verbose": 0, "n_threads": 1})
    assert record["sample_random_state"] == 3 and record["params"]["random_state"] == 3
    assert record["n_train"] == 520 and record["n_eval"] == 7800
    assert record["whole_test_set"] is True and record["whole_train_set"] is False
    assert record["train_sample"] == "class-balanced sample of 520 of the 117,248 train images"
    assert record["data_folder"] == str(folder.resolve())
    assert record["source"].endswith(":letters-here:letters")
    target = next(t for t in load_references()["targets"]
                  if t["what"].startswith("CharCNNClassifier, seed protocol"))
    assert "random_state=3" in _other_off_protocol(dict(record, recipe="cnn-deep-long"), target)
    # the README of the records says so too
    (tmp_path / "protocol.json").write_text(json.dumps(record, default=repr))
    assert "letters-here seed (n=520, sample random_state=3)" in render_table(tmp_path).read_text()


def _fail_if_called(*args, **kwargs):
    raise AssertionError("measured although the command was refused")


def test_an_existing_record_is_not_overwritten_without_overwrite(tmp_path, monkeypatch, capsys):
    from benchmarks import bench_neural

    require_shared("bench")
    existing = tmp_path / "protocol-letters-here-seed-cnn-seed.json"
    existing.write_text('{"kind": "protocol", "committed": true}\n')
    monkeypatch.setattr(bench_neural, "run_recipe", _fail_if_called)
    with pytest.raises(SystemExit) as exit_info:  # before hours of fitting, not after
        bench_neural.main(["protocol", "--recipe", "cnn-seed", "--set", "max_epochs=1",
                           "--results", str(tmp_path)])
    assert exit_info.value.code == 2 and "--overwrite" in capsys.readouterr().err
    assert '"committed": true' in existing.read_text()
    fake = {"kind": "protocol", "metrics": {"accuracy": 0.5}, "fit_seconds": 1.0}
    monkeypatch.setattr(bench_neural, "run_recipe", lambda *args, **kwargs: fake)
    assert bench_neural.main(["protocol", "--recipe", "cnn-seed", "--results", str(tmp_path),
                              "--overwrite"]) == 0
    assert '"accuracy": 0.5' in existing.read_text()


@pytest.mark.parametrize("options, name", [
    ([], "protocol-letters-here-seed-cnn-seed"),
    (["--n-train", "40000", "--random-state", "0"], "protocol-letters-here-seed-cnn-seed"),
    (["--n-train", "520"], "protocol-letters-here-seed-cnn-seed-n520"),
    (["--random-state", "1", "--tag", "t1"], "protocol-letters-here-seed-cnn-seed-rs1-t1"),
    (["--n-train", "520", "--random-state", "2"], "protocol-letters-here-seed-cnn-seed-n520-rs2"),
])
def test_records_of_other_samples_have_names_of_their_own(tmp_path, monkeypatch, options, name):
    from benchmarks import bench_neural

    require_shared("bench")
    asked = {}
    fake = {"kind": "protocol", "metrics": {"accuracy": 0.5}, "fit_seconds": 1.0}
    monkeypatch.setattr(bench_neural, "run_recipe", lambda *a, **kw: asked.update(kw) or fake)
    assert bench_neural.main(["protocol", "--recipe", "cnn-seed", "--results", str(tmp_path),
                              *options]) == 0
    assert [p.stem for p in tmp_path.iterdir()] == [name]
    assert asked["n_train"] == (int(options[options.index("--n-train") + 1])
                                if "--n-train" in options else 40_000)


def test_another_data_folder_names_the_record_and_is_passed_on(tmp_path, monkeypatch):
    from benchmarks import bench_neural

    folder = require_shared("bench")
    (tmp_path / "data").symlink_to(folder, target_is_directory=True)
    asked = {}
    fake = {"kind": "protocol", "metrics": {"accuracy": 0.5}, "fit_seconds": 1.0}
    monkeypatch.setattr(bench_neural, "run_recipe", lambda *a, **kw: asked.update(kw) or fake)
    monkeypatch.chdir(tmp_path)  # relative --results and --data-folder: the current directory
    assert bench_neural.main(["protocol", "--recipe", "cnn-seed", "--results", "out",
                              "--data-folder", "data"]) == 0
    assert asked["data_folder"] == "data"
    (written,) = (tmp_path / "out").iterdir()
    assert written.name == "protocol-letters-here-seed-cnn-seed.json"  # the same folder, resolved
    other = tmp_path / "copy"
    other.mkdir()
    for path in folder.glob("letters-here-*"):
        (other / path.name).symlink_to(path)
    assert bench_neural.main(["protocol", "--recipe", "cnn-seed", "--results", "out",
                              "--data-folder", "copy"]) == 0
    assert len([p for p in (tmp_path / "out").iterdir() if "-src" in p.name]) == 1


def test_write_keeps_a_record_that_appeared_during_the_run(tmp_path):
    from benchmarks.bench_neural import _write

    (tmp_path / "x.json").write_text("{}\n")
    path = _write({"kind": "protocol"}, "x", tmp_path)
    assert path.name.startswith("x-") and (tmp_path / "x.json").read_text() == "{}\n"


def test_n_train_with_the_full_protocol_is_a_usage_error(monkeypatch, capsys, tmp_path):
    from benchmarks import bench_neural

    monkeypatch.setattr(bench_neural, "run_recipe", _fail_if_called)
    with pytest.raises(SystemExit) as exit_info:
        bench_neural.main(["protocol", "--recipe", "cnn-seed", "--protocol", "full",
                           "--n-train", "1000", "--results", str(tmp_path)])
    assert exit_info.value.code == 2 and "--protocol full" in capsys.readouterr().err


def test_missing_data_names_the_option_that_exists(tmp_path, monkeypatch, capsys):
    from benchmarks import bench_neural

    monkeypatch.setattr(bench_neural, "run_recipe", _fail_if_called)
    with pytest.raises(SystemExit) as exit_info:
        bench_neural.main(["protocol", "--recipe", "cnn-seed", "--data-folder", str(tmp_path),
                           "--results", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert exit_info.value.code == 2
    assert "letters-here-train-images-idx3-ubyte.gz" in err and "--data-folder" in err
    assert "--source" not in err  # bench_neural.py has no such option
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("argv, message", [
    (["overhead", "--tag", "a/b"], "cannot be part of the record's file name"),
    (["overhead", "--tag", "my tag"], "cannot be part of the record's file name"),
    (["protocol", "--recipe", "cnn-seed", "--tag", "../x"], "cannot be part of the record's file name"),
    (["overhead", "--threads", "0"], "must be an integer >= 1"),
    (["allocators", "--threads", "-1"], "must be an integer >= 1"),
])
def test_bad_options_are_refused_before_measuring(argv, message, monkeypatch, tmp_path, capsys):
    # a --tag with "/" failed when writing, after the whole measurement
    from benchmarks import bench_neural

    for name in ("run_recipe", "loop_overhead", "allocators"):
        monkeypatch.setattr(bench_neural, name, _fail_if_called)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as exit_info:
        bench_neural.main(argv)
    assert exit_info.value.code == 2 and message in capsys.readouterr().err
    assert not list(tmp_path.iterdir())


def test_overhead_writes_its_record_under_results(tmp_path, monkeypatch):
    from benchmarks import bench_neural

    monkeypatch.setattr(bench_neural, "loop_overhead", lambda **kwargs: {"ratio": 1.0})
    assert bench_neural.main(["overhead", "--tag", "t1-bf16", "--results", str(tmp_path)]) == 0
    assert (tmp_path / "overhead-seed-t1-bf16.json").exists()
    with pytest.raises(SystemExit):
        bench_neural.main(["overhead", "--tag", "t1-bf16", "--results", str(tmp_path)])


def test_loop_overhead_times_the_training_loop_apart_from_what_fit_does_once(monkeypatch):
    # the batch-norm refresh after the epochs is part of fit, not of the loop the
    # plain PyTorch loop is compared with: slowed down here, it must show in the
    # whole-fit figures only
    refresh = CharCNNClassifier._refresh_batch_norm

    def slow_refresh(self, dataset):
        time.sleep(0.5)
        refresh(self, dataset)

    monkeypatch.setattr(CharCNNClassifier, "_refresh_batch_norm", slow_refresh)
    result = loop_overhead(n=512, epochs=1, rounds=2, architecture="deep", n_threads=1)
    assert min(result["skorch_per_fit_seconds"]) >= 0.5
    for loop, fit in zip(result["skorch_seconds_per_epoch"],
                         result["skorch_fit_seconds_per_epoch"]):
        assert loop <= fit - 0.5
    loop_ratio = np.median(result["skorch_seconds_per_epoch"]) / np.median(
        result["plain_seconds_per_epoch"])
    assert result["ratio_skorch_over_plain"] == pytest.approx(loop_ratio, abs=1e-3)
    assert result["fit_ratio_skorch_over_plain"] > result["ratio_skorch_over_plain"]


def test_records_from_before_a_parameter_existed_are_not_flagged_as_different():
    from benchmarks.bench_neural import _describe_params, _unlike_today
    from sklearn_emnist.neural import make_recipe

    today = _describe_params(make_recipe("cnn-deep"))
    older = {key: value for key, value in today.items() if key != "precision"}
    record = {"recipe": "cnn-deep", "params": older, "overrides": {}}
    assert _unlike_today(record, {}) == ""
    # a changed default still shows
    record["params"] = {**older, "max_epochs": 10}
    assert _unlike_today(record, {}) == "max_epochs=10 (now 16)"


def test_recorded_commands_are_shell_quoted(monkeypatch):
    import shlex

    from benchmarks import bench_neural

    argv = ["benchmarks/bench_neural.py", "tune", "--set", "augment={'scale':(0.9,1.1)}"]
    monkeypatch.setattr(bench_neural.sys, "argv", argv)
    command = bench_neural._record("tune", {})["command"]
    assert shlex.split(command)[-len(argv):] == argv


@pytest.mark.parametrize("options, message", [
    # the name of another recipe's record: cnn-deep + long is cnn-deep-long
    (["--recipe", "cnn-deep", "--tag", "long"], "as a record of the recipe 'cnn-deep-long'"),
    (["--recipe", "cnn-deep", "--tag", "long-t1"], "as a record of the recipe 'cnn-deep-long'"),
    (["--recipe", "lstm-bilstm", "--tag", "long-rs1"], "the recipe 'lstm-bilstm-long'"),
    # the names --n-train, --random-state and --data-folder give
    (["--recipe", "cnn-deep", "--tag", "n20000"], "begins with 'n20000'"),
    (["--recipe", "cnn-deep", "--tag", "rs1"], "begins with 'rs1'"),
    (["--recipe", "cnn-deep", "--tag", "rs1-t1"], "begins with 'rs1'"),
    (["--recipe", "cnn-deep", "--tag", "src0123abcd"], "begins with 'src0123abcd'"),
    (["--recipe", "cnn-deep", "--n-train", "520", "--tag", "rs2"], "begins with 'rs2'"),
])
def test_a_tag_that_gives_another_runs_record_name_is_refused(options, message, tmp_path,
                                                              monkeypatch, capsys):
    """--recipe cnn-deep --tag long and --recipe cnn-deep-long wrote one file, as did
    --tag rs1 and --random-state 1."""
    from benchmarks import bench_neural

    monkeypatch.setattr(bench_neural, "run_recipe", _fail_if_called)
    for command in ("protocol", "tune"):
        with pytest.raises(SystemExit) as exit_info:
            bench_neural.main([command, *options, "--results", str(tmp_path)])
        err = capsys.readouterr().err
        assert exit_info.value.code == 2 and message in err and "--overwrite" not in err
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize("options, name", [
    (["--recipe", "cnn-deep-long", "--tag", "t1"], "protocol-letters-here-seed-cnn-deep-long-t1"),
    (["--recipe", "cnn-deep", "--tag", "longer"], "protocol-letters-here-seed-cnn-deep-longer"),
    (["--recipe", "cnn-deep-long", "--tag", "t1-bf16-rs1"],
     "protocol-letters-here-seed-cnn-deep-long-t1-bf16-rs1"),
    (["--recipe", "cnn-deep", "--tag", "src12"], "protocol-letters-here-seed-cnn-deep-src12"),
    (["--recipe", "cnn-deep", "--tag", "nx"], "protocol-letters-here-seed-cnn-deep-nx"),
])
def test_tags_of_no_other_runs_name_are_accepted(options, name, tmp_path, monkeypatch):
    from benchmarks import bench_neural

    require_shared("bench")
    fake = {"kind": "protocol", "metrics": {"accuracy": 0.5}, "fit_seconds": 1.0}
    monkeypatch.setattr(bench_neural, "run_recipe", lambda *a, **kw: fake)
    assert bench_neural.main(["protocol", *options, "--results", str(tmp_path)]) == 0
    assert [p.stem for p in tmp_path.iterdir()] == [name]


def test_a_record_of_another_recipe_is_never_offered_to_be_overwritten(tmp_path, monkeypatch,
                                                                      capsys):
    from benchmarks import bench_neural

    require_shared("bench")
    existing = tmp_path / "protocol-letters-here-seed-cnn-deep-x.json"
    existing.write_text('{"kind": "protocol", "recipe": "cnn-deep-long"}\n')  # hand-renamed
    before = existing.read_text()
    monkeypatch.setattr(bench_neural, "run_recipe", _fail_if_called)
    for extra in ([], ["--overwrite"]):
        with pytest.raises(SystemExit) as exit_info:
            bench_neural.main(["protocol", "--recipe", "cnn-deep", "--tag", "x",
                               "--results", str(tmp_path), *extra])
        err = capsys.readouterr().err
        assert exit_info.value.code == 2
        assert "holds a record of the recipe 'cnn-deep-long', not 'cnn-deep'" in err
        assert "--overwrite" not in err
    assert existing.read_text() == before


def test_an_unknown_recipe_is_refused_before_measuring(tmp_path, monkeypatch, capsys):
    from benchmarks import bench_neural

    monkeypatch.setattr(bench_neural, "run_recipe", _fail_if_called)
    with pytest.raises(SystemExit) as exit_info:
        bench_neural.main(["protocol", "--recipe", "cnn-huge", "--results", str(tmp_path)])
    assert exit_info.value.code == 2 and "unknown --recipe 'cnn-huge'" in capsys.readouterr().err
