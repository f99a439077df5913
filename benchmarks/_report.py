"""Markdown tables and plots built only from the JSON records of benchmark runs.

Nothing here is typed by hand: every measured number in a table or a plot is
read from a JSON record that :mod:`benchmarks.run` wrote; published figures
come from ``benchmarks/references.json`` and are marked "not measured here".

Examples
--------
>>> from benchmarks._report import format_percent
>>> format_percent(0.9123)
'91.23 %'
"""

import ast
import datetime
import json
import math
import re
import shlex
from pathlib import Path

from ._machine import cpu_label

__all__ = [
    "REFERENCES_PATH",
    "format_percent",
    "load_records",
    "load_references",
    "plot_accuracy_vs_fit_time",
    "plot_per_class_recall",
    "render_markdown",
    "render_summary",
    "sample_random_state",
    "table_groups",
    "write_report",
]

REFERENCES_PATH = Path(__file__).resolve().parent / "references.json"
SCHEMA = "sklearn-emnist-benchmark/1"
NOT_MEASURED = "published, not measured here"
SEED_TRAIN_SIZE = 40_000


def format_percent(value, digits=2):
    """``0.9123`` -> ``'91.23 %'``; ``None`` -> ``'—'``; ``digits=None`` drops trailing zeros.

    Examples
    --------
    >>> from benchmarks._report import format_percent
    >>> format_percent(0.92, digits=None), format_percent(0.9596, digits=None)
    ('92 %', '95.96 %')
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if digits is None:
        return f"{100 * value:.2f}".rstrip("0").rstrip(".") + " %"
    return f"{100 * value:.{digits}f} %"


def _format_number(value, digits=0):
    if value is None:
        return "—"
    if digits == 0:
        return f"{value:,.0f}"
    return f"{value:,.{digits}f}"


def load_records(paths):
    """Read benchmark records from JSON files and folders (recursively).

    Files that are not benchmark records (other JSON, references) are skipped.
    Records are returned in a stable order: seed recipes first, then the
    package's, then the rest by name; records of one model by date.
    """
    from .recipes import ORDER

    if isinstance(paths, (str, Path)):
        paths = [paths]
    files = []
    for path in map(Path, paths):
        files.extend(sorted(path.rglob("*.json")) if path.is_dir() else [path])
    records = []
    for file in files:
        try:
            record = json.loads(file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(record, dict) and record.get("schema") == SCHEMA:
            record["_file"] = str(file)
            records.append(record)
    order = {name: i for i, name in enumerate(ORDER)}
    records.sort(
        key=lambda r: (
            r["protocol"],
            r["dataset"]["name"],
            order.get(r["model"], len(order)),
            r["model"],
            str(r.get("date", "")),  # a failed re-run after the model's good record
        )
    )
    return records


def load_references(path=REFERENCES_PATH):
    """The published reference rows and their sources."""
    return json.loads(Path(path).read_text(encoding="utf-8"))


def _references_for(references, split, protocol):
    return [
        row
        for row in references["rows"]
        if row["split"] == split and row.get("protocol") in (None, protocol)
    ]


def _error_line(record):
    """One line saying why a failure record's model did not run to the end.

    Records carry ``error`` (the reason, and for a failed worker the last line
    of its error output) and, since they hold it, ``error_output`` (the last
    lines of the worker's standard error, or the traceback); older ones kept
    a traceback in ``error``, whose last line says most.
    """
    lines = [line.strip() for line in str(record.get("error") or "").splitlines() if line.strip()]
    if not lines:
        return ""
    line = lines[0] if "error_output" in record else lines[-1]
    return line.replace("|", "\\|")


def _measured_row(record, source="this run"):
    if record.get("status") != "ok":
        reason = record.get("status", "failed")
        detail = _error_line(record)
        if len(detail) > 160:
            detail = detail[:157] + "..."
        return [record["label"], f"**{reason}**: {detail}"] + ["—"] * 7 + [source]
    metrics, timing, memory = record["metrics"], record["timing"], record.get("memory", {})
    return [
        record["label"],
        format_percent(metrics["accuracy"]),
        format_percent(metrics["recall_macro"]),
        format_percent(metrics["precision_macro"]),
        format_percent(metrics["f1_macro"]),
        _format_number(timing["fit_seconds"], 1),
        _format_number(timing.get("fit_cpu_seconds"), 1),
        _format_number(timing["predict_images_per_second"]),
        _format_number(memory.get("peak_rss_mb")),
        source,
    ]


def _reference_row(row, sources):
    return [
        f"*{row['label']}*",
        format_percent(row.get("accuracy"), None),
        format_percent(row.get("recall_macro"), None),
        format_percent(row.get("precision_macro"), None),
        format_percent(row.get("f1_macro"), None),
        "—",
        "—",
        "—",
        "—",
        f"*{NOT_MEASURED}* [{row['source']}]",
    ]


def _table(rows):
    header = [
        "Model",
        "Accuracy",
        "Mean recall",
        "Mean precision",
        "Macro F1",
        "Fit s",
        "Fit CPU s",
        "Predict img/s",
        "Peak RSS MiB",
        "Source",
    ]
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(["---"] + ["---:"] * 8 + ["---"]) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines


def _by_model(records):
    return {r["model"]: r for r in records if r.get("status") == "ok"}


def _run_key(record):
    """What tells a record's run: its ``run_id``; for records written before runs
    had ids, its command (one command stood for one run)."""
    return record.get("run_id") or ("command", record.get("command"))


def _runs(records):
    """The runs the records come from, ``{run key: number}``, numbered by date (1, 2, ...)."""
    first_date = {}
    for record in records:
        key = _run_key(record)
        first_date[key] = min(first_date.get(key, record["date"]), record["date"])
    ordered = sorted(first_date, key=lambda key: (first_date[key], str(key)))
    return {key: number for number, key in enumerate(ordered, 1)}


def _comparisons(records, references, runs=None):
    """Sentences comparing the package's recipes with the seed, all computed.

    ``runs`` (``{run key: number}``) numbers the runs where the records come
    from several: a pair of records of two runs says so, its ratios then
    compare figures measured under different conditions.
    """
    runs = runs or {}
    ok = _by_model(records)
    lines = []
    for family, seed_name, best_name in (
        ("CNN", "seed-cnn", "short-cnn"),
        ("CNN", "seed-cnn", "best-cnn"),
        ("LSTM", "seed-lstm", "short-lstm"),
        ("LSTM", "seed-lstm", "best-lstm"),
        ("KNN", "seed-knn", "best-knn"),
    ):
        best = ok.get(best_name)
        if best is None:
            continue
        accuracy = best["metrics"]["accuracy"]
        published = [
            r for r in references if r["family"] == family and r["source"] == "seed-slides"
        ]
        parts = []
        if published:
            gap = 100 * (accuracy - published[0]["accuracy"])
            verdict = "beats" if gap > 0 else "falls short of"
            parts.append(
                f"{verdict} the seed's published {format_percent(published[0]['accuracy'], None)} "
                f"by {abs(gap):.1f} points"
            )
        seed = ok.get(seed_name)
        if seed is not None:
            same_run = _run_key(seed) == _run_key(best)
            where = ("measured in this run" if same_run and len(runs) <= 1 else
                     f"measured in the same run (run {runs.get(_run_key(best))})" if same_run else
                     f"measured in another run (run {runs.get(_run_key(seed))}, not run "
                     f"{runs.get(_run_key(best))}: ratios across runs are only indicative)")
            gap = 100 * (accuracy - seed["metrics"]["accuracy"])
            fit_ratio = best["timing"]["fit_seconds"] / max(seed["timing"]["fit_seconds"], 1e-9)
            speed_ratio = best["timing"]["predict_images_per_second"] / max(
                seed["timing"]["predict_images_per_second"], 1e-9
            )
            seed_fit = seed["timing"]["fit_seconds"]
            fit_text = (
                f"fitting in {fit_ratio:.2f}× its time" if seed_fit >= 0.5
                else f"fitting in {best['timing']['fit_seconds']:,.1f} s against its {seed_fit:.2f} s"
            )
            parts.append(
                f"{abs(gap):.1f} points {'above' if gap >= 0 else 'below'} the seed recipe "
                f"{where} ({format_percent(seed['metrics']['accuracy'])}), {fit_text} and "
                f"predicting {speed_ratio:.2f}× as many images per second"
            )
        if parts:
            lines.append(
                f"- **{best['label']}** ({format_percent(accuracy)}): " + "; ".join(parts) + "."
            )
    return lines


def _whole_test_set(dataset):
    """Whether a runner record was scored on the whole test set."""
    whole = dataset.get("whole_test_set")
    if whole is None:  # records written before the runner said so
        whole = str(dataset.get("test_sample", "")).startswith("all ")
    return whole


def _variant(record):
    """How a runner record's measurement departs from its protocol ('' when it does not):
    a test sample, another training size, another random_state, another source."""
    dataset, protocol, parts = record["dataset"], record["protocol"], []
    if dataset.get("test_sample") == "not loaded":  # a failure record: what was asked
        n_train, n_test, whole = dataset.get("n_train") or None, dataset.get("n_test") or None, None
    else:
        n_train, n_test = dataset.get("n_train"), dataset.get("n_test")
        whole = _whole_test_set(dataset)
    n_classes = dataset.get("n_classes") or 0
    if protocol == "quick":
        if n_classes and n_test and n_test != 10 * n_classes:
            parts.append(f"{n_test:,} test images")
        if n_classes and n_train and n_train != 30 * n_classes:
            parts.append(f"{n_train:,} training images")
    else:
        if whole is False or (whole is None and n_test):
            parts.append(f"a sample of {n_test:,} test images")
        if n_train and (protocol == "seed" and n_train != SEED_TRAIN_SIZE or protocol == "full"
                        and not str(dataset.get("train_sample", "")).startswith("all ")):
            parts.append(f"{n_train:,} training images")
    if record.get("random_state", 0) != 0:
        parts.append(f"random_state={record['random_state']}")
    if "-src" in Path(record.get("_file", "")).parent.name:
        parts.append(f"source `{dataset.get('source')}`")
    return ", ".join(parts)


def _describe_data(record):
    dataset = record["dataset"]
    return (
        f"training on {dataset['n_train']:,} images ({dataset['train_sample']}), "
        f"scored on {dataset['n_test']:,} test images ({dataset['test_sample']}) "
        f"of `{dataset['name']}` ({dataset['n_classes']} classes; source `{dataset['source']}`)"
    )


def _describe_machine(record):
    machine, versions = record["machine"], record["versions"]
    gpu = machine.get("gpu") or {}
    gpu_text = (
        ", ".join(d["name"] for d in gpu.get("devices", [])) if gpu.get("available") else "no GPU"
    )
    requested = (record.get("threads") or {}).get("requested")
    threads = f"{requested} thread(s) per model" if requested else "every usable core per model"
    load = machine.get("load_average_1min")
    return (
        f"{cpu_label(machine)}, {machine['cores_usable']} usable cores of "
        f"{machine['cores_logical']}, {machine['memory_gb']} GB RAM, {gpu_text}; {threads}; "
        f"load average {load} when the run started; "
        f"Python {versions.get('python')}, torch {versions.get('torch')}, "
        f"scikit-learn {versions.get('scikit-learn')}, skorch {versions.get('skorch')}"
    )


def _describe_git(record):
    git = record.get("git") or {}
    return (f"git `{git.get('commit') or 'unknown'}`"
            f"{' (work tree with local changes)' if git.get('dirty') else ''}")


def _without_superseded_failures(records):
    """``records`` less the failure records that a later good record of the same
    model (in the same folder) superseded.

    A failed re-run is written beside the model's good record, not over it
    (:mod:`benchmarks.run`); once the model runs well again, the earlier
    failure says nothing about the figures shown.
    """
    def folder_and_model(record):
        return str(Path(record.get("_file", "")).parent), record.get("model")

    latest_ok = {}
    for record in records:
        if record.get("status") == "ok":
            key = folder_and_model(record)
            latest_ok[key] = max(latest_ok.get(key, ""), record.get("date", ""))
    return [
        record for record in records
        if record.get("status") == "ok"
        or record.get("date", "") > latest_ok.get(folder_and_model(record), "")
    ]


def _measurement(record):
    dataset = record.get("dataset") or {}
    return (record.get("protocol"), dataset.get("name"), dataset.get("source"),
            record.get("random_state"), _variant(record))


def table_groups(records):
    """Records grouped by what they measured: ``{(protocol, data set, source,
    random_state, departure from the protocol): [records]}``.

    Records of two groups do not belong in one table: the runner gives each
    its own folder; ``python -m benchmarks table`` refuses to merge them.
    What a record measured is read from the good records (status ``ok``): a
    failure record holds only what was asked (no data loaded, no class
    count), so it belongs with the good records of the folder the runner
    wrote it to; only in a folder without any good record is it grouped by
    what it asked for.
    """
    def folder(record):
        return str(Path(record["_file"]).parent) if record.get("_file") else None

    by_folder = {}
    for record in records:
        if record.get("status") == "ok":
            by_folder.setdefault(folder(record), _measurement(record))
    groups = {}
    for record in records:
        key = by_folder.get(folder(record)) if record.get("status") != "ok" else None
        if key is None or folder(record) is None:
            key = _measurement(record)
        groups.setdefault(key, []).append(record)
    return groups


def render_markdown(records, references=None, *, title=None):
    """A Markdown report of records of one protocol and dataset.

    The table follows the seed's format (Model | Accuracy | Mean recall |
    Mean precision) plus macro F1, fit seconds, predict images per second and
    peak memory; published figures for the same split are appended as rows
    marked "not measured here". Records of several runs are numbered by run
    (the *Source* column) and each run's machine, commit and command are
    listed; a comparison of two records of different runs says so.
    """
    if not records:
        raise ValueError("no benchmark records to report; run the benchmark first.")
    references = references if references is not None else load_references()
    records = _without_superseded_failures(records)
    # a failure record holds what was asked, not what was loaded: describe the data from a good one
    first = next((r for r in records if r.get("status") == "ok"), records[0])
    protocol, split = first["protocol"], first["dataset"]["split"]
    ref_rows = _references_for(references, split, protocol)
    variant = _variant(first)
    title = title or (f"{protocol.capitalize()} protocol on `{first['dataset']['name']}`"
                      + (f" ({variant})" if variant else ""))
    commands = sorted({r["command"] for r in records})
    dates = sorted(r["date"] for r in records)
    runs = _runs(records)
    several = len(runs) > 1
    lines = [
        f"# {title}",
        "",
        "Generated by `benchmarks/_report.py` from the JSON records beside this file "
        "(never edited by hand). Rows in *italics* are published figures, "
        f"**{NOT_MEASURED}**.",
        "",
        f"Protocol `{protocol}`: {_describe_data(first)}.",
        "",
    ]
    measured = [_measured_row(r, f"run {runs[_run_key(r)]}" if several else "this run")
                for r in records]
    lines += _table(measured + [_reference_row(r, references["sources"]) for r in ref_rows])
    lines += [
        "",
        "*Fit s* and *Predict img/s* are wall-clock figures; *Fit CPU s* is the CPU time of "
        "all the model's threads during fit (with one thread per model on a machine busy with "
        "other work, it is close to the fit time the same model takes on an idle machine). "
        "*Peak RSS* is the peak resident memory of the process that ran the model.",
    ]
    comparisons = _comparisons(records, ref_rows, runs)
    if comparisons:
        lines += ["", "Computed from the records ("
                  + ("ratios measured in the same run" if not several else
                     "the records come from several runs: ratios across runs are only indicative, "
                     "see the runs below") + "):", ""]
        lines += comparisons
    if not several:
        lines += ["", f"Machine: {_describe_machine(first)}.", ""]
        lines += [f"Run{'s' if len(dates) > 1 else ''}: {dates[0]} to {dates[-1]} (UTC), "
                  f"{_describe_git(first)}.", ""]
        lines += ["Command:", ""] + [f"    {c}" for c in commands] + [""]
    else:
        lines += ["", f"Runs: the records come from {len(runs)} runs of the runner (the *Source* "
                  "column says which); machines, commits and load may differ between runs.", ""]
        for key, number in runs.items():
            members = [r for r in records if _run_key(r) == key]
            member_dates = sorted(r["date"] for r in members)
            lines.append(
                f"- run {number}: {', '.join(r['model'] for r in members)}; "
                f"{member_dates[0]} to {member_dates[-1]} (UTC), {_describe_git(members[0])}; "
                f"machine: {_describe_machine(members[0])}; command `{members[0]['command']}`"
            )
        lines.append("")
    used_sources = sorted({r["source"] for r in ref_rows})
    if used_sources:
        lines += ["Sources of the reference rows:", ""]
        lines += [f"- [{key}] {references['sources'][key]}" for key in used_sources]
        lines.append("")
    lines += ["Records:", ""]
    for r in records:
        if "_file" not in r:
            continue
        requested = (r.get("threads") or {}).get("requested")
        lines.append(
            f"- `{Path(r['_file']).name}` ({r['date']}"
            f"{f', run {runs[_run_key(r)]}' if several else ''}, "
            f"{f'{requested} thread(s)' if requested else 'all cores'}, load average "
            f"{r['machine'].get('load_average_1min')} at the start of the run): {r['description']}"
        )
    return "\n".join(lines) + "\n"


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


_FAMILY_COLORS = {"CNN": "tab:blue", "LSTM": "tab:orange", "KNN": "tab:green", "other": "tab:gray"}


_MARKERS = {"seed-cnn": "o", "seed-lstm": "s", "seed-knn": "D", "short-cnn": "*", "best-cnn": "*",
            "long-cnn": "*", "short-lstm": "P", "best-lstm": "P", "long-lstm": "P", "best-knn": "X"}


def plot_accuracy_vs_fit_time(records, path, references=None):
    """Scatter of test accuracy against fit seconds (log scale), one point per model.

    The legend gives each model's accuracy and fit time; published accuracies
    for the same split are dashed lines labelled "not measured here".
    """
    plt = _pyplot()
    ok = [r for r in records if r.get("status") == "ok"]
    if not ok:
        return None
    references = references if references is not None else load_references()
    first = ok[0]
    fig, ax = plt.subplots(figsize=(9, 5.5), layout="constrained")
    for record in ok:
        x = max(record["timing"]["fit_seconds"], 1e-3)
        y = 100 * record["metrics"]["accuracy"]
        ax.scatter(
            x,
            y,
            s=150 if record["model"].startswith(("best", "short")) else 80,
            color=_FAMILY_COLORS.get(record["family"], "tab:gray"),
            marker=_MARKERS.get(record["model"], "o"),
            edgecolor="black",
            zorder=3,
            label=f"{record['model']}: {y:.2f} %, fit {x:,.1f} s",
        )
    ax.set_xscale("log")
    for row in _references_for(references, first["dataset"]["split"], first["protocol"]):
        y = 100 * row["accuracy"]
        ax.axhline(y, color=_FAMILY_COLORS.get(row["family"], "tab:gray"), ls="--", lw=0.8, zorder=1)
        ax.text(
            0.005,
            y,
            f"{row['label']}: {format_percent(row['accuracy'], None)} (published, not measured here)",
            transform=ax.get_yaxis_transform(),
            fontsize=7,
            va="bottom",
            color="dimgray",
        )
    ax.set_xlabel("fit time (seconds, log scale)")
    ax.set_ylabel("test accuracy (%)")
    ax.set_title(
        f"{first['protocol']} protocol on {first['dataset']['name']}: "
        f"{first['dataset']['n_train']:,} training / {first['dataset']['n_test']:,} test images",
        fontsize=10,
    )
    ax.legend(loc="center left", bbox_to_anchor=(1.01, 0.5), fontsize=8, title="measured here")
    ax.grid(True, which="both", alpha=0.3)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return Path(path)


def plot_per_class_recall(records, path):
    """Heat map of per-class recall (models × classes), values written in the cells."""
    plt = _pyplot()
    import numpy as np

    ok = [r for r in records if r.get("status") == "ok"]
    if not ok:
        return None
    names = list(ok[0]["metrics"]["per_class_recall"])
    matrix = np.array(
        [[r["metrics"]["per_class_recall"].get(n, np.nan) for n in names] for r in ok]
    )
    width = max(8, 0.42 * len(names) + 3)
    fig, ax = plt.subplots(figsize=(width, 1.0 + 0.55 * len(ok)), layout="constrained")
    image = ax.imshow(100 * matrix, cmap="viridis", vmin=max(0, 100 * np.nanmin(matrix) - 5), vmax=100, aspect="auto")
    ax.set_xticks(range(len(names)), names, fontsize=9)
    ax.set_yticks(range(len(ok)), [r["model"] for r in ok], fontsize=9)
    if len(names) <= 30:
        threshold = 100 * (np.nanmin(matrix) + np.nanmax(matrix)) / 2
        for i in range(matrix.shape[0]):
            for j in range(matrix.shape[1]):
                value = 100 * matrix[i, j]
                ax.text(j, i, f"{value:.0f}", ha="center", va="center", fontsize=7,
                        color="white" if value < threshold else "black")
    fig.colorbar(image, ax=ax, label="recall (%)", fraction=0.03)
    first = ok[0]
    ax.set_title(
        f"Per-class recall on {first['dataset']['name']} test ({first['protocol']} protocol)",
        fontsize=10,
    )
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return Path(path)


def write_report(records, folder, *, references=None, plots=True):
    """Write ``table.md`` (and the two PNG plots) for the records into ``folder``.

    Returns the paths written.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    references = references if references is not None else load_references()
    written = []
    table = folder / "table.md"
    table.write_text(render_markdown(records, references), encoding="utf-8")
    written.append(table)
    if plots:
        try:
            import matplotlib  # noqa: F401
        except ImportError:
            return written
        for plot, name in (
            (lambda p: plot_accuracy_vs_fit_time(records, p, references), "accuracy_vs_fit_time.png"),
            (lambda p: plot_per_class_recall(records, p), "per_class_recall.png"),
        ):
            out = plot(folder / name)
            if out is not None:
                written.append(out)
    return written


