"""``sklearn-emnist evaluate``: metrics, confused pairs and plots of a saved model."""

import json
import os
import time

import numpy as np

from ._console import info, result, warn
from ._data import add_data_arguments, folder_files, load_data
from ._errors import EXIT_MISSING, EXIT_USAGE, CLIError, public_name
from ._model_file import load_model
from ._outputs import (
    check_files_in_folder,
    check_output_file,
    check_output_folder,
    write_json,
)

EXAMPLES = """examples:
  sklearn-emnist evaluate letters-cnn.skem                  # the test set of its training data
  sklearn-emnist evaluate model.skem --split letters --n-samples 5000 --plots figures/
  sklearn-emnist evaluate model.skem --folder ../shared/emnist/bench --name letters-here \\
      --json metrics.json
  sklearn-emnist evaluate model.skem --json - | jq .summary.accuracy

Without a data option (--split, --folder, --name, --mirror) the model is scored on the data
it was trained on, as its file records it, but on its --subset (default: test): the files of
the same --folder and --name, or the same split, fetched. Scoring on images the model was
trained on (the same data and subset, or --subset all) prints a warning, and the JSON report
says "overlaps_training": true.

--json FILE and --plots DIR are checked before any work: their folder (for DIR, its parent)
must exist, and neither may be the model or a data file. An existing FILE is replaced only
when it is an earlier report of evaluate (a JSON object with "model" and "summary") or empty
(whitespace only); any other file, other JSON documents too, is a usage error, so that no
model, data or other file is lost to a mistyped name. /dev/null and FIFOs are written to."""

# every report has these keys: an existing --json FILE is replaced only when it has them
REPORT_KEYS = ("model", "summary")

# the files --plots may write
PLOT_NAMES = ("confusion.png", "samples.png", "worst_errors.png", "training_curves.png")


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
                        "('-': to stdout, instead of the text report); an existing FILE is "
                        "replaced only when it is an earlier report or empty.")
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


def _check_matplotlib():
    import importlib.util

    if importlib.util.find_spec("matplotlib") is None:
        raise CLIError(
            "--plots needs matplotlib: pip install 'sklearn-emnist[plot]'.", code=EXIT_MISSING
        )


def _plots(folder, model, images, y_true, y_pred, names, written):
    """Write the plots to ``folder``, appending each path to ``written`` (so that
    the caller knows which ones exist when one fails)."""
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


def _default_to_training_data(args, metadata):
    """With no data option, evaluate on the ``--subset`` files (default: test)
    of the folder the model was trained on (``train --folder DIR --name NAME``),
    as its file records.

    Sets ``args.folder``, ``args.name`` and ``args.split``; returns whether it
    did. A model trained on a fetched split needs nothing: ``load_data`` falls
    back to the split the file names.
    """
    if any(value is not None for value in (args.split, args.folder, args.name, args.mirror)):
        return False
    training = metadata.get("training") or {}
    source = training.get("source")
    if not source or source == "fetch_emnist":
        return False
    folder = os.path.abspath(source)
    if not os.path.isdir(folder):
        raise CLIError(
            f"the model was trained on the folder {source}, which is not there any more; "
            "choose the data: --folder DIR --name NAME, or --split SPLIT."
        )
    args.folder, args.name = folder, training.get("name")
    args.split = training.get("split") or metadata.get("split")
    info(f"no data option given: the {args.subset} files of the folder the model was "
         "trained on")
    return True


def _overlaps_training(metadata, bunch, args):
    """Whether the evaluation images include the model's training images: the
    same source (fetched, or the same folder and name), the same split and a
    common subset. None when the model file does not record its training data."""
    training = metadata.get("training") or {}
    source, split, subset = (training.get(key) for key in ("source", "split", "subset"))
    if not (source and split and subset):
        return None
    if split != bunch.split:
        return False
    if subset != bunch.subset and "all" not in (subset, bunch.subset):
        return False
    if source == "fetch_emnist":
        return args.folder is None
    if args.folder is None:
        return False
    default_name = f"emnist-{split}"
    return (os.path.realpath(source) == os.path.realpath(args.folder)
            and (training.get("name") or default_name) == (args.name or default_name))


