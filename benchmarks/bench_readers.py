"""System benchmark: loading an EMNIST file with ``fetch_emnist`` vs the readers users pick instead.

Every reader reads the SAME official files (by default the byclass test
images and labels, 116,323 images, 29 MB of gzip, from ``--mirror``,
``../shared/emnist/gzip`` here) and must return the same upright images and
labels; the times are measured in one run and reported as ratios to
``gzip -dc`` of the same files (the physical floor: decompression only) and
to ``fetch_emnist`` warm.

Readers, and how each is pointed at the files (their APIs expect other
layouts; nothing of their parsing is changed):

- ``gzip -dc`` (subprocess, output to /dev/null): the floor;
- ``sklearn_emnist.fetch_emnist`` cold (fresh ``data_home``, ``mirror`` = the
  folder: verify SHA-256, decode, cache) and warm (the cache);
- ``sklearn_emnist.datasets.load_emnist_folder`` cold and warm, and the bare
  ``read_idx`` (+ the upright transpose);
- PyPI ``emnist``: ``extract_samples(split, subset)`` on a zip holding the two
  files under the official member names (``gzip/emnist-...gz``, stored),
  pointed at through ``emnist.CACHE_FILE_PATH`` (it only reads its own cached
  copy of the whole official zip). Its ``parse_idx`` calls ``int()`` on a
  one-element array, which NumPy 2.x refuses ("only 0-dimensional arrays can
  be converted to Python scalars"): with NumPy 2 it fails, and the record
  says so;
- ``python-mnist``: ``MNIST(folder, return_type="numpy")``,
  ``select_emnist(split)``, ``load_testing()`` (``load_training()`` for train):
  its own API on the folder, pure Python parsing and rotation;
- ``idx2numpy``: ``convert_from_file(gzip.open(file))`` + transpose copy;
- ``torchvision`` EMNIST's reader (``datasets.mnist.read_image_file`` /
  ``read_label_file`` on the decompressed files, + transpose): tried in a
  child process; when it does not import, the record says why. Without
  torchvision installed, ``--torchvision-path`` tries an unpacked wheel
  without touching the environment, e.g. the release matching torch 2.13::

      pip download torchvision==0.28.0 --no-deps -d /tmp/tv
      python -m zipfile -e /tmp/tv/torchvision-0.28.0-*.whl /tmp/tvsite
      python -m benchmarks readers --torchvision-path /tmp/tvsite

  (PyPI's Linux wheel is built against the CUDA torch of PyPI; against the
  CPU-only torch 2.13.0+cpu it fails to import: ``operator torchvision::nms
  does not exist``.)

Run ``python -m benchmarks readers --help``.
"""

import argparse
import gzip
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import numpy as np

from . import _machine

__all__ = ["READERS", "main", "run_readers"]

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_RESULTS = REPO_ROOT / "benchmarks" / "results" / "readers"
SCHEMA = "sklearn-emnist-readers/1"


def _default_mirror():
    shared = os.environ.get("SKLEARN_EMNIST_SHARED")
    base = Path(shared) if shared else REPO_ROOT.parent / "shared" / "emnist"
    return base / "gzip"


class Files:
    """The two official files of one split and subset, and scratch space."""

    def __init__(self, mirror, split, subset, scratch):
        self.mirror = Path(mirror)
        self.split = split
        self.subset = subset
        self.scratch = Path(scratch)
        self.images = self.mirror / f"emnist-{split}-{subset}-images-idx3-ubyte.gz"
        self.labels = self.mirror / f"emnist-{split}-{subset}-labels-idx1-ubyte.gz"
        missing = [str(p) for p in (self.images, self.labels) if not p.is_file()]
        if missing:
            raise FileNotFoundError(
                "missing " + ", ".join(missing) + "; point --mirror at a folder of the official "
                "EMNIST .gz files (e.g. ../shared/emnist/gzip) and pick a split/subset it holds."
            )
        self._counter = 0

    def fresh_home(self):
        self._counter += 1
        home = self.scratch / f"home{self._counter}"
        home.mkdir()
        return home


# --- the readers -------------------------------------------------------------
# Each returns (upright images (n, 28, 28) uint8, labels as stored in the file).


def _gzip_floor(files, state):
    for path in (files.images, files.labels):
        with open(os.devnull, "wb") as sink:
            subprocess.run(["gzip", "-dc", str(path)], stdout=sink, check=True)


def _python_gzip(files, state):
    for path in (files.images, files.labels):
        gzip.decompress(path.read_bytes())


def _read_idx(files, state):
    from sklearn_emnist.datasets import read_idx

    images = np.ascontiguousarray(read_idx(files.images).transpose(0, 2, 1))
    return images, read_idx(files.labels)


