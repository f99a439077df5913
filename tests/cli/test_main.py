"""In-process tests of the command line: help, usage errors and exit codes."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from sklearn_emnist.cli import build_parser, main


def test_help_lists_commands_and_exit_codes(capsys):
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    for command in ("fetch", "train", "evaluate", "predict", "benchmark"):
        assert command in out
    assert "exit codes:" in out and "130" in out


@pytest.mark.parametrize("command", ["fetch", "train", "evaluate", "predict"])
def test_every_command_has_help_with_examples(command, capsys):
    assert main([command, "--help"]) == 0
    out = capsys.readouterr().out
    assert "examples:" in out and f"sklearn-emnist {command}" in out


def test_version(capsys):
    from sklearn_emnist import __version__

    assert main(["--version"]) == 0
    assert __version__ in capsys.readouterr().out


@pytest.mark.parametrize(
    "argv, message",
    [
        (["frobnicate"], "invalid choice"),
        ([], "required"),
        (["train", "--split", "letters"], "-o/--output"),
        (["train", "-o", "m.joblib", "--model", "svm"], "invalid choice"),
        (["train", "-o", "m.joblib", "--split", "letters", "--n-samples", "0"], "positive"),
        (["train", "-o", "m.joblib"], "say which data to use"),
        (["train", "-o", "m.joblib", "--split", "klingon"], "unknown split"),
        (["train", "-o", "m.joblib", "--split", "letters", "--name", "x"], "--name needs --folder"),
        (["train", "-o", "m.joblib", "--folder", ".", "--name", "mydigits"],
         "cannot be guessed from --name 'mydigits'"),
        (["fetch", "klingon"], "unknown split"),
        (["train", "-o", "m.joblib", "--split", "letters", "--epochs", "5"],
         "--epochs applies to --model cnn or lstm, not --model knn"),
        (["train", "-o", "m.joblib", "--split", "letters", "--model", "cnn", "--n-neighbors", "3"],
         "--n-neighbors applies to --model knn, not --model cnn"),
        (["train", "-o", "m.joblib", "--split", "letters", "--model", "lstm", "--architecture",
          "deep"], "--architecture applies to --model cnn, not --model lstm"),
        (["train", "-o", "m.joblib", "--split", "letters", "--model", "lstm", "--lr", "-1"],
         "--lr must be a positive number"),
        (["train", "-o", "m.joblib", "--split", "letters", "--model", "cnn", "--epochs", "0"],
         "--epochs must be at least 1"),
        (["fetch", "mnist", "--mirror", "/nonexistent/mirror"],
         "--mirror /nonexistent/mirror: neither an http(s) URL nor an existing folder"),
        (["train", "-o", "m.joblib", "--split", "letters", "--mirror", "/nonexistent/mirror"],
         "--mirror /nonexistent/mirror: neither an http(s) URL nor an existing folder"),
        (["train", "-o", "m.joblib", "--split", "letters", "--n-samples", "100000000"],
         "--n-samples 100000000 is more than the 124800 images of EMNIST letters (train)"),
    ],
)
def test_usage_errors_exit_2_with_a_message(argv, message, capsys):
    assert main(argv) == 2
    assert message in capsys.readouterr().err


def test_missing_model_file_exits_1(tmp_path, capsys):
    code = main(["predict", str(tmp_path / "nope.joblib"), "x.png"])
    assert code == 1
    assert "model file not found" in capsys.readouterr().err


def test_corrupt_model_file_exits_1(tmp_path, capsys):
    path = tmp_path / "model.joblib"
    path.write_bytes(b"\x80\x04 a truncated pickle")
    assert main(["evaluate", str(path), "--split", "letters"]) == 1
    assert "not a readable model file" in capsys.readouterr().err


def test_a_script_given_as_the_model_exits_1_naming_the_problem(tmp_path, capsys):
    # it was unpickled, and reported a missing module 'mport time; ...' (exit 3)
    path = tmp_path / "train.py"
    path.write_text("import time; t = time.time()\n")
    assert main(["predict", str(path), str(path)]) == 1
    assert "not a model file" in capsys.readouterr().err


def test_file_that_is_not_a_model_exits_1(tmp_path, capsys):
    import joblib

    path = tmp_path / "array.joblib"
    joblib.dump(np.zeros(3), path)
    assert main(["predict", str(path), "x.png"]) == 1
    assert "not a fitted classifier" in capsys.readouterr().err


def test_benchmark_hands_over_to_the_suite(capsys):
    assert main(["benchmark", "list"]) == 0
    assert "knn" in capsys.readouterr().out


def test_benchmark_without_the_suite_exits_3(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "benchmarks.run", None)
    assert main(["benchmark", "quick"]) == 3
    assert "benchmarks/" in capsys.readouterr().err


def test_parser_is_importable_without_torch():
    import subprocess

    code = (
        "import sys; from sklearn_emnist.cli import build_parser; build_parser(); "
        "assert 'torch' not in sys.modules and 'matplotlib' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
    assert build_parser().prog == "sklearn-emnist"


def test_fetch_of_a_corrupt_file_exits_1_and_names_the_checksum(tmp_path, capsys):
    from tests._data import require_shared
    from tests._http_server import LoopbackServer

    gzip_folder = require_shared("gzip")
    with LoopbackServer(root=gzip_folder) as server:
        server.fault("/emnist-mnist-test-labels-idx1-ubyte.gz", "corrupt", offset=100)
        code = main(["fetch", "mnist", "--subset", "test", "--mirror", server.url(""),
                     "--data-home", str(tmp_path), "--quiet"])
    assert code == 1
    err = capsys.readouterr().err
    assert "SHA-256" in err or "checksum" in err.lower()
    assert "Traceback" not in err


def test_fetch_offline_without_cache_exits_1_in_command_line_terms(tmp_path, capsys):
    code = main(["fetch", "letters", "--offline", "--data-home", str(tmp_path), "--quiet"])
    assert code == 1
    err = capsys.readouterr().err
    assert "is not in the cache" in err
    assert "--mirror URL_OR_PATH" in err and "without --offline" in err


@pytest.mark.parametrize("local, hinted", [(True, False), (False, True)])
def test_fetch_offline_hints_at_downloading_unless_the_mirror_is_local(
        tmp_path, capsys, local, hinted):
    # a mirror folder is read even with --offline: "without --offline, fetch
    # downloads" would send the user the wrong way; a mirror URL is not
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    code = main(["fetch", "letters", "--offline", "--data-home", str(tmp_path / "home"),
                 "--mirror", str(mirror) if local else "http://127.0.0.1:9/emnist/", "--quiet"])
    assert code == 1
    assert ("without --offline" in capsys.readouterr().err) is hinted


def test_fetch_names_an_invalid_mirror_environment_variable(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("SKLEARN_EMNIST_MIRROR", "/no/such/emnist/mirror")
    code = main(["fetch", "mnist", "--subset", "test", "--data-home", str(tmp_path), "--quiet"])
    assert code == 1
    err = capsys.readouterr().err
    assert "environment variable SKLEARN_EMNIST_MIRROR='/no/such/emnist/mirror'" in err
    assert "mirror='" not in err and "--mirror /no/such" not in err
    assert "Traceback" not in err


def test_fetch_json_prints_what_was_fetched_before_a_failure(tmp_path, capsys):
    from tests._data import require_shared

    # shared/emnist/gzip holds the mnist test images, not the digits ones
    code = main(["fetch", "mnist", "digits", "--subset", "test", "--json", "--quiet",
                 "--mirror", str(require_shared("gzip")), "--data-home", str(tmp_path)])
    assert code == 1
    records = json.loads(capsys.readouterr().out)
    assert [(r["split"], r.get("n_images")) for r in records] == [("mnist", 10000),
                                                                   ("digits", None)]
    assert "emnist-digits-test-images" in records[1]["error"]


def test_n_threads_help_names_the_environment_variable(capsys):
    assert main(["train", "--help"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "(default: $OMP_NUM_THREADS when set, else every core" in out


def test_a_reader_closing_the_output_early_ends_quietly_with_141():
    # `sklearn-emnist ... | head`: a command printing more than the reader takes
    code = (
        "import sys\n"
        "from sklearn_emnist import cli\n"
        "from sklearn_emnist._cli import fetch\n"
        "fetch.run = lambda args: [print('x' * 1000) for _ in range(1000)] and 0\n"
        "sys.exit(cli.main(['fetch', 'mnist']))\n"
    )
    process = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE)
    process.stdout.read(10)
    process.stdout.close()
    _, err = process.communicate(timeout=60)
    assert process.returncode == 141
    assert err == b""


def _letters_folder(tmp_path, n_per_class=4):
    """A small EMNIST-format letters folder from real letters-here images."""
    from sklearn_emnist.datasets import write_idx
    from tests._data import load_bench

    X, y = load_bench("letters-here", "train", n_per_class=n_per_class, random_state=0)
    write_idx(tmp_path / "letters-small-train-images-idx3-ubyte.gz",
              np.ascontiguousarray(X.transpose(0, 2, 1)))  # stored transposed, as EMNIST does
    write_idx(tmp_path / "letters-small-train-labels-idx1-ubyte.gz", (y + 1).astype(np.uint8))
    return tmp_path


class _FitInterruptedLikeSkorch:
    """A model whose fit is stopped by Ctrl-C, which it swallows as skorch's loop does."""

    def fit(self, X, y):
        import signal
        import time

        try:
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(5)  # the interrupt arrives here
        except KeyboardInterrupt:
            pass  # skorch: stop training, keep the model, return normally
        return self