# --- the summary over every results folder ------------------------------------

RUN_SCHEMA = "sklearn-emnist-benchmark-run/1"


def _load_json(path):
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _when(record):
    """The UTC time of a record's ``utc`` or ``date`` field, or None when it has neither."""
    if not isinstance(record, dict):
        return None
    for key in ("utc", "date"):
        text = record.get(key)
        if isinstance(text, str) and text:
            try:
                value = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
            except ValueError:
                continue
            return value if value.tzinfo else value.replace(tzinfo=datetime.timezone.utc)
    return None


def _off_protocol(record, target):
    """Why a runner record does not measure the target's protocol; None when it does.

    The protocol is the target's protocol and data set, random_state=0, the
    whole test set, and for ``seed`` the 40,000-image training sample (for
    ``full``, all training images).
    """
    dataset = record.get("dataset") or {}
    if record.get("protocol") != target["protocol"] or dataset.get("name") != target["dataset"]:
        return f"a {record.get('protocol')} record of {dataset.get('name')}"
    if record.get("random_state") != 0:
        return f"random_state={record.get('random_state')}, not the protocol's 0"
    if not _whole_test_set(dataset):
        return (f"scored on a sample of {dataset.get('n_test', 0):,} test images, "
                "not on the whole test set")
    if target["protocol"] == "seed" and dataset.get("n_train") != SEED_TRAIN_SIZE:
        return f"trained on {dataset.get('n_train', 0):,} images, not the seed protocol's 40,000"
    if target["protocol"] == "full" and not str(dataset.get("train_sample", "")).startswith("all "):
        return "trained on a sample, not on all training images"
    return None


