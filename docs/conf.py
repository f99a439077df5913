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