def _fetch(files, state, warm):
    import sklearn_emnist

    if not warm or "fetch_home" not in state:
        state["fetch_home"] = files.fresh_home()
    bunch = sklearn_emnist.fetch_emnist(
        files.split, subset=files.subset, data_home=state["fetch_home"], mirror=str(files.mirror),
        progress=False,
    )
    return bunch.images, np.asarray(bunch.file_labels)[bunch.target]


def _folder(files, state, warm):
    from sklearn_emnist.datasets import load_emnist_folder

    if not warm or "folder_home" not in state:
        state["folder_home"] = files.fresh_home()
    bunch = load_emnist_folder(
        files.mirror, split=files.split, subset=files.subset, data_home=state["folder_home"]
    )
    return bunch.images, np.asarray(bunch.file_labels)[bunch.target]


def _pypi_emnist(files, state):
    import emnist

    if "emnist_zip" not in state:  # set-up, not timed: the zip layout it caches
        path = files.scratch / "emnist-pypi-cache.zip"
        with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED) as archive:
            for member in (files.images, files.labels):
                archive.write(member, f"gzip/{member.name}")
        state["emnist_zip"] = path
    emnist.CACHE_FILE_PATH = str(state["emnist_zip"])
    images, labels = emnist.extract_samples(files.split, files.subset)
    return images, labels


def _python_mnist(files, state):
    from mnist import MNIST

    reader = MNIST(str(files.mirror), return_type="numpy")
    reader.select_emnist(files.split)
    if files.subset == "test":
        images, labels = reader.load_testing()
    else:
        images, labels = reader.load_training()
    return np.asarray(images, dtype=np.uint8).reshape(-1, 28, 28), labels


def _idx2numpy(files, state):
    import idx2numpy

    with gzip.open(files.images, "rb") as handle:
        images = idx2numpy.convert_from_file(handle)
    with gzip.open(files.labels, "rb") as handle:
        labels = idx2numpy.convert_from_file(handle)
    return np.ascontiguousarray(images.transpose(0, 2, 1)), labels


_TORCHVISION_CHILD = r"""
import gzip, json, shutil, sys, time
import numpy as np
images_gz, labels_gz, scratch = sys.argv[1:4]
try:
    import torchvision
    from torchvision.datasets.mnist import read_image_file, read_label_file
except Exception as exc:
    print(json.dumps({"imported": False, "error": f"{type(exc).__name__}: {exc}"}))
    sys.exit(0)
times = []
for _ in range(int(sys.argv[4])):
    start = time.perf_counter()
    # torchvision's EMNIST decompresses the .gz members, then parses the raw files
    raw = []
    for path in (images_gz, labels_gz):
        target = scratch + "/" + path.rsplit("/", 1)[-1][:-3]
        with gzip.open(path, "rb") as src, open(target, "wb") as dst:
            shutil.copyfileobj(src, dst)
        raw.append(target)
    images = read_image_file(raw[0]).numpy().transpose(0, 2, 1).copy()
    labels = read_label_file(raw[1]).numpy()
    times.append(time.perf_counter() - start)
np.save(scratch + "/tv_images.npy", images)
np.save(scratch + "/tv_labels.npy", labels)
print(json.dumps({"imported": True, "version": torchvision.__version__, "times": times}))
"""


def _torchvision(files, repeat, torchvision_path):
    env = dict(os.environ)
    if torchvision_path:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(torchvision_path), env.get("PYTHONPATH")]))
    out = subprocess.run(
        [sys.executable, "-c", _TORCHVISION_CHILD, str(files.images), str(files.labels),
         str(files.scratch), str(repeat)],
        capture_output=True, text=True, env=env, timeout=600, check=False,
    )
    lines = [line for line in out.stdout.splitlines() if line.startswith("{")]
    if not lines:
        return {"imported": False, "error": (out.stderr.strip().splitlines() or ["no output"])[-1]}
    result = json.loads(lines[-1])
    if result.get("imported"):
        result["output"] = (
            np.load(files.scratch / "tv_images.npy"),
            np.load(files.scratch / "tv_labels.npy"),
        )
    return result


