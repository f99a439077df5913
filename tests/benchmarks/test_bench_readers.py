"""The readers system benchmark on real official files (the 10,000-image mnist test split)."""

import json

import pytest

from benchmarks import bench_readers
from tests._data import require_shared

# one worker runs the module-scoped benchmark run once (pytest -n 2 --dist loadgroup)
pytestmark = pytest.mark.xdist_group("benchmarks-readers")


@pytest.fixture(scope="module")
def readers_record(tmp_path_factory):
    mirror = require_shared("gzip")
    results = tmp_path_factory.mktemp("readers")
    bench_readers.main(
        ["--split", "mnist", "--subset", "test", "--mirror", str(mirror), "--repeat", "1",
         "--results", str(results)]
    )
    return results, json.loads((results / "readers-mnist-test.json").read_text())


def _row(record, name):
    return next(row for row in record["rows"] if row["reader"] == name)


def test_every_reader_has_a_row_with_a_status(readers_record):
    _, record = readers_record
    names = [row["reader"] for row in record["rows"]]
    assert names == list(bench_readers.READERS) + ["torchvision EMNIST"]
    assert record["n_images"] == 10_000
    for row in record["rows"]:
        assert row["status"] in ("ok", "failed", "not importable")
        assert row["how"]
        if row["status"] != "ok":
            assert row["error"]  # says why, never a made-up figure


def test_package_readers_agree_and_are_timed_against_the_floor(readers_record):
    results, record = readers_record
    floor = _row(record, "gzip -dc (floor)")
    assert floor["status"] == "ok" and floor["x_gzip_floor"] == 1.0
    for name in ("load_emnist_folder cold", "load_emnist_folder warm", "sklearn_emnist read_idx"):
        row = _row(record, name)
        assert row["status"] == "ok", row.get("error")
        assert row["agrees_with_read_idx"] is True
        assert row["x_gzip_floor"] == pytest.approx(row["best_seconds"] / floor["best_seconds"], rel=0.01)
    # whether the warm cache beats decompressing again is a figure the benchmark
    # reports (the "× gzip -dc" column of its table), not a timed assertion here
    warm = _row(record, "load_emnist_folder warm")
    table = (results / "readers-mnist-test.md").read_text()
    assert (f"| load_emnist_folder warm | {warm['best_seconds']:.3f} | "
            f"{bench_readers._ratio(warm['x_gzip_floor'])} |") in table


def test_third_party_readers_return_the_same_upright_arrays(readers_record):
    _, record = readers_record
    for name in ("python-mnist", "idx2numpy"):  # installed by the test extra
        row = _row(record, name)
        assert row["status"] == "ok", row.get("error")
        assert row["agrees_with_read_idx"] is True, name


def test_markdown_is_generated_from_the_record(readers_record):
    results, record = readers_record
    table = (results / "readers-mnist-test.md").read_text()
    for row in record["rows"]:  # every reader of the record has its line, with its time
        shown = f"{row['best_seconds']:.3f}" if row.get("status") == "ok" else row["status"]
        assert f"| {row['reader']} | {shown} |" in table, row["reader"]
    assert f"| gzip -dc (floor) | {_row(record, 'gzip -dc (floor)')['best_seconds']:.3f} |" in table


def test_missing_files_are_a_usage_error(tmp_path, capsys):
    with pytest.raises(SystemExit):
        bench_readers.main(["--mirror", str(tmp_path)])
    assert "missing" in capsys.readouterr().err