def _run_records(folder):
    runs = [(path, _load_json(path)) for path in sorted(Path(folder).glob("run*.json"))]
    return [(path, run) for path, run in runs if isinstance(run, dict) and run.get("schema") == RUN_SCHEMA]


def _run_of(record, folder):
    """The path of the runner's run record that ``record`` belongs to, or None.

    Records carry their run's id; for records written before they did, the run
    of the same command that lists the model and whose time span holds the
    record's date.
    """
    runs = _run_records(folder)
    if record.get("run_id"):
        return next((path for path, run in runs if run.get("run_id") == record["run_id"]), None)
    when = _when(record)
    for path, run in runs:
        end = _when(run)
        if run.get("run_id") or when is None or end is None:
            continue
        span = datetime.timedelta(seconds=float(run.get("total_seconds") or 0) + 2)
        if (run.get("command") == record.get("command") and record.get("model") in run.get("models", ())
                and end - span <= when <= end + datetime.timedelta(seconds=2)):
            return path
    return None


def _same_run(first, second, folder):
    """Whether two runner records were measured in the same run of the runner."""
    if first.get("run_id") or second.get("run_id"):
        return first.get("run_id") == second.get("run_id")
    run = _run_of(first, folder)
    return run is not None and run == _run_of(second, folder)


