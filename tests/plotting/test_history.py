import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from sklearn_emnist.plotting import TrainingCurvesDisplay
from tests._data import load_bench

from ._helpers import is_png


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def fitted_net():
    torch = pytest.importorskip("torch")
    skorch = pytest.importorskip("skorch")
    torch.manual_seed(0)
    torch.set_num_threads(1)

    class Softmax(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.linear = torch.nn.Linear(784, 26)

        def forward(self, X):
            return torch.softmax(self.linear(X), dim=-1)

    X, y = load_bench("letters-here", "train", n_per_class=20)
    X = X.reshape(len(X), -1).astype(np.float32) / 255
    net = skorch.NeuralNetClassifier(Softmax, max_epochs=3, lr=0.5, verbose=0)
    return net.fit(X, y)


def test_curves_from_a_real_skorch_net(fitted_net, tmp_path):
    display = TrainingCurvesDisplay.from_estimator(fitted_net)
    assert set(display.lines_) == {"train_loss", "valid_loss", "valid_acc"}
    np.testing.assert_allclose(
        display.lines_["valid_loss"].get_ydata(), fitted_net.history[:, "valid_loss"]
    )
    loss_ax, acc_ax = display.axes_
    assert display.ax_ is loss_ax and acc_ax.get_ylabel() == "accuracy"
    display.figure_.savefig(tmp_path / "curves.png", dpi=60)
    assert is_png(tmp_path / "curves.png")


def test_curves_on_one_axes_use_a_twin_axis():
    _, ax = plt.subplots()
    history = {"train_loss": [1.0, 0.5], "valid_acc": [0.6, 0.8]}
    display = TrainingCurvesDisplay.from_history(history, ax=ax)
    assert display.ax_ is ax
    assert display.axes_[1] is not ax and display.axes_[1].get_ylabel() == "accuracy"
    assert display.lines_["train_loss"].get_xdata().tolist() == [1, 2]


def test_curves_reject_unknown_keys_and_unfitted_nets():
    with pytest.raises(ValueError, match="recorded keys"):
        TrainingCurvesDisplay.from_history([{"epoch": 1, "train_loss": 1.0}], keys=["valid_acc"])

    class Unfitted:
        history = ()

    with pytest.raises(ValueError, match="fit it first"):
        TrainingCurvesDisplay.from_estimator(Unfitted())


@pytest.mark.parametrize("keys, ylabel", [(["train_loss", "valid_acc"], "accuracy"),
                                          (["train_loss", "lr"], "lr"),
                                          (["train_loss", "lr", "valid_f1"], "score")])
def test_the_second_axis_is_labelled_by_what_it_shows(keys, ylabel):
    history = [{"epoch": 1, "train_loss": 1.0, "valid_acc": 0.5, "lr": 0.1, "valid_f1": 0.4},
               {"epoch": 2, "train_loss": 0.5, "valid_acc": 0.7, "lr": 0.01, "valid_f1": 0.6}]
    display = TrainingCurvesDisplay.from_history(history, keys=keys)
    assert display.axes_[1].get_ylabel() == ylabel
