"""Regenerate docs/api.rst from the subpackages' ``__all__``.

Run from anywhere::

    python docs/update_api_reference.py

``tests/docs/test_api_reference.py`` fails when docs/api.rst and the package
drift apart; this script brings them back in step (classes and functions get
autosummary pages, constants are named in a line).
"""

import importlib
import inspect
import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
sys.path.insert(0, str(DOCS.parent))

# (subpackage, title, one-line description), in the order of the page
SECTIONS = [
    ("datasets", "loading EMNIST",
     "Fetchers for the official splits and for EMNIST-format folders, the IDX reader "
     "and writer, the split metadata and the errors they raise."),
    ("preprocessing", "image transformers",
     "scikit-learn transformers for flat or image-shaped arrays, and the functions "
     "behind them."),
    ("augmentation", "train-time augmentation",
     "Random affine distortion, as a function and as an imbalanced-learn sampler that "
     "acts during ``fit`` only."),
    ("neighbors", "the KNN baseline", "The tuned KNN pipeline in one call."),
    ("neural", "neural estimators",
     "skorch estimators with the scikit-learn contract, their networks and training "
     "recipes. Importing this module imports torch and skorch."),
    ("metrics", "error analysis",
     "Summary metrics, per-class tables and the most confused character pairs, from "
     "``(y_true, y_pred)``."),
    ("plotting", "Display plots",
     "Plots in scikit-learn's Display style (matplotlib, optional extra ``plot``)."),
    ("deploy", "deployment", "ONNX export and inference, quantization, versioned model files."),
    ("io", "image files",
     "Turning photos and scans of handwritten characters into EMNIST-style 28x28 images."),
    ("parallel", "scale-out",
     "Worker set-up for torch and hyper-parameter searches on a Dask cluster."),
    ("utils", "input validation", "The input checks shared by every estimator."),
    ("cli", "command line", "The ``sklearn-emnist`` console script (see :doc:`user_guide/cli`)."),
]

HEADER = """\
.. _api:

API reference
=============

Every public name, generated from its docstring. The most used ones are also
importable from the top-level package (``from sklearn_emnist import
fetch_emnist``); importing it is cheap, and torch / skorch are loaded only when
a neural estimator is first used.
"""


def _autosummary(names, template):
    if not names:
        return []
    return [".. autosummary::", "   :toctree: gen_modules/", f"   :template: {template}", "",
            *(f"   {name}" for name in names), ""]


def render():
    out = [HEADER]
    for sub, title, text in SECTIONS:
        module = importlib.import_module(f"sklearn_emnist.{sub}")
        objects = {name: getattr(module, name) for name in module.__all__}
        classes = [n for n, o in objects.items() if inspect.isclass(o)]
        functions = [n for n, o in objects.items() if inspect.isfunction(o)]
        constants = [n for n in objects if n not in classes and n not in functions]
        head = f":mod:`sklearn_emnist.{sub}`: {title}"
        out += [head, "-" * len(head), "",
                f".. automodule:: sklearn_emnist.{sub}", "   :no-members:",
                "   :no-inherited-members:", "",
                f".. currentmodule:: sklearn_emnist.{sub}", "", text, ""]
        out += _autosummary(classes, "class.rst") + _autosummary(functions, "function.rst")
        if constants:
            out += ["Constants: " + ", ".join(f"``{n}``" for n in constants) + ".", ""]
    return "\n".join(out)


if __name__ == "__main__":
    (DOCS / "api.rst").write_text(render())
    print(f"wrote {DOCS / 'api.rst'}")