def test_ctrl_c_during_training_exits_130_and_saves_nothing(tmp_path, monkeypatch, capsys):
    from sklearn_emnist._cli import train

    monkeypatch.setattr(train, "build_model", lambda args, verbose: _FitInterruptedLikeSkorch())
    folder = _letters_folder(tmp_path)
    output = tmp_path / "model.joblib"
    code = main(["train", "--folder", str(folder), "--name", "letters-small", "--model", "cnn",
                 "--data-home", str(tmp_path / "home"), "-o", str(output)])
    assert code == 130 and not output.exists()
    assert "interrupted" in capsys.readouterr().err


def test_train_checks_its_output_before_loading_anything(tmp_path, capsys):
    from pathlib import Path

    existing = Path(_small_model(tmp_path))  # an earlier model: kept unless --force
    before = existing.read_bytes()
    data = ["--folder", str(tmp_path / "nowhere"), "--name", "letters-small"]
    assert main(["train", *data, "-o", str(existing)]) == 2  # before the missing folder
    assert "pass --force" in capsys.readouterr().err and existing.read_bytes() == before
    assert main(["train", *data, "-o", str(tmp_path)]) == 2
    assert "is a folder" in capsys.readouterr().err


def _train_knn(folder, output, *options):
    return main(["train", "--folder", str(folder), "--name", "letters-small",
                 "--n-components", "20", "--data-home", str(folder / "home"),
                 "-o", str(output), "-q", *options])


