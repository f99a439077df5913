"""The models ``train`` can build, and their command-line options."""

import numpy as np

from ._errors import EXIT_MISSING, CLIError

MODELS = ("knn", "cnn", "lstm")


def add_model_arguments(parser):
    group = parser.add_argument_group("model")
    group.add_argument(
        "--model", choices=MODELS, default="knn",
        help="knn: k-nearest neighbours on pixels (no torch needed, fast to fit, slow to "
        "predict); cnn: CharCNNClassifier; lstm: LSTMRowClassifier (default: knn).",
    )
    group.add_argument("--n-neighbors", type=int, default=3, metavar="K",
                       help="knn: number of neighbours (default: 3).")
    group.add_argument("--epochs", type=int, default=10, metavar="N",
                       help="cnn/lstm: training epochs (default: 10).")
    group.add_argument("--batch-size", type=int, default=128, metavar="N",
                       help="cnn/lstm: training batch size (default: 128).")
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
                       help="cnn/lstm: torch threads (default: all cores).")
    group.add_argument("--random-state", type=int, default=0, metavar="SEED",
                       help="seed of the sample and the training (default: 0).")
    return group


def print_to_stderr(*args, **kwargs):
    """skorch's epoch table goes to stderr, so stdout keeps only results."""
    import sys

    print(*args, file=sys.stderr, **kwargs)


def flatten_images(X):
    """Images in any accepted shape -> (n, 784) float32 in [0, 1]."""
    from ..utils import check_images

    images = check_images(X, dtype=np.float32)
    return images.reshape(len(images), -1)


def _knn(args):
    try:
        from .. import make_knn_pipeline
    except ImportError:
        make_knn_pipeline = None
    if make_knn_pipeline is not None:
        try:
            return make_knn_pipeline(n_neighbors=args.n_neighbors)
        except TypeError:
            return make_knn_pipeline().set_params(
                **{
                    name: args.n_neighbors
                    for name in make_knn_pipeline().get_params()
                    if name.endswith("n_neighbors")
                }
            )
    from sklearn.neighbors import KNeighborsClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer

    return make_pipeline(
        FunctionTransformer(flatten_images),
        KNeighborsClassifier(n_neighbors=args.n_neighbors, n_jobs=1),
    )


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
    params = {
        "max_epochs": args.epochs,
        "batch_size": args.batch_size,
        "random_state": args.random_state,
        "verbose": verbose,
    }
    if args.lr is not None:
        params["lr"] = args.lr
    if args.no_augment:
        params["augment"] = False
    if args.validation_fraction is not None:
        params["validation_fraction"] = args.validation_fraction
    if args.n_threads is not None:
        params["n_threads"] = args.n_threads
    if args.architecture is not None:
        if args.model != "cnn":
            raise CLIError("--architecture applies to --model cnn only.", code=2)
        params["architecture"] = args.architecture
    known = Estimator().get_params()
    unknown = [name for name in params if name not in known]
    if unknown:  # an older estimator without some option
        raise CLIError(f"{Estimator.__name__} does not accept {unknown}.", code=2)
    estimator = Estimator(**params)
    try:
        estimator.set_params(callbacks__print_log__sink=print_to_stderr)
    except ValueError:  # no PrintLog callback under that name
        pass
    return estimator


def build_model(args, *, verbose=1):
    """A fresh, unfitted estimator for ``args.model``."""
    if args.model == "knn":
        if args.n_neighbors < 1:
            raise CLIError("--n-neighbors must be at least 1.", code=2)
        return _knn(args)
    if args.epochs < 1 or args.batch_size < 1:
        raise CLIError("--epochs and --batch-size must be at least 1.", code=2)
    return _neural(args, verbose)