def _run_target(target, folder):
    """(value, run path, note, extra) of the '@run' target: the last complete-comparison run."""
    from .recipes import DEFAULT_MODELS

    runs = [(path, run) for path, run in _run_records(folder)
            if set(DEFAULT_MODELS) <= set(run.get("models", ()))
            # runs with other protocol options have folders of their own; older
            # run records do not say, their members are checked below
            and run.get("train_size") is None and run.get("test_size") is None
            and run.get("random_state", 0) == 0]
    if not runs:
        return None, None, "not run yet", {}

    def not_ok(run):
        statuses = run.get("statuses", {})
        return [m for m in run["models"] if statuses.get(m) != "ok"]

    # the last run in which every model ran; a later run whose models failed
    # (a re-run that timed out) measured no comparison and does not replace it
    complete = [item for item in runs if not not_ok(item[1])]
    run_path, run = max(complete or runs, key=lambda item: item[1].get("date", ""))
    statuses = run.get("statuses", {})
    failed = not_ok(run)
    note = f"models: {', '.join(run['models'])}"
    if failed:
        note += "; not ok: " + ", ".join(f"{m} ({statuses.get(m, 'no status')})" for m in failed)
    later = [item for item in runs if item[1].get("date", "") > run.get("date", "")]
    latest_failed = None
    if later:
        # the figure stays the last complete run's, but the target is not met
        # while the latest run did not complete (a re-run that timed out or
        # failed): the comparison no longer runs whole within the limit
        latest_path, latest = max(later, key=lambda item: item[1].get("date", ""))
        note += f"; {len(later)} later run(s) did not complete, the last `{latest_path.name}`"
        when = _when(latest)
        latest_failed = (f"the latest run (`{latest_path.name}`"
                         + (f", {when:%Y-%m-%d %H:%M} UTC" if when else "") + ") did not complete")
        seconds = latest.get(target["metric"])
        if isinstance(seconds, (int, float)):
            over = "max" in target and seconds > target["max"]
            latest_failed += f" and took {seconds:,.0f} s" if over else f" (after {seconds:,.0f} s)"
    if run.get("threads"):
        note += f"; {run['threads']} thread(s) per model"
    cpu, missing, members = 0.0, [], {}
    for model in run["models"]:
        record = _load_json(folder / f"{model}.json") or {}
        if record.get("schema") == SCHEMA and _run_of(record, folder) == run_path:
            members[model] = record
        value = (record.get("timing") or {}).get("process_cpu_seconds") if model in members else None
        if value is None:
            missing.append(model)
        else:
            cpu += value
    refused = {m: _off_protocol(r, target) for m, r in members.items() if r.get("status") == "ok"}
    refused = {m: reason for m, reason in refused.items() if reason}
    if refused:
        model, reason = next(iter(refused.items()))
        return None, run_path, f"refused: the run's `{model}.json`: {reason}", {"record": run}
    if not missing:
        note += (f"; the models' processes used {cpu:,.0f} CPU seconds in all "
                 "(about the wall time of a one-thread run on an idle machine)")
    elif len(missing) < len(run["models"]):
        note += (f"; {cpu:,.0f} CPU seconds without {', '.join(missing)} "
                 "(whose CPU time this run's records do not hold)")
    return run.get(target["metric"]), run_path, note, {"record": run, "complete": not failed,
                                                       "latest_failed": latest_failed}


