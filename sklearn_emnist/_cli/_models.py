"""The models ``train`` can build, and their command-line options."""

import math

from ._errors import EXIT_MISSING, EXIT_USAGE, CLIError

MODELS = ("knn", "cnn", "lstm")

# which models each model option applies to (by argparse destination); an
# option given for another model is a usage error, not silently ignored
OPTION_MODELS = {
    "n_neighbors": ("knn",),
    "n_components": ("knn",),
    "epochs": ("cnn", "lstm"),
    "batch_size": ("cnn", "lstm"),
    "lr": ("cnn", "lstm"),
    "architecture": ("cnn",),
    "no_augment": ("cnn", "lstm"),
    "validation_fraction": ("cnn", "lstm"),
    "n_threads": ("cnn", "lstm"),
}


def add_model_arguments(parser):
    group = parser.add_argument_group(
        "model", "An option marked knn, cnn or lstm applies to that model only; giving it "
        "for another model is a usage error.")
    group.add_argument(
        "--model", choices=MODELS, default="knn",
        help="knn: make_knn_pipeline (deskew, HOG, PCA, k-nearest neighbours; no torch, "
        "quick to fit); cnn: CharCNNClassifier; lstm: LSTMRowClassifier (default: knn).",
    )
    group.add_argument("--n-neighbors", type=int, default=None, metavar="K",
                       help="knn: number of neighbours (default: make_knn_pipeline's).")
    group.add_argument("--n-components", type=int, default=None, metavar="D",
                       help="knn: PCA components (default: make_knn_pipeline's; at most the "
                       "number of training images and of features, 1,296 HOG features).")
    group.add_argument("--epochs", type=int, default=None, metavar="N",
                       help="cnn/lstm: training epochs (default: the estimator's, as in Python).")
    group.add_argument("--batch-size", type=int, default=None, metavar="N",
                       help="cnn/lstm: training batch size (default: the estimator's).")
    group.add_argument("--lr", type=float, default=None, metavar="LR",
                       help="cnn/lstm: peak learning rate (default: the estimator's).")
    group.add_argument("--architecture", default=None, metavar="NAME",
                       help="cnn: deep, deep-se, resnet or seed (default: the estimator's).")
    group.add_argument("--no-augment", action="store_true",
                       help="cnn/lstm: no train-time augmentation.")
    group.add_argument("--validation-fraction", type=float, default=None, metavar="F",
                       help="cnn/lstm: hold out this share of the training images to record "
                       "valid_loss / valid_acc per epoch.")
    group.add_argument("--n-threads", type=int, default=None, metavar="N",
                       help="cnn/lstm: torch threads (default: $OMP_NUM_THREADS when set, "
                       "else every core this process may use).")
    group.add_argument("--random-state", type=int, default=0, metavar="SEED",
                       help="seed of the sample and the training (default: 0).")
    return group


def print_to_stderr(*args, **kwargs):
    """skorch's epoch table goes to stderr, so stdout keeps only results; its
    colour codes only when stderr is a terminal (not in ``2> log``)."""
    import sys

    from ..neural._callbacks import plain_unless_terminal

    args = [plain_unless_terminal(arg, sys.stderr) if isinstance(arg, str) else arg
            for arg in args]
    print(*args, file=sys.stderr, **kwargs)


def _knn(args):
    from ..neighbors import make_knn_pipeline

    params = {"random_state": args.random_state}
    if args.n_neighbors is not None:
        params["n_neighbors"] = args.n_neighbors
    if args.n_components is not None:
        params["n_components"] = args.n_components
    return make_knn_pipeline(**params)


def _neural(args, verbose):
    try:
        if args.model == "cnn":
            from ..neural import CharCNNClassifier as Estimator
        else:
            from ..neural import LSTMRowClassifier as Estimator
    except ImportError as exc:
        raise CLIError(
            f"--model {args.model} needs torch and skorch ({exc}); pip install sklearn-emnist "
            "installs them, or use --model knn.",
            code=EXIT_MISSING,
        ) from exc
    params = {"random_state": args.random_state, "verbose": verbose}
    if args.epochs is not None:
        params["max_epochs"] = args.epochs
    if args.batch_size is not None:
        params["batch_size"] = args.batch_size
    if args.lr is not None:
        params["lr"] = args.lr
    if args.no_augment:
        params["augment"] = False
    if args.validation_fraction is not None:
        params["validation_fraction"] = args.validation_fraction
    if args.n_threads is not None:
        params["n_threads"] = args.n_threads
    if args.architecture is not None:
        params["architecture"] = args.architecture
    known = Estimator().get_params()
    unknown = [name for name in params if name not in known]
    if unknown:  # an older estimator without some option
        raise CLIError(f"{Estimator.__name__} does not accept {unknown}.", code=EXIT_USAGE)
    estimator = Estimator(**params)
    try:  # the estimator's own checks, now rather than after the data is loaded
        estimator._check_own_params()
    except ValueError as exc:
        raise CLIError(f"invalid option value: {exc}", code=EXIT_USAGE) from exc
    # skorch calls a sink other than print whatever verbose says: set it only
    # when the epoch table is wanted (-q means no progress on stderr). It is
    # this process's output, not part of the model: deploy.save_weights does
    # not store a callback's sink (see _persistence._is_callback_sink), so a
    # network trained here still takes the weights route.
    if verbose:
        try:
            estimator.set_params(callbacks__print_log__sink=print_to_stderr)
        except ValueError:  # no PrintLog callback under that name
            pass
    return estimator


def _check_options_apply(args):
    """Refuse an option of another model (``--model knn --epochs 5``)."""
    for dest, models in OPTION_MODELS.items():
        value = getattr(args, dest, None)
        if value is not None and value is not False and args.model not in models:
            flag = "--" + dest.replace("_", "-")
            raise CLIError(
                f"{flag} applies to --model {' or '.join(models)}, not --model {args.model}.",
                code=EXIT_USAGE,
            )


def _check_option_values(args):
    """Sizes and rates the estimators would only refuse once fitting starts."""
    for option, dest in (("--n-neighbors", "n_neighbors"), ("--n-components", "n_components"),
                         ("--epochs", "epochs"), ("--batch-size", "batch_size")):
        value = getattr(args, dest, None)
        if value is not None and value < 1:
            raise CLIError(f"{option} must be at least 1, got {value}.", code=EXIT_USAGE)
    lr = getattr(args, "lr", None)
    if lr is not None and not (math.isfinite(lr) and lr > 0):
        raise CLIError(f"--lr must be a positive number, got {lr}.", code=EXIT_USAGE)


def build_model(args, *, verbose=1):
    """A fresh, unfitted estimator for ``args.model``; options that do not
    apply to it or values it would refuse are usage errors (exit code 2)."""
    _check_options_apply(args)
    _check_option_values(args)
    if args.model == "knn":
        return _knn(args)
    return _neural(args, verbose)
