"""train / evaluate with the neural models, in process (torch is already imported
by the neural tests, so this stays quick)."""

import json
from types import SimpleNamespace

import numpy as np
import pytest

from sklearn_emnist.cli import main
from tests._data import load_bench

pytestmark = pytest.mark.slow


def _write_letters(folder, name, subset, n_per_class, random_state):
    from sklearn_emnist.datasets import write_idx

    X, y = load_bench("letters-here", subset, n_per_class=n_per_class, random_state=random_state)
    # stored as EMNIST stores letters: transposed images, labels 1..26
    write_idx(folder / f"{name}-{subset}-images-idx3-ubyte.gz",
              np.ascontiguousarray(X.transpose(0, 2, 1)))
    write_idx(folder / f"{name}-{subset}-labels-idx1-ubyte.gz", (y + 1).astype(np.uint8))


def test_train_and_evaluate_a_cnn(tmp_path, capsys):
    pytest.importorskip("skorch")
    _write_letters(tmp_path, "letters-small", "train", 30, 0)
    _write_letters(tmp_path, "letters-small", "test", 10, 0)
    path = tmp_path / "cnn.joblib"
    data = ["--folder", str(tmp_path), "--name", "letters-small", "--data-home", str(tmp_path)]
    code = main([
        "train", *data, "--model", "cnn", "--architecture", "seed", "--epochs", "2",
        "--validation-fraction", "0.2", "--n-threads", "1", "--no-augment", "-o", str(path),
    ])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert "epoch" in captured.err and "epoch" not in captured.out  # skorch table on stderr
    plots = tmp_path / "plots"
    code = main(["evaluate", str(path), *data, "--plots", str(plots), "--json", "-", "-q"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    report = json.loads(captured.out)
    assert report["data"]["n_images"] == 260 and report["summary"]["n_classes"] == 26
    assert (plots / "training_curves.png").read_bytes()[:4] == b"\x89PNG"
    assert (plots / "worst_errors.png").exists()


def test_a_network_trained_with_its_epoch_table_takes_the_weights_route(tmp_path, capsys):
    """Without -q, train sends skorch's epoch table to stderr through a function of
    the CLI; save_weights stored it and load_weights refused every such folder."""
    pytest.importorskip("skorch")
    from sklearn_emnist.deploy import load_model, load_weights, save_weights

    _write_letters(tmp_path, "letters-small", "train", 4, 0)
    path = tmp_path / "cnn.skem"
    code = main(["train", "--folder", str(tmp_path), "--name", "letters-small",
                 "--data-home", str(tmp_path), "--model", "cnn", "--architecture", "seed",
                 "--epochs", "1", "--n-threads", "1", "--no-augment", "-o", str(path)])
    assert code == 0 and "train_loss" in capsys.readouterr().err  # the table was printed
    model = load_model(path)
    rebuilt = load_weights(save_weights(model, tmp_path / "weights"))
    X, _ = load_bench("letters-here", "test", n_per_class=1, random_state=0)
    np.testing.assert_array_equal(rebuilt.predict_proba(X), model.predict_proba(X))
    assert dict(rebuilt.callbacks_)["print_log"].sink is print


def test_quiet_training_prints_no_epoch_table(tmp_path, capsys):
    pytest.importorskip("skorch")
    _write_letters(tmp_path, "letters-small", "train", 10, 0)
    data = ["--folder", str(tmp_path), "--name", "letters-small", "--data-home", str(tmp_path)]
    code = main([
        "train", *data, "--model", "cnn", "--architecture", "seed", "--epochs", "1",
        "--n-threads", "1", "--no-augment", "-o", str(tmp_path / "cnn.joblib"), "--quiet",
    ])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert "train_loss" not in captured.err and "epoch" not in captured.err


def test_lstm_and_cnn_options_reach_the_estimators():
    pytest.importorskip("skorch")
    from sklearn_emnist._cli._models import build_model

    options = {"n_neighbors": None, "n_components": None, "epochs": 3, "batch_size": 64,
               "lr": 0.01, "architecture": None, "no_augment": True,
               "validation_fraction": None, "n_threads": 1, "random_state": 7}
    lstm = build_model(SimpleNamespace(model="lstm", **options), verbose=0)
    assert type(lstm).__name__ == "LSTMRowClassifier"
    params = lstm.get_params()
    assert (params["max_epochs"], params["batch_size"], params["lr"]) == (3, 64, 0.01)
    assert params["augment"] is False and params["random_state"] == 7
    cnn = build_model(SimpleNamespace(model="cnn", **{**options, "architecture": "seed"}))
    assert cnn.get_params()["architecture"] == "seed"


def test_without_epoch_and_batch_options_the_estimators_defaults_hold():
    # the CLI trained 10 epochs where the Python defaults (and the docs' figures) are 16
    pytest.importorskip("skorch")
    from sklearn_emnist._cli._models import build_model
    from sklearn_emnist.neural import CharCNNClassifier, LSTMRowClassifier

    options = {"n_neighbors": None, "n_components": None, "epochs": None, "batch_size": None,
               "lr": None, "architecture": None, "no_augment": False,
               "validation_fraction": None, "n_threads": None, "random_state": 0}
    for model, Estimator in (("cnn", CharCNNClassifier), ("lstm", LSTMRowClassifier)):
        params = build_model(SimpleNamespace(model=model, **options), verbose=0).get_params()
        defaults = Estimator().get_params()
        assert (params["max_epochs"], params["batch_size"]) == (
            defaults["max_epochs"], defaults["batch_size"])


@pytest.mark.parametrize(
    "option, value, parameter",
    [("--validation-fraction", "1.5", "validation_fraction"),
     ("--n-threads", "0", "n_threads"),
     ("--architecture", "vgg", "architecture")],
)
def test_values_the_estimator_refuses_are_usage_errors_before_any_data(
        tmp_path, capsys, option, value, parameter):
    pytest.importorskip("skorch")
    # no data exists in tmp_path: the estimator's check must come first
    code = main(["train", "--folder", str(tmp_path), "--name", "letters-none",
                 "--model", "cnn", option, value, "-o", str(tmp_path / "m.joblib")])
    assert code == 2
    err = capsys.readouterr().err
    assert "invalid option value" in err and parameter in err


class _Terminal:
    """A stream that says it is a terminal."""

    def __init__(self):
        self.text = ""

    def write(self, text):
        self.text += text

    def flush(self):
        pass

    def isatty(self):
        return True


COLOURED = "  1  \x1b[36m2.7519\x1b[0m"


def test_the_epoch_table_has_no_colour_codes_when_stderr_is_not_a_terminal(capsys):
    pytest.importorskip("skorch")
    from sklearn_emnist._cli._models import print_to_stderr

    print_to_stderr(COLOURED)  # pytest's captured stderr is no terminal, as `2> log`
    assert capsys.readouterr().err == "  1  2.7519\n"


def test_the_epoch_table_keeps_its_colours_on_a_terminal(monkeypatch):
    pytest.importorskip("skorch")
    from sklearn_emnist._cli._models import print_to_stderr

    terminal = _Terminal()
    monkeypatch.setattr("sys.stderr", terminal)
    print_to_stderr(COLOURED)
    assert terminal.text == COLOURED + "\n"
