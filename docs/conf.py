"""Sphinx configuration for the sklearn-emnist documentation.

Build (warnings are errors, every gallery example is executed)::

    sphinx-build -W --keep-going -b html docs docs/_build/html

The gallery reads the real EMNIST files from ``$SKLEARN_EMNIST_SHARED``
(default: ``../shared/emnist`` next to the repository), the same data source
as ``python -m benchmarks``.
"""

import os
import sys
import warnings
from pathlib import Path

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
sys.path.insert(0, str(ROOT))

# The examples and the benchmarks share one data-source setting.
os.environ.setdefault("SKLEARN_EMNIST_SHARED", str(ROOT.parent / "shared" / "emnist"))
# A docs build must not oversubscribe the CPU (examples train small models).
os.environ.setdefault("OMP_NUM_THREADS", "1")
# Headless figure rendering.
os.environ.setdefault("MPLBACKEND", "agg")

import sklearn_emnist  # noqa: E402

# autosummary stubs are regenerated at every build: a stub left from a name
# that was renamed or removed would otherwise fail the build.
import shutil  # noqa: E402

shutil.rmtree(DOCS / "gen_modules", ignore_errors=True)

project = "sklearn-emnist"
author = "the sklearn-emnist developers"
copyright = "2026, the sklearn-emnist developers"
release = sklearn_emnist.__version__
version = ".".join(release.split(".")[:2])

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.doctest",
    "sphinx.ext.mathjax",
    "sphinx.ext.viewcode",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]

templates_path = ["_templates"]
exclude_patterns = ["_build", "auto_examples/*.ipynb", "auto_examples/*.py", "**.zip", "**.md5"]
root_doc = "index"
default_role = "literal"
nitpicky = False

# -- autodoc / autosummary / numpydoc ---------------------------------------
autosummary_generate = True
autosummary_imported_members = True
autodoc_default_options = {"members": True, "inherited-members": False}
autodoc_typehints = "none"
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_attributes_as_param_list = False
numpydoc_xref_param_type = False
# numpydoc validation of the public API, as warnings (errors with -W):
# a docstring exists (GL08), documents no parameter the signature lacks
# (PR02: catches stale docs after a rename) and has a one-line summary that is
# a sentence (SS01, SS03).
numpydoc_validation_checks = {"GL08", "PR02", "SS01", "SS03"}
# public classes and functions only: methods inherit docstrings from torch,
# skorch and scikit-learn, which follow their own conventions
numpydoc_validation_exclude = {r"^sklearn_emnist\.\w+\.\w+\.\w+$"}

# -- sphinx-gallery ------------------------------------------------------------
try:
    from sphinx_gallery.sorting import FileNameSortKey
except ImportError:  # pragma: no cover
    FileNameSortKey = None

sphinx_gallery_conf = {
    "examples_dirs": str(ROOT / "examples"),
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
    "ignore_pattern": r"__init__\.py|/_",
    "within_subsection_order": "FileNameSortKey",
    "doc_module": ("sklearn_emnist",),
    "backreferences_dir": "gen_modules/backreferences",
    "reference_url": {"sklearn_emnist": None},
    "image_scrapers": ("matplotlib",),
    "remove_config_comments": True,
    "abort_on_example_error": False,
    "only_warn_on_example_error": False,
    "plot_gallery": "True",
    "show_memory": False,
    "min_reported_time": 1,
    "write_computation_times": False,
    "download_all_examples": False,
    "show_signature": False,
    # Every example must keep the gallery fast on a 2-core machine.
    "expected_failing_examples": [],
}

# -- HTML ---------------------------------------------------------------------
html_theme = "pydata_sphinx_theme"
html_title = f"sklearn-emnist {release}"
html_static_path = ["_static"]
html_css_files = ["custom.css"]
html_show_sourcelink = False
html_theme_options = {
    "navbar_align": "left",
    "show_toc_level": 2,
    "navigation_with_keys": False,
    "header_links_before_dropdown": 7,
    "secondary_sidebar_items": ["page-toc"],
    "footer_start": ["copyright"],
    "footer_end": ["sphinx-version"],
}
html_sidebars = {"index": [], "install": [], "quick_start": [], "changelog": []}

warnings.filterwarnings(
    "ignore",
    category=UserWarning,
    message="Matplotlib is currently using agg, which is a non-GUI backend",
)


# scikit-learn generates ``set_fit_request`` / ``set_score_request`` ... on
# every estimator (metadata routing); their docstrings point into
# scikit-learn's own glossary, and they are documented there.
def _skip_metadata_request_methods(app, what, name, obj, skip, options):
    if name.startswith("set_") and name.endswith("_request"):
        return True
    return None


from docutils.parsers.rst import Directive  # noqa: E402
from docutils.statemachine import StringList  # noqa: E402


class MarkdownPipeTable(Directive):
    """``.. markdown-pipe-table:: path``: the first pipe table of a Markdown file.

    The benchmark runner writes its tables as Markdown (``table.md``); this
    renders the committed file as a real table, so the page shows exactly
    the figures of the records, never a copy typed by hand.
    """

    required_arguments = 1
    option_spec = {"columns": lambda text: [c.strip() for c in text.split(",") if c.strip()]}

    def run(self):
        source = Path(self.state.document.current_source).parent / self.arguments[0]
        # rebuild the page when the benchmark file changes
        self.state.document.settings.env.note_dependency(str(source))
        lines = source.read_text(encoding="utf-8").splitlines()
        start = next(i for i, line in enumerate(lines) if line.startswith("|"))
        rows = []
        for line in lines[start:]:
            if not line.startswith("|"):
                break
            cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
            if all(set(cell) <= set(":-") for cell in cells):
                continue  # the header separator
            # a figure and its unit stay on one line ("90.32 %")
            rows.append([cell.replace("—", "--").replace(" %", "\u00a0%") or " "
                         for cell in cells])
        wanted = self.options.get("columns")
        if wanted:  # keep the named columns, in the file's order
            header = [cell.lower() for cell in rows[0]]
            missing = [c for c in wanted if c.lower() not in header]
            if missing:
                raise self.error(f"{source.name} has no column(s) {missing}; it has {rows[0]}")
            keep = [i for i, cell in enumerate(header) if cell in {c.lower() for c in wanted}]
            rows = [[row[i] for i in keep] for row in rows]
        rst = [".. list-table::", "   :header-rows: 1", ""]
        for row in rows:
            rst.append(f"   * - {row[0]}")
            rst += [f"     - {cell}" for cell in row[1:]]
        from docutils import nodes

        node = nodes.container(classes=["benchmark-table"])
        self.state.nested_parse(StringList(rst, source=str(source)), self.content_offset, node)
        return [node]


def setup(app):
    app.add_directive("markdown-pipe-table", MarkdownPipeTable)
    app.connect("autodoc-skip-member", _skip_metadata_request_methods)
