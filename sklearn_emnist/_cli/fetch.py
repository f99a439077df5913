"""``sklearn-emnist fetch``: download, verify and cache EMNIST splits."""

import json
import time

from ._console import info, result

EXAMPLES = """examples:
  sklearn-emnist fetch letters
  sklearn-emnist fetch digits mnist --subset all
  sklearn-emnist fetch byclass --subset test --mirror https://example.org/emnist/gzip/
  sklearn-emnist fetch letters --mirror ./gzip.zip --data-home ./data"""


def add_parser(subparsers, formatter):
    parser = subparsers.add_parser(
        "fetch",
        help="download, verify (SHA-256) and cache EMNIST splits",
        description="Download the member files of EMNIST splits (only those asked for, when the "
        "server allows byte ranges), verify their official SHA-256 and cache upright arrays "
        "for fast loading. Files already cached are not downloaded again.",
        epilog=EXAMPLES,
        formatter_class=formatter,
    )
    parser.add_argument("splits", nargs="+", metavar="SPLIT",
                        help="letters, digits, balanced, byclass, bymerge or mnist")
    parser.add_argument("--subset", choices=("train", "test", "all"), default="all",
                        help="which part to fetch (default: all = train and test).")
    parser.add_argument("--data-home", metavar="DIR", help="cache folder (default: scikit-learn's "
                        "data home, ~/scikit_learn_data or $SCIKIT_LEARN_DATA).")
    parser.add_argument("--mirror", metavar="URL_OR_PATH", help="a base URL or folder holding "
                        "the member files, or a copy of gzip.zip (default: "
                        "$SKLEARN_EMNIST_MIRROR, then the official URL).")
    parser.add_argument("--offline", action="store_true",
                        help="do not download: fail (exit 1) unless the data is cached.")
    parser.add_argument("--json", action="store_true", help="print a JSON summary on stdout "
                        "(one record per split and subset; when one fails, the records "
                        "before it and one with its \"error\", then exit code 1).")
    parser.set_defaults(run=run)
    return parser


def run(args):
    from ..datasets import SPLITS, DataNotCachedError, DownloadError, fetch_emnist
    from ..datasets._folder import concrete_subsets
    from ._data import check_mirror, fetch_error_in_cli_terms
    from ._errors import EXIT_USAGE, CLIError, public_name

    unknown = [split for split in args.splits if split not in SPLITS]
    if unknown:
        raise CLIError(f"unknown split(s) {unknown}; choose from {', '.join(SPLITS)}.",
                       code=EXIT_USAGE)
    # a local mirror (folder or zip) is read even with --offline
    local_mirror = getattr(check_mirror(args.mirror), "local", False)
    summary = []
    for split in args.splits:
        for subset in concrete_subsets(args.subset):
            start = time.perf_counter()
            info(f"fetching EMNIST {split} {subset} ...")
            try:
                bunch = fetch_emnist(
                    split, subset=subset, data_home=args.data_home, mirror=args.mirror,
                    download_if_missing=not args.offline, progress=not args.quiet,
                )
            except Exception as exc:
                error = exc
                if isinstance(exc, (DataNotCachedError, DownloadError)):
                    error = fetch_error_in_cli_terms(
                        exc, "without --offline, fetch downloads what is not cached"
                        if args.offline and not local_mirror else None, mirror=args.mirror,
                    )
                if args.json:  # what was fetched before, and what failed
                    message = str(error) if isinstance(error, CLIError) else \
                        f"{public_name(error)}: {error}"
                    summary.append({"split": split, "subset": subset, "error": message})
                    result(json.dumps(summary, indent=2))
                if error is exc:
                    raise
                raise error from exc
            seconds = time.perf_counter() - start
            record = {
                "split": split,
                "subset": subset,
                "n_images": len(bunch.target),
                "n_classes": len(bunch.target_names),
                "seconds": round(seconds, 3),
                "files": [str(f) for f in getattr(bunch, "files", [])],
            }
            summary.append(record)
            if not args.json:
                result(f"{split:8s} {subset:5s} {record['n_images']:7d} images  "
                       f"{record['n_classes']:2d} classes  ({seconds:.1f} s)")
    if args.json:
        result(json.dumps(summary, indent=2))
    return 0
