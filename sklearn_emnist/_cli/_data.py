"""Data-source options shared by ``train`` and ``evaluate``."""

import os

from ..datasets._folder import concrete_subsets, file_candidates
from ._console import info
from ._errors import EXIT_USAGE, CLIError


def fetch_error_in_cli_terms(exc, alternative=None, *, mirror=None):
    """A fetch_emnist error (not cached, download failed) as a CLIError that
    also names the command-line options that help (``--mirror`` only when no
    mirror was given)."""
    hints = [] if mirror else [
        "--mirror URL_OR_PATH fetches from a folder or server holding the official files"]
    if alternative:
        hints.append(alternative)
    if not hints:
        return CLIError(str(exc))
    return CLIError(f"{exc} On the command line: {', and '.join(hints)}.")


def add_data_arguments(parser, *, default_subset):
    """Options choosing the images: an EMNIST split (fetched) or a local folder."""
    group = parser.add_argument_group(
        "data",
        "An EMNIST split fetched (and cached) with fetch_emnist, or IDX files in a local "
        "folder (--folder, read with load_emnist_folder).",
    )
    group.add_argument(
        "--split",
        metavar="SPLIT",
        help="EMNIST split: letters, digits, balanced, byclass, bymerge or mnist. With "
        "--folder, the split whose labels the files use (guessed from --name when it starts "
        "with a split name, e.g. letters-here).",
    )
    group.add_argument(
        "--subset",
        choices=("train", "test", "all"),
        default=default_subset,
        help=f"which part of the split (default: {default_subset}).",
    )
    group.add_argument(
        "--folder", metavar="DIR", help="read <DIR>/<NAME>-<SUBSET>-{images-idx3,labels-idx1}"
        "-ubyte[.gz] instead of fetching."
    )
    group.add_argument(
        "--name", metavar="NAME", help="file name prefix inside --folder (default: emnist-<SPLIT>)."
    )
    group.add_argument(
        "--n-samples", type=_positive_int, metavar="N",
        help="use a stratified random sample of N images (default: all).",
    )
    group.add_argument(
        "--data-home", metavar="DIR", help="cache folder (default: scikit-learn's data home, "
        "~/scikit_learn_data or $SCIKIT_LEARN_DATA)."
    )
    group.add_argument(
        "--mirror", metavar="URL_OR_PATH", help="where to download from instead of the official "
        "URL: a base URL or folder holding the member files, or a copy of gzip.zip "
        "(default: $SKLEARN_EMNIST_MIRROR, then the official URL)."
    )
    return group


def _positive_int(text):
    import argparse

    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {value}")
    return value


def _guess_split(name):
    from ..datasets import SPLITS

    if name:
        stem = name.removeprefix("emnist-")
        for split in SPLITS:
            if stem == split or stem.startswith(split + "-"):
                return split
    return None


def check_mirror(mirror):
    """Refuse, as a usage error, a ``--mirror`` that is neither a URL nor an
    existing folder or zip file (checked before anything is fetched; the
    environment variable is left to fetch_emnist, which tells it apart).
    Return the source it names (its ``local`` says whether it is a folder or
    zip file), or None without one."""
    if mirror is None:
        return None
    from ..datasets import EMNIST_URL
    from ..datasets._download import resolve_source

    try:
        return resolve_source(mirror, EMNIST_URL)
    except ValueError:
        raise CLIError(
            f"--mirror {mirror}: neither an http(s) URL nor an existing folder or .zip file. "
            "Pass a base URL or folder holding the official member files (e.g. "
            "emnist-letters-train-images-idx3-ubyte.gz), or the URL or path of gzip.zip.",
            code=EXIT_USAGE,
        ) from None


def folder_files(folder, name, split, subset):
    """The paths ``load_emnist_folder`` may read for these options (whether
    they exist or not; none when the name is unknown)."""
    name = name or (f"emnist-{split}" if split else None)
    if folder is None or name is None:
        return []
    return [
        os.fspath(path)
        for part in concrete_subsets(subset)
        for kind in ("images-idx3", "labels-idx1")
        for path in file_candidates(folder, name, part, kind)
    ]


