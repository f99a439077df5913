"""The command line end to end, in subprocesses, on real EMNIST images.

fetch (from a loopback HTTP mirror) -> train -> evaluate -> predict on PNG files
written from real test images, compared with the saved model's own predict.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from sklearn_emnist.cli import main
from tests._data import load_bench, require_shared
from tests._http_server import LoopbackServer

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("cli-end-to-end")]


def run_cli(*args, env):
    process = subprocess.run(  # noqa: PLW1510 - callers check returncode
        [sys.executable, "-m", "sklearn_emnist", *map(str, args)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )
    return process


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    gzip_folder = require_shared("gzip")
    bench = require_shared("bench")
    tmp = tmp_path_factory.mktemp("cli")
    env = {
        **os.environ,
        "OMP_NUM_THREADS": "1",
        "SCIKIT_LEARN_DATA": str(tmp / "home"),
        "PYTHONPATH": str(ROOT),
    }
    env.pop("SKLEARN_EMNIST_MIRROR", None)
    with LoopbackServer(root=gzip_folder) as server:
        fetched = run_cli("fetch", "mnist", "--subset", "test", "--mirror", server.url(""),
                          "--json", env=env)
        served = [request.path for request in server.requests]
    model = tmp / "model.joblib"
    trained = run_cli(
        "train", "--split", "mnist", "--subset", "test", "--n-samples", "3000",
        "--model", "knn", "--random-state", "0", "-o", model,
        # an unreachable mirror: the fetch above filled the cache, nothing is downloaded
        "--mirror", "http://127.0.0.1:9/unreachable", env=env,
    )
    # held-out real digits (digits-here train: no image in common with the EMNIST-MNIST test
    # split the model is trained on), written as a small EMNIST-format folder
    from sklearn_emnist.datasets import write_idx

    X, y = load_bench("digits-here", "train", n_per_class=100, random_state=0)
    held_out = tmp / "held-out"
    held_out.mkdir()
    write_idx(held_out / "digits-small-test-images-idx3-ubyte.gz",
              np.ascontiguousarray(X.transpose(0, 2, 1)))
    write_idx(held_out / "digits-small-test-labels-idx1-ubyte.gz", y.astype(np.uint8))
    return {"tmp": tmp, "env": env, "bench": bench, "model": model, "held_out": held_out,
            "fetched": fetched, "served": served, "trained": trained}


def test_fetch_from_a_loopback_mirror(workspace):
    fetched = workspace["fetched"]
    assert fetched.returncode == 0, fetched.stderr
    summary = json.loads(fetched.stdout)
    assert summary == [{**summary[0], "split": "mnist", "subset": "test", "n_images": 10000,
                        "n_classes": 10}]
    assert any("emnist-mnist-test-images" in path for path in workspace["served"]) or any(
        "gzip.zip" in path for path in workspace["served"]
    ), workspace["served"]


def test_train_saves_a_model_from_the_cache(workspace):
    trained = workspace["trained"]
    assert trained.returncode == 0, trained.stderr
    assert workspace["model"].exists()
    assert "saved knn model" in trained.stdout and "3000 images" in trained.stdout


def test_evaluate_on_held_out_real_digits(workspace):
    tmp, env = workspace["tmp"], workspace["env"]
    report_path, plots = tmp / "report.json", tmp / "plots"
    evaluated = run_cli(
        "evaluate", workspace["model"], "--folder", workspace["held_out"],
        "--name", "digits-small", "--split", "digits", "--json", report_path, "--plots", plots,
        "--top", "5", env=env,
    )
    assert evaluated.returncode == 0, evaluated.stderr
    report = json.loads(report_path.read_text())
    assert report["data"]["n_images"] == 1000
    # KNN on 3000 real digits scores well above chance on unseen real digits
    assert 0.8 < report["summary"]["accuracy"] <= 1.0
    assert len(report["confused_pairs"]) == 5 and len(report["per_class"]) == 10
    assert "most confused pairs" in evaluated.stdout and "macro" in evaluated.stdout
    for name in ("confusion.png", "samples.png", "worst_errors.png"):
        assert (plots / name).read_bytes()[:4] == b"\x89PNG"


def test_evaluate_json_to_stdout_from_the_fetched_cache(workspace, capsys):
    code = main([
        "evaluate", str(workspace["model"]), "--split", "mnist", "--subset", "test",
        "--n-samples", "300", "--json", "-", "--quiet",
        "--data-home", workspace["env"]["SCIKIT_LEARN_DATA"],
        "--mirror", "http://127.0.0.1:9/unreachable",
    ])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    report = json.loads(captured.out)
    assert set(report["summary"]) >= {"accuracy", "macro", "micro", "weighted"}
    assert report["data"]["n_images"] == 300
    # --quiet: no progress, only the warning that the model was trained on these images
    [line] = captured.err.splitlines()
    assert "warning: the images evaluated (test subset of EMNIST mnist, fetched)" in line


def test_predict_png_and_idx_files_match_the_model(workspace):
    from PIL import Image

    from sklearn_emnist.datasets import write_idx
    from sklearn_emnist.deploy import load_model

    tmp = workspace["tmp"]
    X, _ = load_bench("digits-here", "test", n_per_class=2, random_state=1)
    files = []
    for k, image in enumerate(X):
        path = tmp / f"digit_{k:02d}.png"
        # half as stored (light on dark), half as on paper (dark on light)
        Image.fromarray(image if k % 2 else 255 - image).save(path)
        files.append(path)
    idx_path = tmp / "few-images-idx3-ubyte.gz"
    write_idx(idx_path, np.ascontiguousarray(X[:5].transpose(0, 2, 1)))  # stored as EMNIST does
    predicted = run_cli("predict", workspace["model"], *files, idx_path, "--json", "--proba",
                        env=workspace["env"])
    assert predicted.returncode == 0, predicted.stderr
    records = json.loads(predicted.stdout)
    model = load_model(workspace["model"])
    expected = model.predict(X)
    sources = [str(f) for f in files] + [f"{idx_path}[{k}]" for k in range(5)]
    assert [r["source"] for r in records] == sources
    assert [r["label"] for r in records] == expected.tolist() + expected[:5].tolist()
    assert [r["character"] for r in records[:20]] == [str(label) for label in expected]
    assert all(0 < r["probability"] <= 1 for r in records)


def test_predict_blank_image_exits_1(workspace, capsys):
    from PIL import Image

    blank = workspace["tmp"] / "blank.png"
    Image.fromarray(np.full((40, 40), 255, dtype=np.uint8)).save(blank)
    assert main(["predict", str(workspace["model"]), str(blank)]) == 1
    err = capsys.readouterr().err
    assert "no ink found" in err and "Traceback" not in err


def test_evaluate_per_class_table_in_text(workspace, capsys):
    code = main([
        "evaluate", str(workspace["model"]), "--folder", str(workspace["held_out"]),
        "--name", "digits-small", "--per-class", "--top", "3", "--quiet",
        "--data-home", workspace["env"]["SCIKIT_LEARN_DATA"],
    ])
    out = capsys.readouterr().out
    assert code == 0
    lines = out.splitlines()
    header = next(k for k, line in enumerate(lines) if "top_confusion" in line)
    assert len(lines[header + 1:header + 11]) == 10  # one row per digit
    assert sum("<->" in line for line in lines) == 3


@pytest.fixture(scope="module")
def plain_models(workspace):
    """Plain scikit-learn models (flat rows only), on integer and on character labels."""
    import joblib
    from sklearn.neighbors import KNeighborsClassifier

    X, y = load_bench("digits-here", "test", n_per_class=60, random_state=3)
    flat = X.reshape(len(X), -1)  # uint8 rows, as a fetched Bunch's data
    paths = {}
    for kind, labels in (("int", y), ("str", np.array(list("0123456789"))[y])):
        model = KNeighborsClassifier(n_neighbors=3).fit(flat, labels)
        paths[kind] = workspace["tmp"] / f"logreg-{kind}.joblib"
        joblib.dump(model, paths[kind])
    return paths


def _evaluate_json(workspace, model_path, capsys):
    code = main([
        "evaluate", str(model_path), "--folder", str(workspace["held_out"]),
        "--name", "digits-small", "--json", "-", "--quiet",
        "--data-home", workspace["env"]["SCIKIT_LEARN_DATA"],
    ])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    return json.loads(captured.out)


def test_evaluate_a_plain_model_on_flat_rows_and_one_predicting_characters(
    workspace, plain_models, capsys
):
    by_int = _evaluate_json(workspace, plain_models["int"], capsys)
    by_char = _evaluate_json(workspace, plain_models["str"], capsys)
    assert by_int["summary"]["accuracy"] > 0.8  # 600 real digits, 1000 unseen ones
    # the character-label model is the same fit: its '0'..'9' map to the split's 0..9
    assert by_char["summary"] == by_int["summary"]


def test_predict_with_a_plain_model(workspace, plain_models, capsys):
    from sklearn_emnist.datasets import write_idx

    X, _ = load_bench("digits-here", "test", n_per_class=1, random_state=4)
    idx_path = workspace["tmp"] / "plain-images-idx3-ubyte.gz"
    write_idx(idx_path, np.ascontiguousarray(X.transpose(0, 2, 1)))
    assert main(["predict", str(plain_models["int"]), str(idx_path), "--json", "-q"]) == 0
    records = json.loads(capsys.readouterr().out)
    assert len(records) == len(X) and all(r["character"] in "0123456789" for r in records)


def test_predict_names_characters_from_the_split_a_model_file_names(workspace, capsys):
    # the quick start's save_model(model, path, metadata={"split": "letters"}): no
    # target_names in the file, so predict printed the labels 9, 15, ...
    from sklearn.neighbors import KNeighborsClassifier

    from sklearn_emnist.datasets import write_idx
    from sklearn_emnist.deploy import save_model

    X, y = load_bench("letters-here", "train", n_per_class=10, random_state=0)
    model = KNeighborsClassifier(n_neighbors=1).fit(X.reshape(len(X), -1), y)
    path = save_model(model, workspace["tmp"] / "letters-knn.skem", metadata={"split": "letters"})
    idx_path = workspace["tmp"] / "letters-idx3-ubyte.gz"
    write_idx(idx_path, np.ascontiguousarray(X[::50].transpose(0, 2, 1)))
    assert main(["predict", str(path), str(idx_path), "--json", "-q"]) == 0
    records = json.loads(capsys.readouterr().out)
    assert [r["character"] for r in records] == [chr(ord("a") + label) for label in y[::50]]