def _warn_overlap(training, bunch, args):
    def subsets(subset):
        return "train and test subsets" if subset == "all" else f"{subset} subset"

    where = (f"{args.name or 'emnist-' + bunch.split} in {args.folder}" if args.folder
             else f"EMNIST {bunch.split}, fetched")
    other = ("--subset test" if training.get("subset") == "train"
             else "--folder DIR --name NAME with other images")
    warn(f"the images evaluated ({subsets(bunch.subset)} of {where}) include the model's "
         f"training images (its {subsets(training.get('subset'))}): the scores overstate how "
         f"well it reads new images; evaluate it on held-out images ({other}).")


def _check_outputs(args, data_files=()):
    """--json FILE and --plots DIR: refused (exit code 2) before any work when
    they cannot be written or would overwrite the model, a data file or, for
    FILE, any existing file that is neither empty nor an earlier report."""
    inputs = [(args.model, "the model being evaluated"),
              *((path, "one of the data files") for path in data_files)]
    if args.json and args.json != "-":
        check_output_file("--json", args.json, report_keys=REPORT_KEYS, inputs=inputs)
    if args.plots:
        check_output_folder("--plots", args.plots, inputs=inputs)
        check_files_in_folder("--plots", args.plots, PLOT_NAMES, inputs=inputs)
        _check_matplotlib()


def run(args):
    from ..metrics import classification_summary, most_confused_pairs, per_class_table

    if args.top < 1:
        raise CLIError("--top must be at least 1.", code=EXIT_USAGE)
    _check_outputs(args, folder_files(args.folder, args.name, args.split, args.subset))
    model, metadata = load_model(args.model)
    if _default_to_training_data(args, metadata):
        _check_outputs(args, folder_files(args.folder, args.name, args.split, args.subset))
    bunch = load_data(args, default_split=metadata.get("split"), random_state=args.random_state)
    overlaps = _overlaps_training(metadata, bunch, args)
    if overlaps:
        _warn_overlap(metadata["training"], bunch, args)
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
    # averaged over the classes that occur, as scikit-learn averages: a class the
    # model knows that neither the images nor the predictions hold would count as 0
    summary = classification_summary(y_true, y_pred)
    pairs = most_confused_pairs(y_true, y_pred, labels=labels, target_names=names, top=args.top)
    table = per_class_table(y_true, y_pred, labels=labels, target_names=names, sort_by="f1")
    report = {
        "model": os.fspath(args.model),
        "data": {"split": bunch.split, "subset": bunch.subset, "n_images": len(y_true),
                 "source": args.folder or "fetch_emnist", "name": args.name},
        "overlaps_training": overlaps,
        "summary": summary.to_dict(),
        "predict_seconds": round(seconds, 3),
        "images_per_second": round(len(y_true) / seconds, 1) if seconds > 0 else None,
        "confused_pairs": pairs.to_records(),
        "per_class": table.to_records(),
    }
    plot_error = None
    if args.plots:
        report["plots"] = []
        try:
            _plots(args.plots, model, bunch.data, y_true, y_pred, names, report["plots"])
        except Exception as exc:  # the report is written all the same, then the error raised
            plot_error = exc
            report["plots_error"] = f"{public_name(exc)}: {exc}"
    if args.json and args.json != "-":
        write_json(args.json, report)
        info(f"wrote {args.json}")
    if args.json == "-":
        result(json.dumps(report, indent=2))
    else:
        _print_report(report, summary, pairs, table, seconds, args.per_class)
    if plot_error is not None:
        raise plot_error
    return 0


def _print_report(report, summary, pairs, table, seconds, per_class):
    result(str(summary))
    result(f"({seconds:.2f} s to predict, {report['images_per_second']} images/s)")
    result("")
    result(f"most confused pairs (both directions, of {report['data']['n_images']} images):")
    for pair in pairs:
        result(f"  {pair}")
    if per_class:
        result("")
        result(str(table))
    for path in report.get("plots", []):
        result(f"wrote {path}")
