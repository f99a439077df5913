"""Regenerate docs/api.rst from the subpackages' ``__all__`` (run from the repository root).

    python docs/update_api_reference.py

tests/docs/test_api_reference.py fails when docs/api.rst and the package drift apart.
"""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import importlib, inspect
sections = [
 ("datasets", "loading EMNIST", "Fetchers for the official splits and for EMNIST-format folders, the IDX reader and writer, the split metadata and the errors they raise."),
 ("preprocessing", "image transformers", "scikit-learn transformers for flat or image-shaped arrays, and the functions behind them."),
 ("augmentation", "train-time augmentation", "Random affine distortion, as a function and as an imbalanced-learn sampler that acts during ``fit`` only."),
 ("neighbors", "the KNN baseline", "The tuned KNN pipeline in one call."),
 ("neural", "neural estimators", "skorch estimators with the scikit-learn contract, their networks and training recipes. Importing this module imports torch and skorch."),
 ("metrics", "error analysis", "Summary metrics, per-class tables and the most confused character pairs, from ``(y_true, y_pred)``."),
 ("plotting", "Display plots", "Plots in scikit-learn's Display style (matplotlib, optional extra ``plot``)."),
 ("deploy", "deployment", "ONNX export and inference, quantization, versioned model files."),
 ("io", "image files", "Turning photos and scans of handwritten characters into EMNIST-style 28x28 images."),
 ("parallel", "scale-out", "Worker set-up for torch and hyper-parameter searches on a Dask cluster."),
 ("utils", "input validation", "The input checks shared by every estimator."),
 ("cli", "command line", "The ``sklearn-emnist`` console script (see :doc:`user_guide/cli`)."),
]
out = ['.. _api:', '', 'API reference', '=============', '',
 'Every public name, generated from its docstring. The most used ones are also',
 'importable from the top-level package (``from sklearn_emnist import',
 'fetch_emnist``); importing it is cheap, and torch / skorch are loaded only when',
 'a neural estimator is first used.', '']
for mod, title, text in sections:
    m = importlib.import_module("sklearn_emnist." + mod)
    names = list(m.__all__)
    classes = [n for n in names if inspect.isclass(getattr(m, n))]
    funcs = [n for n in names if inspect.isfunction(getattr(m, n))]
    data = [n for n in names if n not in classes and n not in funcs]
    head = f":mod:`sklearn_emnist.{mod}`: {title}"
    out += [head, "-" * len(head), "", f".. automodule:: sklearn_emnist.{mod}", "   :no-members:", "   :no-inherited-members:", "", f".. currentmodule:: sklearn_emnist.{mod}", "", text, ""]
    if classes:
        out += [".. autosummary::", "   :toctree: gen_modules/", "   :template: class.rst", ""] + [f"   {n}" for n in classes] + [""]
    if funcs:
        out += [".. autosummary::", "   :toctree: gen_modules/", "   :template: function.rst", ""] + [f"   {n}" for n in funcs] + [""]
    if data:
        out += ["Constants: " + ", ".join(f"``{n}``" for n in data) + ".", ""]
open(Path(__file__).resolve().parent / "api.rst", "w").write("\n".join(out))