def _target_value(target, root):
    """(value, record path or None, note, extra) of one target, from the runner's records.

    ``extra`` holds the record the figure comes from (``record``), its fit
    seconds (``fit``) and, for the '@run' target, whether every model ran
    (``complete``).
    """
    folder = Path(root) / f"{target['protocol']}-{target['dataset']}"
    if target["model"] == "@run":
        return _run_target(target, folder)
    path = folder / f"{target['model']}.json"
    record = _load_json(path)
    if not record or record.get("schema") != SCHEMA:
        if "other" in target:
            return _other_value(target, root)
        return None, None, "not run yet", {}

    def refused(note, extra):
        """The other scripts' figure where the runner's cannot be used, else none."""
        if "other" in target:
            value, other_path, other_note, other_extra = _other_value(target, root)
            if value is not None:
                return value, other_path, f"{note}; {other_note}", other_extra
            note = f"{note}; other scripts: {other_note}"
        return None, path, note, extra

    if record.get("status") != "ok":
        return refused(f"run {record.get('status')}", {"record": record})
    reason = _off_protocol(record, target)
    if reason:
        return refused(f"the runner's `{path.name}` is refused: {reason}", {"record": record})
    values = dict(record["metrics"], **record["timing"])
    value = values.get(target["metric"])
    fit = record["timing"]["fit_seconds"]
    extra = {"record": record, "fit": fit}
    note = f"fit {fit:,.0f} s"
    if "ratio_to" in target:
        other = _load_json(folder / f"{target['ratio_to']}.json")
        if not other or other.get("schema") != SCHEMA or other.get("status") != "ok":
            return refused(f"needs {target['ratio_to']} in the same folder", extra)
        reason = _off_protocol(other, target)
        if reason:
            return refused(f"{target['ratio_to']}'s record is refused: {reason}", extra)
        if not _same_run(record, other, folder):
            return refused(f"{target['model']} and {target['ratio_to']} were measured in "
                           "different runs: no same-run ratio", extra)
        base = dict(other["metrics"], **other["timing"])[target["metric"]]
        note = (f"{value:,.0f} vs {base:,.0f} images/s; accuracy "
                f"{format_percent(record['metrics']['accuracy'])} vs "
                f"{format_percent(other['metrics']['accuracy'])}")
        value = value / base
    return value, path, note, extra


