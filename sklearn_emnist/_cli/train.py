"""``sklearn-emnist train``: fit a model on EMNIST images and save it."""

import time

from ._console import info, result
from ._data import add_data_arguments, load_data
from ._model_file import save_model
from ._models import add_model_arguments, build_model

EXAMPLES = """examples:
  sklearn-emnist train --split letters --model cnn --epochs 10 -o letters-cnn.joblib
  sklearn-emnist train --split digits --model knn --n-samples 20000 -o digits-knn.joblib
  sklearn-emnist train --folder ../shared/emnist/bench --name letters-here --model lstm \\
      --epochs 5 --validation-fraction 0.1 -o letters-lstm.joblib"""


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
                        help="where to save the fitted model (e.g. model.joblib).")
    add_data_arguments(parser, default_subset="train")
    add_model_arguments(parser)
    parser.set_defaults(run=run)
    return parser


def run(args):
    bunch = load_data(args, random_state=args.random_state)
    model = build_model(args, verbose=0 if args.quiet else 1)
    info(f"fitting {type(model).__name__} ({args.model}) on {len(bunch.target)} images ...")
    start = time.perf_counter()
    model.fit(bunch.images, bunch.target)
    seconds = time.perf_counter() - start
    training = {
        "model": args.model,
        "split": bunch.split,
        "subset": bunch.subset,
        "source": args.folder or "fetch_emnist",
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