def test_force_replaces_an_earlier_model(tmp_path, capsys):
    from sklearn_emnist.deploy import read_model_header

    folder = _letters_folder(tmp_path)
    earlier = _small_model(tmp_path)  # a KNeighborsClassifier
    assert _train_knn(folder, earlier, "--force") == 0
    assert read_model_header(earlier)["estimator"] == "sklearn.pipeline.Pipeline"


def _earlier_model(path, layout):
    """Write, at ``path``, a model in one of the layouts the CLI loads."""
    import pickle

    import joblib
    from sklearn.dummy import DummyClassifier

    model = DummyClassifier().fit(np.zeros((4, 784)), [0, 1, 0, 1])
    if layout == "format 1 (zlib joblib dict)":  # what the CLI wrote before save_model
        joblib.dump({"format": "sklearn-emnist-model", "format_version": 1, "model": model,
                     "target_names": ["a", "b"], "split": "letters"}, path, compress=3)
    elif layout == "plain joblib":
        joblib.dump(model, path)
    elif layout == "raw pickle":
        path.write_bytes(pickle.dumps(model))
    else:  # joblib compressed otherwise: gzip, bz2, xz, lzma
        joblib.dump(model, path, compress=(layout.split()[-1], 3))
    return path


@pytest.mark.parametrize("layout", ["format 1 (zlib joblib dict)", "plain joblib",
                                    "raw pickle", "joblib gzip", "joblib bz2", "joblib xz",
                                    "joblib lzma"])
def test_force_replaces_a_model_of_any_layout_the_cli_loads(tmp_path, capsys, layout):
    """train --force -o refused the CLI's own format 1 files and plain joblib
    models, which evaluate and predict load."""
    from sklearn_emnist._cli._model_file import load_model
    from sklearn_emnist.deploy import read_model_header

    folder = _letters_folder(tmp_path)
    earlier = _earlier_model(tmp_path / "old.skem", layout)
    load_model(earlier)  # the CLI loads it as a model ...
    assert _train_knn(folder, earlier) == 2  # ... kept without --force
    assert "pass --force" in capsys.readouterr().err
    assert _train_knn(folder, earlier, "--force") == 0  # ... and replaced with it
    assert read_model_header(earlier)["estimator"] == "sklearn.pipeline.Pipeline"