def _folder_n_images(folder, name, subset):
    """Images in the folder's files of ``subset``, from their labels files (small:
    one byte per image); None when a file is missing or unreadable (the loader
    then says what is wrong)."""
    from ..datasets import read_idx

    total = 0
    for part in concrete_subsets(subset):
        path = next((p for p in file_candidates(folder, name, part, "labels-idx1")
                     if p.is_file()), None)
        if path is None:
            return None
        try:
            total += len(read_idx(path))
        except (OSError, ValueError):
            return None
    return total


def _check_n_samples(n_samples, n_available, what):
    if n_samples is not None and n_available is not None and n_samples > n_available:
        raise CLIError(
            f"--n-samples {n_samples} is more than the {n_available} images of {what}; pass "
            f"--n-samples {n_available} or less (or leave it out for all of them).",
            code=EXIT_USAGE,
        )


def load_data(args, *, default_split=None, random_state=None):
    """Load the images the options describe; return the dataset Bunch.

    Every option is checked (usage errors, exit code 2) before any file is
    read or fetched; ``--n-samples`` against the split's size, or the number
    of images the folder's labels files announce.
    """
    from ..datasets import SPLITS, get_split_info

    split = args.split or (None if args.folder is None else _guess_split(args.name)) or default_split
    if split is None and args.folder is not None:
        named = (
            f"the split cannot be guessed from --name {args.name!r}, which does not start "
            "with a split name"
            if args.name
            else "--folder needs the split whose labels the files use"
        )
        raise CLIError(
            f"{named}: pass --split SPLIT (one of {', '.join(SPLITS)}), or name the files "
            "after their split (e.g. --name letters-here).",
            code=EXIT_USAGE,
        )
    if split is None:
        raise CLIError(
            "say which data to use: --split SPLIT (fetched), or --folder DIR --name NAME "
            "[--split SPLIT].",
            code=EXIT_USAGE,
        )
    if split not in SPLITS:
        raise CLIError(
            f"unknown split {split!r}; choose one of {', '.join(SPLITS)}.", code=EXIT_USAGE
        )
    if args.folder is not None:
        if args.mirror is not None:
            raise CLIError("--mirror is for fetching; it cannot be combined with --folder.",
                           code=EXIT_USAGE)
        from ..datasets import load_emnist_folder

        name = args.name or "emnist-" + split
        where = f"{args.folder} ({name}, {args.subset})"
        if args.n_samples is not None:
            _check_n_samples(args.n_samples, _folder_n_images(args.folder, name, args.subset),
                             where)
        info(f"loading {where} ...")
        bunch = load_emnist_folder(
            args.folder, split=split, name=args.name, subset=args.subset,
            data_home=args.data_home, n_samples=args.n_samples, random_state=random_state,
        )
    else:
        if args.name is not None:
            raise CLIError("--name needs --folder.", code=EXIT_USAGE)
        check_mirror(args.mirror)
        _check_n_samples(args.n_samples, get_split_info(split).n_images(args.subset),
                         f"EMNIST {split} ({args.subset})")
        from ..datasets import DataNotCachedError, DownloadError, fetch_emnist

        info(f"loading EMNIST {split} ({args.subset}) ...")
        try:
            bunch = fetch_emnist(
                split, subset=args.subset, data_home=args.data_home, mirror=args.mirror,
                n_samples=args.n_samples, random_state=random_state,
                progress=not getattr(args, "quiet", False),
            )
        except (DataNotCachedError, DownloadError) as exc:
            raise fetch_error_in_cli_terms(
                exc, "--folder DIR --name NAME reads local IDX files (such as the ones a model "
                "was trained on)", mirror=args.mirror,
            ) from exc
    info(f"  {len(bunch.target)} images, {len(bunch.target_names)} classes")
    return bunch
