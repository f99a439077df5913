"""``sklearn-emnist train``: fit a model on EMNIST images and save it."""

import os
import signal
import threading
import time
from contextlib import contextmanager

from ._console import info, result
from ._data import _guess_split, add_data_arguments, folder_files, load_data
from ._errors import EXIT_USAGE, CLIError
from ._model_file import save_model
from ._models import add_model_arguments, build_model
from ._outputs import _is_model_file, _same_file

EXAMPLES = """examples:
  sklearn-emnist train --split letters --model cnn --epochs 10 -o letters-cnn.skem
  sklearn-emnist train --split digits --model knn --n-samples 20000 -o digits-knn.skem
  sklearn-emnist train --folder ../shared/emnist/bench --name letters-here --model lstm \\
      --epochs 5 --validation-fraction 0.1 -o letters-lstm.skem"""


def add_parser(subparsers, formatter):
    parser = subparsers.add_parser(
        "train",
        help="fit a model (knn, cnn, lstm) and save it to a file",
        description="Fit a classifier on EMNIST training images and save it (joblib) with the "
        "character names, for 'evaluate' and 'predict'.",
        epilog=EXAMPLES,
        formatter_class=formatter,
    )
    parser.add_argument("-o", "--output", required=True, metavar="FILE",
                        help="where to save the fitted model (e.g. model.skem).")
    parser.add_argument("--force", action="store_true",
                        help="replace FILE if it is an earlier model: a model file "
                        "(save_model's header) or a joblib or pickle file, compressed or not "
                        "(by default an existing file is kept and nothing is trained); any "
                        "other existing file, the training data above all, is never replaced.")
    add_data_arguments(parser, default_subset="train")
    add_model_arguments(parser)
    parser.set_defaults(run=run)
    return parser


def _inputs(args):
    """The files ``train`` reads, with what each is (for the messages)."""
    split = args.split or _guess_split(args.name)
    inputs = [(path, "one of the data files the model is trained on")
              for path in folder_files(args.folder, args.name, split, args.subset)]
    if args.mirror is not None and os.path.isfile(args.mirror):
        inputs.append((args.mirror, "the --mirror zip file"))
    return inputs


def _check_output(args):
    """Refuse an output that cannot be written, before any data is loaded or fitted.

    An existing file is replaced only with ``--force`` and only when the CLI
    loads it as a model: ``save_model``'s header, or a pickle stream, raw or
    compressed (the CLI's format 1, a plain joblib or pickle file); never one
    of the command's inputs, nor any other file (data, a gzipped IDX file, a
    script, ``/dev/null``), which a model written over it would destroy.
    """
    path = os.path.abspath(os.fspath(args.output))
    if os.path.isdir(path):
        raise CLIError(f"-o {path} is a folder; give the model file's name.", code=EXIT_USAGE)
    folder = os.path.dirname(path)
    if not os.path.isdir(folder) or not os.access(folder, os.W_OK):
        raise CLIError(f"-o {path}: cannot write to the folder {folder}.", code=EXIT_USAGE)
    if not os.path.lexists(path):
        return
    for other, what in _inputs(args):
        if _same_file(path, other):
            raise CLIError(f"-o {path} is {what}; the model would be written over its own "
                           "input. Give another name.", code=EXIT_USAGE)
    if not _is_model_file(path):
        raise CLIError(
            f"-o {path} exists and is not a model file (one 'sklearn-emnist train' or "
            "save_model wrote, or a joblib or pickle file); --force replaces only an earlier "
            "model. Give another name, or remove the file first.", code=EXIT_USAGE)
    if not args.force:
        raise CLIError(f"-o {path} exists; pass --force to replace it.", code=EXIT_USAGE)


def _check_knn_sizes(model, args, images):
    """The KNN pipeline's PCA needs at most as many components as training images
    and features, its neighbours at most as many images: say so before fitting
    (PCA fails naming its own parameter, and too many neighbours only fail at
    predict time, in evaluate)."""
    if args.model != "knn":
        return
    n_images = len(images)
    steps = dict(model.steps)
    limits = {"--n-neighbors": (steps["knn"].n_neighbors, n_images, "training images")}
    if steps.get("pca") not in (None, "passthrough"):
        # the features the PCA sees: those of the steps before it, on two images
        before = model[: [name for name, _ in model.steps].index("pca")]
        n_features = (before.fit_transform(images[:2]) if len(before) else images).shape[1]
        limit, what = min((n_images, "training images"), (n_features, "features"))
        limits["--n-components"] = (steps["pca"].n_components, limit, what)
    for option, (value, limit, what) in limits.items():
        if isinstance(value, int) and value > limit:
            given = getattr(args, option[2:].replace("-", "_")) is not None
            source = f"{option} {value}" if given else \
                f"make_knn_pipeline's default {option} of {value}"
            raise CLIError(
                f"{source} is more than the {limit} {what}; pass {option} {limit} or less"
                + (" or more images (--n-samples)." if what == "training images" else "."),
                code=EXIT_USAGE,
            )


@contextmanager
def _noticing_interrupts():
    """Ctrl-C during fit: skorch stops training and returns normally, so note it
    here and raise KeyboardInterrupt afterwards (no half-trained model saved).

    Where SIGINT is ignored (a shell's ``train &`` without job control,
    ``nohup``), it stays ignored, as in ``evaluate`` and ``predict``: the
    parent asked for the training not to be stopped by the terminal's Ctrl-C.
    """
    noticed = []
    if (threading.current_thread() is not threading.main_thread()
            or signal.getsignal(signal.SIGINT) is signal.SIG_IGN):
        yield
        return

    def note(signum, frame):
        noticed.append(signum)
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGINT, note)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
    if noticed:
        raise KeyboardInterrupt


def run(args):
    _check_output(args)
    model = build_model(args, verbose=0 if args.quiet else 1)
    bunch = load_data(args, random_state=args.random_state)
    _check_knn_sizes(model, args, bunch.data)
    info(f"fitting {type(model).__name__} ({args.model}) on {len(bunch.target)} images ...")
    start = time.perf_counter()
    with _noticing_interrupts():
        model.fit(bunch.images, bunch.target)
    seconds = time.perf_counter() - start
    training = {
        "model": args.model,
        "split": bunch.split,
        "subset": bunch.subset,
        # absolute: evaluate reads the test files of this folder by default, from anywhere
        "source": os.path.abspath(args.folder) if args.folder else "fetch_emnist",
        "name": args.name,
        "n_samples": len(bunch.target),
        "random_state": args.random_state,
        "fit_seconds": round(seconds, 3),
    }
    path = save_model(args.output, model, target_names=list(bunch.target_names),
                      split=bunch.split, training=training)
    result(f"saved {args.model} model to {path} (fit {seconds:.1f} s on "
           f"{len(bunch.target)} images)")
    return 0