@pytest.mark.parametrize("victim", ["training labels", "training images", "text file",
                                    "FIFO", "gzipped IDX file", "bz2 text file",
                                    "pickle protocol 0"])
def test_force_never_replaces_an_input_or_a_file_that_is_not_a_model(tmp_path, capsys, victim):
    """train --force -o wrote the model over its own labels file."""
    import bz2
    import pickle

    folder = _letters_folder(tmp_path)
    labels = folder / "letters-small-train-labels-idx1-ubyte.gz"
    path = {"training labels": labels,
            "training images": folder / "letters-small-train-images-idx3-ubyte.gz",
            "text file": tmp_path / "notes.txt", "FIFO": tmp_path / "pipe",
            "gzipped IDX file": tmp_path / "elsewhere" / labels.name,
            "bz2 text file": tmp_path / "notes.txt.bz2",
            "pickle protocol 0": tmp_path / "old.pkl"}[victim]
    if victim == "text file":
        path.write_text("keep me")
    elif victim == "FIFO":
        os.mkfifo(path)
    elif victim == "gzipped IDX file":  # gzip, as joblib's files can be, but IDX inside
        path.parent.mkdir()
        path.write_bytes(labels.read_bytes())
    elif victim == "bz2 text file":
        path.write_bytes(bz2.compress(b"keep me"))
    elif victim == "pickle protocol 0":  # no 0x80: not taken for a model
        path.write_bytes(pickle.dumps([1, 2], protocol=0))
    before = None if victim == "FIFO" else path.read_bytes()
    assert _train_knn(folder, path, "--force") == 2
    err = capsys.readouterr().err
    if victim.startswith("training"):
        assert f"-o {path} is one of the data files the model is trained on" in err
    else:
        assert f"-o {path} exists and is not a model file" in err
        assert "--force replaces only an earlier model" in err
    if victim == "FIFO":
        assert path.is_fifo()
    else:
        assert path.read_bytes() == before
    assert not [name for name in os.listdir(path.parent) if name.endswith(".part")]


def test_without_force_an_input_is_not_offered_to_be_replaced(tmp_path, capsys):
    folder = _letters_folder(tmp_path)
    labels = folder / "letters-small-train-labels-idx1-ubyte.gz"
    assert _train_knn(folder, labels) == 2
    err = capsys.readouterr().err
    assert "is one of the data files" in err and "pass --force" not in err


class _FitSendingItselfCtrlC:
    """A model whose fit receives SIGINT, as a background job gets the terminal's."""

    def fit(self, X, y):
        import signal

        os.kill(os.getpid(), signal.SIGINT)
        return self

    def predict(self, X):
        return np.zeros(len(X), dtype=int)


def test_training_keeps_ignoring_ctrl_c_when_the_parent_ignores_it(tmp_path, monkeypatch,
                                                                   capsys):
    """`train ... &` (SIGINT ignored) exited 130: train installed its own handler."""
    import signal

    from sklearn_emnist._cli import train

    monkeypatch.setattr(train, "build_model", lambda args, verbose: _FitSendingItselfCtrlC())
    folder = _letters_folder(tmp_path)
    output = tmp_path / "model.skem"
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        code = main(["train", "--folder", str(folder), "--name", "letters-small",
                     "--model", "cnn", "--data-home", str(tmp_path / "home"), "-o", str(output),
                     "-q"])
        assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN
    finally:
        signal.signal(signal.SIGINT, previous)
    assert code == 0, capsys.readouterr().err
    assert output.exists()


def test_n_samples_beyond_a_folders_images_is_a_usage_error(tmp_path, capsys):
    folder = _letters_folder(tmp_path)  # 104 images
    code = main(["train", "--folder", str(folder), "--name", "letters-small",
                 "--n-samples", "105", "--data-home", str(tmp_path / "home"),
                 "-o", str(tmp_path / "knn.skem")])
    assert code == 2
    assert "--n-samples 105 is more than the 104 images" in capsys.readouterr().err


