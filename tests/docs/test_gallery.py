"""Static checks of the gallery: every example is well-formed and reads real data.

Running the examples is the docs build's job (sphinx-gallery executes each
one); these checks are fast and need no data.
"""

import ast
import re
from pathlib import Path

import pytest

EXAMPLES = sorted((Path(__file__).resolve().parents[2] / "examples").glob("plot_*.py"))


def test_the_gallery_has_its_examples():
    names = {p.stem for p in EXAMPLES}
    assert {
        "plot_seed_table", "plot_confusion_analysis", "plot_class_imbalance",
        "plot_augmentation_preview", "plot_onnx_export", "plot_distributed_search",
    } <= names


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_example_has_a_title_and_reads_the_shared_real_data(path):
    source = path.read_text()
    tree = ast.parse(source)
    docstring = ast.get_docstring(tree)
    assert docstring, f"{path.name}: sphinx-gallery needs a module docstring"
    lines = docstring.strip().splitlines()
    assert len(lines) >= 3 and set(lines[0]) == {"="} and set(lines[2]) == {"="}, (
        f"{path.name}: the docstring must open with an '=' over- and underlined title"
    )
    # the same data-source setting as the benchmarks, never a hard-coded path
    assert 'os.environ.get("SKLEARN_EMNIST_SHARED", "../shared/emnist")' in source
    assert not re.search(r"['\"]/work/", source)


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_example_lines_fit_the_rendered_code_blocks(path):
    long_lines = [i for i, line in enumerate(path.read_text().splitlines(), 1) if len(line) > 90]
    assert not long_lines, f"{path.name}: lines longer than 90 characters: {long_lines}"
