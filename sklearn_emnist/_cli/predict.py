"""``sklearn-emnist predict``: characters in image files or an IDX file."""

import json
import os

import numpy as np

from ._console import info, result
from ._errors import EXIT_MISSING, EXIT_USAGE, CLIError
from ._model_file import load_model
from ._outputs import check_files_in_folder, check_output_folder

EXAMPLES = """examples:
  sklearn-emnist predict model.skem photo_a.jpg scan_b.png
  sklearn-emnist predict model.skem letters/*.png --proba --save-converted converted/
  sklearn-emnist predict model.skem emnist-letters-test-images-idx3-ubyte.gz --json

Image files (PNG, JPEG, BMP, ...) each hold one character, dark ink on light paper or
light on dark; each is converted to EMNIST's format: grey, inverted if dark-on-light,
background removed (uneven lighting too), cropped to the ink, thin pen strokes widened,
scaled to fit 24x24 (--framing emnist) or 20x20 (--framing mnist) keeping its aspect,
centred in 28x28. A 28x28 image is taken as already
EMNIST-framed. IDX files (.gz or raw) hold many images, stored transposed as in the
official EMNIST files (--idx-orientation upright for files that are not)."""

_IDX_SUFFIXES = ("-ubyte", "-ubyte.gz", ".idx", ".idx.gz", ".idx3", ".idx3.gz")


def add_parser(subparsers, formatter):
    parser = subparsers.add_parser(
        "predict",
        help="read characters from PNG/JPEG files or an IDX file",
        description="Predict the character in each image file (or each image of IDX files) "
        "with a saved model. Prints one line per image: the source and the character.",
        epilog=EXAMPLES,
        formatter_class=formatter,
    )
    parser.add_argument("model", metavar="MODEL", help="model file written by 'train'.")
    parser.add_argument("files", nargs="+", metavar="FILE",
                        help="image files (PNG, JPEG, ...) and/or IDX image files.")
    parser.add_argument("--invert", choices=("auto", "yes", "no"), default="auto",
                        help="invert grey levels: auto = when the border is lighter than the "
                        "ink (default: auto).")
    parser.add_argument("--framing", choices=("emnist", "mnist"), default="emnist",
                        help="how to scale and centre a character (default: emnist).")
    parser.add_argument("--idx-orientation", choices=("emnist", "upright"), default="emnist",
                        help="IDX images are stored transposed as in EMNIST's files (emnist, "
                        "default) or upright.")
    parser.add_argument("--proba", action="store_true",
                        help="also print the probability of the predicted character.")
    parser.add_argument("--save-converted", metavar="DIR",
                        help="save each converted 28x28 image as PNG in DIR (to check the "
                        "conversion); DIR is created if its parent folder exists.")
    parser.add_argument("--json", action="store_true", help="print the predictions as JSON.")
    parser.set_defaults(run=run)
    return parser


def _is_idx(path):
    lower = os.path.basename(path).lower()
    if lower.endswith(_IDX_SUFFIXES):
        return True
    try:
        with open(path, "rb") as f:
            head = f.read(4)
    except OSError:
        return False
    if head[:2] == b"\x1f\x8b":  # gzip: image files never are
        return True
    return len(head) == 4 and head[:2] == b"\x00\x00" and head[2] in (8, 9, 11, 12, 13, 14)


def _read_sources(args):
    from ..datasets import read_idx
    from ..utils import check_images

    images, sources = [], []
    invert = {"auto": "auto", "yes": True, "no": False}[args.invert]
    for path in args.files:
        if not os.path.exists(path):
            raise CLIError(f"file not found: {path}")
        if _is_idx(path):
            array = read_idx(path)
            if array.ndim != 3 or array.shape[1:] != (28, 28):
                raise CLIError(
                    f"{path}: IDX file of shape {array.shape} does not hold 28x28 images "
                    "(is it a labels file?)."
                )
            if args.idx_orientation == "emnist":
                array = array.transpose(0, 2, 1)
            array = check_images(array, dtype=np.uint8, input_name=path)
            images.extend(array)
            sources.extend(f"{path}[{k}]" for k in range(len(array)))
        else:
            try:
                from ..io import load_image_file

                images.append(load_image_file(path, invert=invert, framing=args.framing))
            except ImportError as exc:
                raise CLIError(str(exc), code=EXIT_MISSING) from exc
            sources.append(path)
    return np.stack(images), sources


def _inputs(args):
    """The files this command reads, which it must never write over."""
    return [(args.model, "the model file"),
            *((path, "one of the input files") for path in args.files)]


def _converted_names(sources):
    return [f"{k:05d}-{os.path.splitext(os.path.basename(source.split('[')[0]))[0]}.png"
            for k, source in enumerate(sources)]


def _save_converted(folder, images, sources, inputs):
    from PIL import Image

    names = _converted_names(sources)
    check_files_in_folder("--save-converted", folder, names, inputs=inputs)
    os.makedirs(folder, exist_ok=True)
    for image, name in zip(images, names):
        Image.fromarray(image).save(os.path.join(folder, name))


def run(args):
    from ..datasets import SPLITS, get_split_info

    if args.save_converted:  # before any work, as train checks -o
        check_output_folder("--save-converted", args.save_converted, inputs=_inputs(args))
    model, metadata = load_model(args.model)
    images, sources = _read_sources(args)
    if args.save_converted:
        _save_converted(args.save_converted, images, sources, _inputs(args))
        info(f"saved {len(images)} converted images to {args.save_converted}")
    names = metadata.get("target_names")
    if names is None and metadata.get("split") in SPLITS:
        # a model saved with only its split named (as save_model(..., metadata={"split":
        # "letters"}) in the quick start): fetch_emnist's labels index the split's names
        names = list(get_split_info(metadata["split"]).target_names)
    classes = np.asarray(getattr(model, "classes_", []))
    flat = images.reshape(len(images), -1)  # what every scikit-learn model takes
    probabilities = None
    if args.proba:
        if not hasattr(model, "predict_proba"):
            raise CLIError(f"--proba: {type(model).__name__} has no predict_proba.",
                           code=EXIT_USAGE)
        proba = np.asarray(model.predict_proba(flat))
        columns = proba.argmax(axis=1)
        labels = classes[columns]
        probabilities = proba[np.arange(len(proba)), columns]
    else:
        labels = np.asarray(model.predict(flat))

    def name_of(label):
        if names is not None and np.asarray(label).dtype.kind in "iu" and 0 <= label < len(names):
            return names[int(label)]
        return str(label)

    records = []
    for k, (source, label) in enumerate(zip(sources, labels)):
        record = {"source": source, "character": name_of(label),
                  "label": label.item() if hasattr(label, "item") else label}
        if probabilities is not None:
            record["probability"] = round(float(probabilities[k]), 6)
        records.append(record)
    if args.json:
        result(json.dumps(records, indent=2))
        return 0
    for record in records:
        line = f"{record['source']}\t{record['character']}"
        if "probability" in record:
            line += f"\t{record['probability']:.3f}"
        result(line)
    return 0