def _small_model(tmp_path):
    """A KNN on 52 real letters, saved as train saves it."""
    from sklearn.neighbors import KNeighborsClassifier

    from sklearn_emnist._cli._model_file import save_model
    from tests._data import load_bench

    X, y = load_bench("letters-here", "train", n_per_class=2, random_state=0)
    model = KNeighborsClassifier(n_neighbors=1).fit(X.reshape(len(X), -1), y)
    return save_model(tmp_path / "knn.skem", model, split="letters")


def _png(path, image):
    from PIL import Image

    Image.fromarray(image).save(path)
    return path


def test_predict_save_converted_in_a_missing_folder_is_a_usage_error(tmp_path, capsys):
    pytest.importorskip("PIL")
    image = _png(tmp_path / "blank.png", np.zeros((28, 28), np.uint8))  # it fails later
    code = main(["predict", str(_small_model(tmp_path)), str(image),
                 "--save-converted", str(tmp_path / "no-such-folder" / "converted")])
    assert code == 2
    assert "does not exist" in capsys.readouterr().err


def test_predict_save_converted_that_is_an_input_file_is_refused(tmp_path, capsys):
    pytest.importorskip("PIL")
    image = _png(tmp_path / "blank.png", np.zeros((28, 28), np.uint8))
    before = image.read_bytes()
    code = main(["predict", str(_small_model(tmp_path)), str(image),
                 "--save-converted", str(image)])
    assert code == 2
    assert "is one of the input files, not a folder" in capsys.readouterr().err
    assert image.read_bytes() == before


def test_predict_a_blank_28x28_image_exits_1(tmp_path, capsys):
    pytest.importorskip("PIL")
    image = _png(tmp_path / "blank.png", np.full((28, 28), 255, np.uint8))
    assert main(["predict", str(_small_model(tmp_path)), str(image)]) == 1
    captured = capsys.readouterr()
    assert "no ink found" in captured.err and captured.out == ""


@pytest.mark.parametrize("option", [["--n-components", "200"], ["--n-neighbors", "200"]])
def test_knn_sizes_beyond_the_training_images_are_a_usage_error(tmp_path, capsys, option):
    folder = _letters_folder(tmp_path)  # 104 images
    output = tmp_path / "knn.joblib"
    code = main(["train", "--folder", str(folder), "--name", "letters-small", "--model", "knn",
                 "--data-home", str(tmp_path / "home"), *option, "-o", str(output)])
    assert code == 2 and not output.exists()
    assert f"{option[0]} 200 is more than the 104 training images" in capsys.readouterr().err


def test_knn_default_components_beyond_the_images_name_the_default(tmp_path, capsys):
    folder = _letters_folder(tmp_path, n_per_class=2)  # 52 images, the default PCA has 80
    code = main(["train", "--folder", str(folder), "--name", "letters-small", "--model", "knn",
                 "--data-home", str(tmp_path / "home"), "-o", str(tmp_path / "knn.skem")])
    err = capsys.readouterr().err
    assert code == 2
    assert "make_knn_pipeline's default --n-components of 80 is more than the 52" in err


def test_knn_components_beyond_the_hog_features_are_a_usage_error(tmp_path, capsys):
    folder = _letters_folder(tmp_path, n_per_class=60)  # 1,560 images, 1,296 HOG features
    code = main(["train", "--folder", str(folder), "--name", "letters-small", "--model", "knn",
                 "--data-home", str(tmp_path / "home"), "--n-components", "1500",
                 "-o", str(tmp_path / "knn.skem")])
    assert code == 2
    assert "--n-components 1500 is more than the 1296 features" in capsys.readouterr().err


def test_knn_n_components_reaches_the_pipeline(tmp_path):
    folder = _letters_folder(tmp_path)
    output = tmp_path / "knn.joblib"
    assert main(["train", "--folder", str(folder), "--name", "letters-small", "--model", "knn",
                 "--data-home", str(tmp_path / "home"), "--n-components", "20",
                 "-o", str(output), "-q"]) == 0
    from sklearn_emnist.deploy import load_model

    assert load_model(output).get_params()["pca__n_components"] == 20


def test_missing_data_names_the_command_line_options(tmp_path, capsys):
    empty = tmp_path / "empty"
    empty.mkdir()
    code = main(["train", "--split", "letters", "--data-home", str(tmp_path / "home"),
                 "--mirror", str(empty), "-o", str(tmp_path / "m.joblib")])
    err = capsys.readouterr().err
    # a mirror was given: the hint names the other way, not --mirror again
    assert code == 1 and "--folder DIR --name NAME" in err and "--mirror URL_OR_PATH" not in err