def _dotted(record, path):
    for key in path.split("."):
        if not isinstance(record, dict) or key not in record:
            return None
        record = record[key]
    return record


def _accepted(value, wanted):
    return value in wanted if isinstance(wanted, list) else value == wanted


_NO_DATE = datetime.datetime.min.replace(tzinfo=datetime.timezone.utc)


def _command_option(command, option, shortest=4):
    """The text value of ``option`` in a recorded command line, its last occurrence
    (``--option value`` or ``--option=value``; an abbreviation argparse accepts, at
    least ``shortest`` characters long, counts too); None when absent, ``...``
    (Ellipsis) when the command cannot be read.

    Examples
    --------
    >>> from benchmarks._report import _command_option
    >>> _command_option("python b.py protocol --random-state 3 --tag x", "--random-state")
    '3'
    >>> _command_option("python b.py protocol --random=2", "--random-state"), _command_option(
    ...     "python b.py protocol", "--random-state")
    ('2', None)
    """
    try:
        words = shlex.split(command or "")
    except ValueError:
        return ...
    value = None
    for number, word in enumerate(words):
        head, equals, rest = word.partition("=")
        if len(head) >= shortest and head.startswith("--") and option.startswith(head):
            if equals:
                value = rest
            elif number + 1 < len(words):
                value = words[number + 1]
            else:
                return ...
    return value


_RANDOM_STATE_TEXT = re.compile(r"random_state=(-?\d+)")


def sample_random_state(record):
    """The random_state of the training sample a benchmark script's record was measured on.

    The record's ``sample_random_state`` where it has one (``bench_neural.py``
    records since they hold it); else the ``random_state=N`` of its
    ``train_sample`` text (``bench_knn.py``); else the ``--random-state`` of its
    recorded command, 0 (the option's default) when the command has none.
    None when the command cannot be read.

    Examples
    --------
    >>> from benchmarks._report import sample_random_state
    >>> sample_random_state({"command": "python benchmarks/bench_neural.py protocol --recipe cnn-deep"})
    0
    >>> sample_random_state({"command": "python bench_neural.py protocol --random-state 1"})
    1
    """
    if isinstance(record.get("sample_random_state"), int):
        return record["sample_random_state"]
    found = _RANDOM_STATE_TEXT.search(str(record.get("train_sample") or ""))
    if found:
        return int(found.group(1))
    text = _command_option(record.get("command"), "--random-state")
    if text is None:
        return 0
    try:
        return int(text)
    except (TypeError, ValueError):
        return None


def _literal(value):
    if isinstance(value, str):
        try:
            return ast.literal_eval(value)
        except (ValueError, SyntaxError):
            return value
    return value


def _estimator_random_state(record):
    """The estimator's random_state in another script's record (``...`` when it does not say):
    its ``params`` (``bench_neural.py``), its ``overrides``, or its ``pipeline_options``
    (``bench_knn.py``)."""
    for key in ("params", "overrides", "pipeline_options"):
        block = record.get(key)
        if isinstance(block, dict) and "random_state" in block:
            return _literal(block["random_state"])
    return ...


def _other_whole_set(record, part):
    """Whether another script's record used the whole ``test`` (or ``train``) set; None when
    it does not say. Records written before they held ``whole_<part>_set``: a
    ``bench_neural.py`` record evaluated on test scored all of it (its seed and full
    protocols do) and trained on all of train in the full protocol; a ``bench_knn.py``
    protocol record scored all of test."""
    if isinstance(record.get(f"whole_{part}_set"), bool):
        return record[f"whole_{part}_set"]
    if "evaluated_on" in record:  # bench_neural.py
        if part == "test":
            return record["evaluated_on"] == "test" and record.get("protocol") in ("seed", "full")
        return record.get("protocol") == "full"
    if str(record.get("schema", "")).startswith("sklearn-emnist-bench-knn/") and part == "test":
        return record.get("kind") == "protocol"
    return None


