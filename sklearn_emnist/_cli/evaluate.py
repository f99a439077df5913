"""``sklearn-emnist evaluate``: metrics, confused pairs and plots of a saved model."""

import json
import os
import time

import numpy as np

from ._console import info, result
from ._data import add_data_arguments, load_data
from ._errors import EXIT_MISSING, CLIError
from ._model_file import load_model

EXAMPLES = """examples:
  sklearn-emnist evaluate letters-cnn.skem                  # its split's test set
  sklearn-emnist evaluate model.skem --split letters --n-samples 5000 --plots figures/
  sklearn-emnist evaluate model.skem --folder ../shared/emnist/bench --name letters-here \\
      --json metrics.json
  sklearn-emnist evaluate model.skem --json - | jq .summary.accuracy"""


def add_parser(subparsers, formatter):
    parser = subparsers.add_parser(
        "evaluate",
        help="accuracy, macro/micro averages, per-class table, confused pairs, plots",
        description="Score a saved model on EMNIST test images: accuracy, macro / micro / "
        "weighted precision, recall and F1, the most confused character pairs, optionally "
        "the per-class table, plots (PNG) and a JSON report.",
        epilog=EXAMPLES,
        formatter_class=formatter,
    )
    parser.add_argument("model", metavar="MODEL", help="model file written by 'train'.")
    add_data_arguments(parser, default_subset="test")
    parser.add_argument("--random-state", type=int, default=0, metavar="SEED",
                        help="seed of --n-samples (default: 0).")
    parser.add_argument("--top", type=int, default=10, metavar="N",
                        help="how many confused pairs to list (default: 10).")
    parser.add_argument("--per-class", action="store_true",
                        help="also print the per-class table (worst F1 first).")
    parser.add_argument("--plots", metavar="DIR", help="write PNG plots to DIR: confusion.png, "
                        "samples.png, worst_errors.png (models with predict_proba), "
                        "training_curves.png (neural models). Needs matplotlib.")
    parser.add_argument("--json", metavar="FILE", help="write the full report as JSON to FILE "
                        "('-': to stdout, instead of the text report).")
    parser.set_defaults(run=run)
    return parser


def _split_labels(labels, names):
    """The split's integer labels of a model's labels.

    A model fitted on the characters themselves (``'a'..'z'``) predicts
    strings; they are mapped to the split's labels through ``names``.
    """
    if labels.dtype.kind in "iu":
        return labels
    index = {str(name): k for k, name in enumerate(names)}
    unknown = sorted(set(map(str, labels)) - set(index))
    if unknown:
        raise CLIError(
            f"the model predicts labels {unknown[:5]} that are neither the split's integer "
            f"labels nor its characters ({''.join(map(str, names[:10]))}...); evaluate it on "
            "the split it was trained on."
        )
    return np.array([index[str(label)] for label in labels])


def _plots(folder, model, images, y_true, y_pred, names):
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError as exc:
        raise CLIError(
            "--plots needs matplotlib: pip install 'sklearn-emnist[plot]'.", code=EXIT_MISSING
        ) from exc
    from ..plotting import (
        CharConfusionMatrixDisplay,
        SampleImagesDisplay,
        TrainingCurvesDisplay,
        WorstErrorsDisplay,
    )

    os.makedirs(folder, exist_ok=True)
    written = []

    def save(display, name):
        path = os.path.join(folder, name)
        display.figure_.savefig(path, dpi=110)
        plt.close(display.figure_)
        written.append(path)

    save(CharConfusionMatrixDisplay.from_predictions(
        y_true, y_pred, labels=np.arange(len(names)), target_names=names,
        title=f"confusion matrix ({len(y_true)} images)"), "confusion.png")
    save(SampleImagesDisplay.from_predictions(images, y_true, y_pred, target_names=names),
         "samples.png")
    if hasattr(model, "predict_proba") and np.any(y_true != y_pred):
        save(WorstErrorsDisplay.from_predictions(
            images, y_true, model.predict_proba(images),
            classes=_split_labels(np.asarray(model.classes_), names), target_names=names,
        ), "worst_errors.png")
    net = model.steps[-1][1] if hasattr(model, "steps") else model
    history = getattr(net, "history_", None) or getattr(net, "history", None)
    if history is not None and hasattr(history, "__len__") and len(history) > 0:
        try:
            save(TrainingCurvesDisplay.from_estimator(net), "training_curves.png")
        except ValueError as exc:
            info(f"  no training curves: {exc}")
    return written


def run(args):
    from ..metrics import classification_summary, most_confused_pairs, per_class_table

    if args.top < 1:
        raise CLIError("--top must be at least 1.", code=2)
    model, metadata = load_model(args.model)
    bunch = load_data(args, default_split=metadata.get("split"), random_state=args.random_state)
    names = metadata.get("target_names") or list(bunch.target_names)
    if len(names) != len(bunch.target_names):
        raise CLIError(
            f"the model knows {len(names)} classes but the {bunch.split} data has "
            f"{len(bunch.target_names)}; evaluate it on the split it was trained on "
            f"({metadata.get('split')})."
        )
    info(f"predicting {len(bunch.target)} images ...")
    start = time.perf_counter()
    # flat rows: what every scikit-learn model takes (this package's take any layout)
    y_pred = _split_labels(np.asarray(model.predict(bunch.data)), names)
    seconds = time.perf_counter() - start
    y_true = np.asarray(bunch.target)
    labels = np.arange(len(names))
    summary = classification_summary(y_true, y_pred, labels=labels)
    pairs = most_confused_pairs(y_true, y_pred, labels=labels, target_names=names, top=args.top)
    table = per_class_table(y_true, y_pred, labels=labels, target_names=names, sort_by="f1")
    report = {
        "model": os.fspath(args.model),
        "data": {"split": bunch.split, "subset": bunch.subset, "n_images": len(y_true),
                 "source": args.folder or "fetch_emnist", "name": args.name},
        "summary": summary.to_dict(),
        "predict_seconds": round(seconds, 3),
        "images_per_second": round(len(y_true) / seconds, 1) if seconds > 0 else None,
        "confused_pairs": pairs.to_records(),
        "per_class": table.to_records(),
    }
    if args.plots:
        report["plots"] = _plots(args.plots, model, bunch.data, y_true, y_pred, names)
    if args.json and args.json != "-":
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(report, f, indent=2)
        info(f"wrote {args.json}")
    if args.json == "-":
        result(json.dumps(report, indent=2))
        return 0
    result(str(summary))
    result(f"({seconds:.2f} s to predict, {report['images_per_second']} images/s)")
    result("")
    result(f"most confused pairs (both directions, of {len(y_true)} images):")
    for pair in pairs:
        result(f"  {pair}")
    if args.per_class:
        result("")
        result(str(table))
    for path in report.get("plots", []):
        result(f"wrote {path}")
    return 0
