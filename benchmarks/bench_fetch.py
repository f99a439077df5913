"""fetch_emnist over a loopback HTTP server: cold vs warm, bytes transferred.

Serves the official member files (``../shared/emnist/gzip`` by default) and a
zip with the official layout built from them on 127.0.0.1, then times

- ``fetch_emnist(split, subset=..., mirror=<base URL>)``: plain GET of members;
- ``mirror=<.../gzip.zip>`` on a server that honours byte ranges (central
  directory + the split's members only);
- ``mirror=<.../gzip.zip>`` on a server that ignores ranges (whole zip
  downloaded once, kept, members extracted);

each cold (fresh ``data_home``) and warm (best of ``--repeat`` calls on the
cache), with ``gzip -dc <images file> > /dev/null`` as the floor, in one run.
Times are wall-clock seconds; compare them as ratios.

Run from the repository root::

    python -m benchmarks.bench_fetch --split byclass --subset test
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from sklearn_emnist.datasets import fetch_emnist, get_split_info  # noqa: E402
from tests._http_server import LoopbackServer  # noqa: E402


def _default_folder():
    shared = os.environ.get("SKLEARN_EMNIST_SHARED")
    return (Path(shared) if shared else REPO_ROOT.parent / "shared" / "emnist") / "gzip"


def _timed(function):
    start = time.perf_counter()
    result = function()
    return time.perf_counter() - start, result


def _build_zip(folder, path):
    with zipfile.ZipFile(path, "w") as archive:
        for name in sorted(os.listdir(folder)):
            source = folder / name
            method = zipfile.ZIP_STORED if source.stat().st_size > 1_000_000 else zipfile.ZIP_DEFLATED
            archive.write(source, f"gzip/{name}", compress_type=method)
    return path


def run(split="byclass", subset="test", folder=None, repeat=3):
    """Time the fetch paths; return a list of result rows (dicts)."""
    import sklearn.utils  # noqa: F401 - import cost is not part of the timings

    folder = Path(folder or _default_folder())
    info = get_split_info(split)
    images_member = info.files[f"{subset}-images"]
    rows = []
    seconds, _ = _timed(lambda: subprocess.run(
        f"gzip -dc '{folder / images_member}' > /dev/null", shell=True, check=True))
    rows.append({"path": "gzip -dc images (floor)", "cold_s": seconds, "warm_s": None, "bytes": None})
    scratch = Path(tempfile.mkdtemp(prefix="bench_fetch_"))
    try:
        zip_path = _build_zip(folder, scratch / "gzip.zip")
        with LoopbackServer(root=folder, routes={"/gzip.zip": zip_path}) as ranged, \
                LoopbackServer(routes={"/gzip.zip": zip_path}, ranges=False) as plain:
            cases = [
                ("base URL (GET members)", ranged, ranged.base_url),
                ("zip URL, byte ranges", ranged, ranged.url("gzip.zip")),
                ("zip URL, no ranges (whole zip)", plain, plain.url("gzip.zip")),
            ]
            for label, server, mirror in cases:
                home = scratch / label.split()[0] / label.split()[-1].strip("()")
                server.reset()
                call = lambda: fetch_emnist(split, subset=subset, mirror=mirror,  # noqa: E731
                                            data_home=home, progress=False)
                cold, bunch = _timed(call)
                transferred = server.bytes_served
                warm = min(_timed(call)[0] for _ in range(repeat))
                rows.append({"path": label, "cold_s": cold, "warm_s": warm, "bytes": transferred,
                             "n_images": len(bunch.target), "n_classes": len(bunch.target_names)})
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", default="byclass")
    parser.add_argument("--subset", default="test", choices=["train", "test"])
    parser.add_argument("--folder", default=None, help="folder of official member files")
    parser.add_argument("--repeat", type=int, default=3, help="warm calls (best is kept)")
    parser.add_argument("--json", default=None, help="also write the rows to this JSON file")
    args = parser.parse_args(argv)
    rows = run(args.split, args.subset, args.folder, args.repeat)
    floor = rows[0]["cold_s"]
    print(f"fetch_emnist({args.split!r}, subset={args.subset!r}) over loopback HTTP")
    print(f"{'path':34} {'cold s':>8} {'warm s':>8} {'cold/gzip':>9} {'cold/warm':>9} {'MB sent':>8}")
    for row in rows:
        warm = row["warm_s"]
        print(
            f"{row['path']:34} {row['cold_s']:8.3f} "
            + (f"{warm:8.4f} {row['cold_s'] / floor:9.2f} {row['cold_s'] / warm:9.0f} "
               f"{row['bytes'] / 1e6:8.1f}" if warm is not None else f"{'':8} {1:9.2f}")
        )
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