def _other_off_protocol(record, target):
    """Why another script's record does not measure the target's protocol; None when it does.

    The protocol, for every target: its data set and protocol, the training
    sample's random_state 0 and the estimator's random_state 0, the whole test
    set, and 40,000 training images (seed) or all of them (full).
    """
    if record.get("protocol") != target["protocol"] or record.get("dataset") != target["dataset"]:
        return f"a {record.get('protocol')} record of {record.get('dataset')}"
    sample = sample_random_state(record)
    if sample is None:
        return "its command cannot be read for the training sample's random_state"
    if sample != 0:
        return f"the training sample's random_state={sample}, not the protocol's 0"
    estimator = _estimator_random_state(record)
    if estimator is ...:
        return "it does not say the estimator's random_state"
    if estimator != 0:
        return f"the estimator's random_state={estimator!r}, not the protocol's 0"
    if _other_whole_set(record, "test") is not True:
        return "not scored on the whole test set"
    if target["protocol"] == "seed" and record.get("n_train") != SEED_TRAIN_SIZE:
        return f"trained on {record.get('n_train')} images, not the seed protocol's 40,000"
    if target["protocol"] == "full" and _other_whole_set(record, "train") is not True:
        return "not trained on all training images"
    return None


def _other_value(target, root):
    """The figure of a target from another benchmark script's record.

    ``other["match"]`` maps record keys (dotted for nested ones, such as
    ``params.class_weight``) to required values, or to a list of accepted
    values; ``other["overrides_within"]``, where given, lists the constructor
    parameters a record may override and still be the recipe's figure (speed
    and reporting settings: a record that changed anything else measured a
    variant). A record that matches must also measure the target's protocol
    (:func:`_other_off_protocol`: its sample's and its estimator's random_state
    0, the whole test set, the protocol's training images), whatever the
    target's ``match`` says. Of the matching records the one whose run ended
    last (its ``utc`` or ``date`` field) counts, so that the choice does not
    depend on file times in a checkout; matching records with the same or no
    date are said to tie, and the first by name counts.
    """
    other = target["other"]
    allowed = other.get("overrides_within")
    matches, refused = [], []
    for path in sorted(Path(root).glob(other["glob"])):
        record = _load_json(path)
        if (isinstance(record, dict)
                and all(_accepted(_dotted(record, k), v) for k, v in other["match"].items())
                and (allowed is None or set(record.get("overrides") or {}) <= set(allowed))):
            value = _dotted(record, other["value"])
            if not isinstance(value, (int, float)):
                continue
            reason = _other_off_protocol(record, target)
            if reason:
                refused.append((_when(record) or _NO_DATE, path, reason))
            else:
                matches.append((_when(record) or _NO_DATE, path, record, value))

    def refusals(since=None):
        """Which records were refused (those after ``since``, where given)."""
        later = [item for item in refused if since is None or item[0] > since]
        if not later:
            return ""
        _, path, reason = max(later, key=lambda item: (item[0], str(item[1])))
        return (f"{len(later)} {'' if since is None else 'later '}matching record(s) refused, "
                f"the last `{path.relative_to(root)}`: {reason}")

    if not matches:
        note = "not run yet (neither by the runner nor by the other scripts)"
        if refused:
            note = "no record of the protocol (neither by the runner nor by the other scripts); " + refusals()
        return None, None, note, {}
    latest = max(when for when, *_ in matches)
    tied = [match for match in matches if match[0] == latest]
    _, path, record, value = tied[0]
    note = f"from `{Path(other['glob']).parent}` script's record, not the runner's"
    later_refusals = refusals(latest)
    if later_refusals:
        note += "; " + later_refusals
    if len(tied) > 1:
        note += (f"; {len(tied)} matching records with {'no' if latest == _NO_DATE else 'the same'} "
                 "date: the first by name is shown")
    fit = _dotted(record, other["fit_seconds"]) if "fit_seconds" in other else None
    if isinstance(fit, (int, float)):
        note += f"; fit {fit:,.0f} s"
    else:
        fit = None
    return value, path, note, {"record": record, "fit": fit}


def _format_target_value(metric, value, ratio):
    if value is None:
        return "—"
    if ratio:
        return f"{value:.2f}×"
    if metric == "accuracy" or metric.startswith(("precision", "recall", "f1")):
        return format_percent(value)
    if metric.endswith("seconds"):
        return f"{value:,.0f} s"
    return f"{value:,.4g}"


def _met(target, value, extra):
    if value is None:
        return "—"
    ok = True
    if "min" in target:
        ok &= value >= target["min"]
    if "max" in target:
        ok &= value <= target["max"]
    if target["model"] == "@run":
        ok &= extra.get("complete") is True  # a run whose models failed compared nothing
        if ok and extra.get("latest_failed"):
            return f"**no**: {extra['latest_failed']}"
    if "max_fit_seconds" in target:
        fit = extra.get("fit")
        if fit is None:
            return "?"
        ok &= fit <= target["max_fit_seconds"]
    return "yes" if ok else "**no**"


def _provenance(record):
    """``commit, date`` of the record a figure comes from, as the record gives them."""
    git = record.get("git") if isinstance(record, dict) else None
    commit = git.get("commit") if isinstance(git, dict) else None
    if commit:
        text = f"`{commit[:7]}`" + (" + local changes" if git.get("dirty") else "")
    else:
        text = "commit not recorded"
    when = _when(record)
    return text + (f", {when:%Y-%m-%d %H:%M} UTC" if when else ", date not recorded")


_FIGURE_NAMES = ("sampler", "preprocessing", "engine", "reader", "name", "label")