READERS = {
    # name: (function, how it is pointed at the files)
    "gzip -dc (floor)": (_gzip_floor, "`gzip -dc` of both files to /dev/null in a subprocess: decompression only"),
    "Python gzip.decompress": (_python_gzip, "gzip.decompress of both files' bytes: in-process decompression only"),
    "fetch_emnist cold": (
        lambda f, s: _fetch(f, s, warm=False),
        "fetch_emnist(split, subset=..., data_home=<fresh folder>, mirror=<the folder>): verify SHA-256, decode, cache",
    ),
    "fetch_emnist warm": (
        lambda f, s: _fetch(f, s, warm=True),
        "the same call again: from the cache",
    ),
    "load_emnist_folder cold": (
        lambda f, s: _folder(f, s, warm=False),
        "load_emnist_folder(<the folder>, split=..., subset=..., data_home=<fresh folder>)",
    ),
    "load_emnist_folder warm": (
        lambda f, s: _folder(f, s, warm=True),
        "the same call again: from the cache",
    ),
    "sklearn_emnist read_idx": (_read_idx, "read_idx on each file + one transpose copy (no cache)"),
    "PyPI emnist": (
        _pypi_emnist,
        "emnist.extract_samples(split, subset) with emnist.CACHE_FILE_PATH pointing at a zip holding the two "
        "files under their official member names (it only reads its cached copy of the whole official zip); "
        "returns a transposed view",
    ),
    "python-mnist": (
        _python_mnist,
        "MNIST(<the folder>, return_type='numpy').select_emnist(split); load_testing()/load_training(): "
        "its own API on the folder (pure-Python parse and rotation)",
    ),
    "idx2numpy": (_idx2numpy, "idx2numpy.convert_from_file(gzip.open(file)) + one transpose copy"),
}


def _same(result, reference):
    if result is None or reference is None:
        return None
    images, labels = result
    ref_images, ref_labels = reference
    if labels is None:
        return bool(np.array_equal(np.asarray(images), ref_images))
    return bool(
        np.array_equal(np.asarray(images), ref_images)
        and np.array_equal(np.asarray(labels).astype(np.int64), ref_labels.astype(np.int64))
    )


def run_readers(
    *,
    split="byclass",
    subset="test",
    mirror=None,
    repeat=3,
    skip=(),
    results=DEFAULT_RESULTS,
    torchvision_path=None,
    slow_seconds=8.0,
    argv=None,
):
    """Time every reader on the same files; write a JSON record and a Markdown table.

    Returns the record (dict).
    """
    mirror = Path(mirror) if mirror else _default_mirror()
    argv = list(sys.argv[1:] if argv is None else argv)
    with tempfile.TemporaryDirectory(prefix="emnist-readers-") as scratch:
        files = Files(mirror, split, subset, scratch)
        for path in (files.images, files.labels):  # warm the page cache for everyone
            path.read_bytes()
        state = {}
        reference = _read_idx(files, state)
        # Rounds: every reader once per round, so that the load of this shared
        # machine changing over time hits all readers alike; best of the rounds.
        names = [name for name in READERS if name not in skip]
        times = {name: [] for name in names}
        outputs, errors = {}, {}
        for round_number in range(repeat):
            print(f"[readers] round {round_number + 1}/{repeat}: " + ", ".join(
                n for n in names if n not in errors), file=sys.stderr, flush=True)
            for name in names:
                if name in errors or (times[name] and max(times[name]) > slow_seconds):
                    continue  # failed, or slow enough that one run is enough
                start = time.perf_counter()
                try:
                    outputs[name] = READERS[name][0](files, state)
                except Exception as exc:  # noqa: BLE001 - recorded as is
                    errors[name] = f"{type(exc).__name__}: {exc}"
                    continue
                times[name].append(time.perf_counter() - start)
        rows = []
        for name in names:
            row = {"reader": name, "how": READERS[name][1]}
            if name in errors:
                row.update(status="failed", error=errors[name])
            else:
                row.update(status="ok", seconds=times[name], best_seconds=min(times[name]),
                           median_seconds=statistics.median(times[name]),
                           agrees_with_read_idx=_same(outputs.pop(name), reference))
            rows.append(row)
        if "torchvision" not in skip:
            print("[readers] torchvision (child process) ...", file=sys.stderr, flush=True)
            how = ("torchvision.datasets.mnist.read_image_file/read_label_file on the gunzipped "
                   "files (what its EMNIST does after unpacking) + transpose, in a child process")
            outcome = _torchvision(files, repeat, torchvision_path)
            row = {"reader": "torchvision EMNIST", "how": how}
            if outcome.get("imported"):
                times = outcome["times"]
                row.update(status="ok", version=outcome["version"], seconds=times,
                           best_seconds=min(times), median_seconds=statistics.median(times),
                           agrees_with_read_idx=_same(outcome["output"], reference))
            else:
                row.update(status="not importable", error=outcome["error"],
                           torchvision_path=str(torchvision_path) if torchvision_path else None,
                           torchvision_tried=_wheel_versions(torchvision_path))
            rows.append(row)
    timed = {r["reader"]: r["best_seconds"] for r in rows if r.get("status") == "ok"}
    for row in rows:
        if row.get("status") != "ok":
            continue
        for base, key in (("gzip -dc (floor)", "x_gzip_floor"), ("fetch_emnist warm", "x_fetch_warm"),
                          ("fetch_emnist cold", "x_fetch_cold")):
            if base in timed:
                row[key] = row["best_seconds"] / timed[base]
    record = {
        "schema": SCHEMA,
        "split": split,
        "subset": subset,
        "files": {
            str(p.name): p.stat().st_size for p in (files.images, files.labels)
        },
        "n_images": len(reference[1]),
        "repeat": repeat,
        "timing_rule": f"best of {repeat} rounds in one process, each round running every "
                       f"reader once in turn; a reader slower than {slow_seconds} s runs once",
        "rows": rows,
        "command": "python -m benchmarks readers " + " ".join(argv),
        "date": _machine.utc_now(),
        "git": _machine.git_revision(),
        "versions": _machine.package_versions() | _reader_versions(),
        "machine": _machine.describe_machine(include_gpu=False),
    }
    results = Path(results)
    results.mkdir(parents=True, exist_ok=True)
    stem = f"readers-{split}-{subset}"
    (results / f"{stem}.json").write_text(json.dumps(record, indent=1) + "\n", encoding="utf-8")
    (results / f"{stem}.md").write_text(render_readers_markdown(record), encoding="utf-8")
    print(render_readers_markdown(record))
    return record


