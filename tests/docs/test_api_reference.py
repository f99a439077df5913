"""The API reference lists every public name, and public names carry Examples.

The docs build itself (``sphinx-build -W``) is a CI job; these fast checks
catch drift between the package and docs/api.rst without building anything.
"""

import importlib
import inspect
import re
from pathlib import Path

import pytest

import sklearn_emnist

ROOT = Path(__file__).resolve().parents[2]
API_RST = ROOT / "docs" / "api.rst"
SUBPACKAGES = [
    "datasets", "preprocessing", "augmentation", "neighbors", "neural", "metrics",
    "plotting", "deploy", "io", "parallel", "utils", "cli",
]
# Public names without an Examples section yet: owner to add one (remove the
# entry when done). Exceptions, warnings and result records are exempt below.
MISSING_EXAMPLES = {
    "sklearn_emnist.neural.NeuralImageClassifier": "abstract base; the subclasses have Examples",
}


def _public(kinds=("class", "function")):
    for sub in SUBPACKAGES:
        module = importlib.import_module(f"sklearn_emnist.{sub}")
        for name in module.__all__:
            obj = getattr(module, name)
            kind = "class" if inspect.isclass(obj) else "function" if callable(obj) else "data"
            if kind in kinds:
                yield sub, name, obj


def _api_sections():
    """{subpackage: set of names listed in its autosummary blocks}."""
    text = API_RST.read_text()
    sections = {}
    for match in re.finditer(r"\.\. currentmodule:: sklearn_emnist\.(\w+)", text):
        start = match.end()
        following = text.find(".. currentmodule::", start)
        body = text[start : following if following != -1 else len(text)]
        sections[match.group(1)] = set(re.findall(r"^   (\w+)$", body, flags=re.M))
    return sections


def test_every_public_class_and_function_is_in_the_api_reference():
    sections = _api_sections()
    missing = [
        f"sklearn_emnist.{sub}.{name}"
        for sub, name, _ in _public()
        if name not in sections.get(sub, set())
    ]
    assert not missing, f"add to docs/api.rst (python docs/update_api_reference.py): {missing}"


def test_api_reference_lists_no_name_the_package_lacks():
    for sub, names in _api_sections().items():
        module = importlib.import_module(f"sklearn_emnist.{sub}")
        unknown = sorted(n for n in names if not hasattr(module, n))
        assert not unknown, f"docs/api.rst lists {unknown} under sklearn_emnist.{sub}"


def test_top_level_names_are_documented_under_a_subpackage():
    documented = {id(obj) for _, _, obj in _public(("class", "function", "data"))}
    undocumented = [
        name for name in sklearn_emnist.__all__
        if name != "__version__" and id(getattr(sklearn_emnist, name)) not in documented
    ]
    assert not undocumented, f"top-level names missing from every subpackage's __all__: {undocumented}"


def _is_record_or_error(obj):
    return inspect.isclass(obj) and (
        issubclass(obj, (Exception, Warning)) or hasattr(obj, "__dataclass_fields__")
        or issubclass(obj, tuple)
    )


@pytest.mark.parametrize(
    "qualname, obj",
    [
        pytest.param(
            f"sklearn_emnist.{sub}.{name}", obj,
            marks=[pytest.mark.xfail(reason=MISSING_EXAMPLES[f"sklearn_emnist.{sub}.{name}"])]
            if f"sklearn_emnist.{sub}.{name}" in MISSING_EXAMPLES else [],
            id=f"{sub}.{name}",
        )
        for sub, name, obj in _public()
        if not _is_record_or_error(obj)
    ],
)
def test_public_name_has_a_numpydoc_examples_section(qualname, obj):
    doc = inspect.getdoc(obj) or ""
    # the Examples section runs to the next numpydoc section or the end
    section = re.search(
        r"^Examples\n-{8}\n(.*?)(?:\n\S[^\n]*\n-{3,}\n|\Z)", doc, flags=re.M | re.S
    )
    assert section and re.search(r"^>>> ", section.group(1), flags=re.M), (
        f"{qualname} needs a numpydoc 'Examples' section with a doctest"
    )


# The checks docs/conf.py enforces in the build (numpydoc_validation_checks).
BUILD_CHECKS = {"GL08", "PR02", "SS01", "SS03"}


@pytest.mark.parametrize(
    "qualname",
    [f"sklearn_emnist.{sub}.{name}" for sub, name, _ in _public()],
)
def test_public_docstring_passes_the_builds_numpydoc_checks(qualname):
    validate = pytest.importorskip("numpydoc.validate").validate
    errors = [f"{code}: {message}" for code, message in validate(qualname)["errors"]
              if code in BUILD_CHECKS]
    assert not errors, f"{qualname}: {errors}"