def _figures(record, depth=0, prefix="", keys=lambda key: key == "accuracy"):
    """Accuracy figures found in a record of another script, in nested dicts and lists.

    A list item is named by its ``sampler``, ``preprocessing``, ``engine``,
    ``reader``, ``name`` or ``label`` field (else its position).
    """
    found = []
    if depth > 3:
        return found
    if isinstance(record, list):
        for number, item in enumerate(record):
            if isinstance(item, dict):
                name = next((str(item[k]) for k in _FIGURE_NAMES if isinstance(item.get(k), str)),
                            str(number))
                found += _figures(item, depth + 1, f"{prefix.rstrip('.')}[{name}].", keys)
        return found
    if not isinstance(record, dict):
        return found
    for key, value in record.items():
        if keys(key) and isinstance(value, (int, float)) and not isinstance(value, bool):
            found.append((f"{prefix}{key}" if key != "accuracy" else prefix.rstrip(".") or key, value))
        elif keys(key) and isinstance(value, dict):  # named figures, e.g. {"plain": 0.94}
            found += [(f"{prefix}{key}.{k}", v) for k, v in value.items()
                      if isinstance(v, (int, float)) and not isinstance(v, bool)]
        elif isinstance(value, (dict, list)):
            found += _figures(value, depth + 1, f"{prefix}{key}.", keys)
    return found


def _other_figures(record):
    """Test accuracy figures of a record; where it has none, its validation /
    cross-validation ones (keys ending in ``_accuracy``, or ``val_acc``)."""
    return _figures(record) or _figures(
        record, keys=lambda key: key.endswith("_accuracy") or key == "val_acc")


def render_summary(root, references=None):
    """One page over ``root`` (``benchmarks/results``): the issues' targets, every
    runner record, and the accuracy figures of the other benchmark scripts' records."""
    root = Path(root)
    references = references if references is not None else load_references()
    lines = [
        "# Benchmark summary",
        "",
        "Generated by `python -m benchmarks summary` from the JSON records under "
        "`benchmarks/results/` (never edited by hand).",
        "",
        "## Targets of the issues",
        "",
        "| Issue | Target | Measured | Met | Record | Commit, date | Note |",
        "|---|---|---:|---|---|---|---|",
    ]
    for target in references.get("targets", []):
        value, path, note, extra = _target_value(target, root)
        shown = _format_target_value(target["metric"], value, "ratio_to" in target)
        where = f"`{path.relative_to(root)}`" if path is not None else "—"
        provenance = _provenance(extra["record"]) if "record" in extra else "—"
        lines.append(
            f"| {target['issue']} | {target['what']} | {shown} | {_met(target, value, extra)} | "
            f"{where} | {provenance} | {note} |"
        )
    lines += [
        "",
        "Only records of the target's protocol count (its data set, random_state=0, the whole "
        "test set, the seed's 40,000 training images or all of them); a ratio pairs records of "
        "one run; the comparison's time counts only when every model ran. *Commit, date*: "
        "as the record gives them (*not recorded* where it predates the field).",
    ]
    records = load_records(root)
    lines += [
        "",
        "## Every record of the runner",
        "",
        "| Protocol | Data set | Model | Accuracy | Macro F1 | Fit s | Predict img/s | Date |",
        "|---|---|---|---:|---:|---:|---:|---|",
    ]
    for record in records:
        variant = _variant(record)
        protocol = record["protocol"] + (f" ({variant})" if variant else "")
        if record.get("status") != "ok":
            lines.append(f"| {protocol} | {record['dataset']['name']} | {record['model']} | "
                         f"{record.get('status')} | — | — | — | {record['date']} |")
            continue
        lines.append(
            f"| {protocol} | {record['dataset']['name']} | {record['model']} | "
            f"{format_percent(record['metrics']['accuracy'])} | "
            f"{format_percent(record['metrics']['f1_macro'])} | "
            f"{record['timing']['fit_seconds']:,.1f} | "
            f"{record['timing']['predict_images_per_second']:,.0f} | {record['date']} |"
        )
    others = []
    for path in sorted(root.rglob("*.json")):
        record = _load_json(path)
        if isinstance(record, dict) and record.get("schema") in (SCHEMA, RUN_SCHEMA):
            continue  # the runner's: in the tables above
        if not isinstance(record, (dict, list)):
            continue
        figures = _other_figures(record)
        context = ", ".join(
            f"{key}={record[key]}"
            for key in ("schema", "kind", "recipe", "dataset", "protocol", "evaluated_on", "split",
                        "subset")
            if isinstance(record, dict) and isinstance(record.get(key), (str, int))
        )
        shown = "; ".join(f"{name}: {format_percent(value)}" for name, value in figures[:6])
        if len(figures) > 6:
            shown += f"; … ({len(figures) - 6} more in the record)"
        others.append(f"| `{path.relative_to(root)}` | {context} | {shown or 'no accuracy figure'} |")
    if others:
        lines += [
            "",
            "## Records of the other benchmark scripts",
            "",
            "Every JSON record under `benchmarks/results/` that the runner did not write "
            "(`bench_knn.py`, `bench_neural.py`, `bench_inference.py`, the readers benchmark and "
            "the others), with the test accuracy figures found in it; a record without one shows "
            "its validation or cross-validation figures (names ending in `_accuracy`), if any. "
            "See each record for its protocol and command.",
            "",
            "| Record | Context | Accuracy figures |",
            "|---|---|---|",
        ] + others
    reports = []
    for path in sorted(root.rglob("*.md")):
        if path.name == "SUMMARY.md":
            continue
        try:
            title = next(
                (line.lstrip("# ").strip() for line in path.read_text(encoding="utf-8").splitlines()
                 if line.startswith("#")),
                path.stem,
            )
        except OSError:
            continue
        reports.append(f"- [{title}]({path.relative_to(root).as_posix()})")
    if reports:
        lines += ["", "## Every report under `benchmarks/results/`", ""] + reports
    return "\n".join(lines) + "\n"