def _wheel_versions(folder):
    """Name-version of the distributions unpacked in ``folder`` (from their dist-info)."""
    if not folder:
        return None
    return sorted(p.name[: -len(".dist-info")] for p in Path(folder).glob("*.dist-info")) or None


def _reader_versions():
    import importlib.metadata

    versions = {}
    for name in ("emnist", "python-mnist", "idx2numpy", "torchvision"):
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def _ratio(value):
    if value is None:
        return "—"
    return f"{value:.3g}×" if value < 10 else f"{value:,.0f}×"


def render_readers_markdown(record):
    """The Markdown table of a readers record (generated, never typed)."""
    lines = [
        f"# Reading EMNIST {record['split']} {record['subset']} ({record['n_images']:,} images)",
        "",
        "Generated by `benchmarks/bench_readers.py` from the JSON record beside this file. "
        f"Files: {', '.join(f'`{k}` ({v / 1e6:.1f} MB)' for k, v in record['files'].items())}. "
        f"{record['timing_rule'].capitalize()}. Ratios are measured in the same run.",
        "",
        "| Reader | Seconds | × `gzip -dc` | × fetch_emnist warm | Same arrays | How it reads the files |",
        "|---|---:|---:|---:|---|---|",
    ]
    for row in record["rows"]:
        if row.get("status") == "ok":
            agrees = {True: "yes", False: "**no**", None: "n/a"}[row.get("agrees_with_read_idx")]
            lines.append(
                f"| {row['reader']} | {row['best_seconds']:.3f} | {_ratio(row.get('x_gzip_floor'))} | "
                f"{_ratio(row.get('x_fetch_warm'))} | {agrees} | {row['how']} |"
            )
        else:
            tried = f" Tried: {', '.join(row['torchvision_tried'])}." if row.get("torchvision_tried") else ""
            lines.append(
                f"| {row['reader']} | {row['status']} | — | — | — | {row['how']}.{tried} "
                f"Error: `{row.get('error', '')[:200]}` |"
            )
    machine = record["machine"]
    lines += [
        "",
        f"Machine: {_machine.cpu_label(machine)}, {machine['cores_usable']} usable cores, "
        f"{machine['memory_gb']} GB RAM; load average {machine.get('load_average_1min')} at the start.",
        "",
        f"Command: `{record['command']}` ({record['date']}).",
        "",
    ]
    return "\n".join(lines)


def main(argv=None):
    """``python -m benchmarks readers ...``."""
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks readers",
        description="Time fetch_emnist (cold and warm) against other EMNIST readers on the same files.",
    )
    parser.add_argument("--split", default="byclass")
    parser.add_argument("--subset", default="test", choices=("train", "test"))
    parser.add_argument("--mirror", default=None,
                        help="folder of the official .gz files (default ../shared/emnist/gzip)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--skip", action="append", default=[],
                        help="reader to leave out (repeatable): " + ", ".join(READERS) + ", torchvision")
    parser.add_argument("--results", default=str(DEFAULT_RESULTS))
    parser.add_argument("--torchvision-path", default=None,
                        help="folder holding an unpacked torchvision wheel to try (added to PYTHONPATH "
                             "of the child process only)")
    argv = list(sys.argv[1:] if argv is None else argv)
    args = parser.parse_args(argv)
    try:
        run_readers(split=args.split, subset=args.subset, mirror=args.mirror, repeat=args.repeat,
                    skip=tuple(args.skip), results=args.results,
                    torchvision_path=args.torchvision_path, argv=argv)
    except FileNotFoundError as exc:
        parser.error(str(exc))
    return 0
