"""Importing the fetcher stays cheap: no torch, no skorch."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_fetch_emnist_import_does_not_pull_torch_or_skorch():
    code = (
        "import sys\n"
        "from sklearn_emnist import fetch_emnist, load_emnist_folder, DownloadError\n"
        "heavy = sorted(m for m in ('torch', 'skorch', 'sklearn') if m in sys.modules)\n"
        "print(','.join(heavy) or 'none')\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "none"


def test_subpackages_are_reachable_as_attributes_in_a_fresh_interpreter():
    import subprocess
    import sys

    code = ("import sklearn_emnist, sys\n"
            "print(sklearn_emnist.datasets.__name__, 'torch' in sys.modules,"
            " 'datasets' in dir(sklearn_emnist))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.split()
    assert out == ["sklearn_emnist.datasets", "False", "True"]
