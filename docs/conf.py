"""Sphinx configuration of the sklhep documentation.

Build with ``pip install -e ".[docs]"`` then ``sphinx-build -b html docs docs/_build/html``.
The gallery in ``examples/`` is executed during the build; the examples read the real
datasets from the folder named by ``SKLHEP_DATA`` and fall back to the built-in generators.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "docs"))  # _gallery.py: hooks named by qualified name

import sklhep  # noqa: E402

project = "sklhep"
author = "sklhep developers"
copyright = "2026, sklhep developers"
release = sklhep.__version__
version = release

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.intersphinx",
    "sphinx.ext.mathjax",
    "sphinx.ext.viewcode",
    "numpydoc",
    "myst_parser",
    "sphinx_gallery.gen_gallery",
]

source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
root_doc = "index"
exclude_patterns = ["_build", "Thumbs.db", ".DS_Store", "images/README*"]
myst_enable_extensions = ["colon_fence", "dollarmath"]
myst_heading_anchors = 3

templates_path = ["_templates"]
autosummary_generate = True
autodoc_default_options = {"members": True, "inherited-members": False}
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False

# Cross-links to numpy, scikit-learn, ... need their inventories from the internet: only
# when asked for (SKLHEP_DOCS_INTERSPHINX=1), so that an offline build has no warnings.
intersphinx_mapping = (
    {
        "python": ("https://docs.python.org/3", None),
        "numpy": ("https://numpy.org/doc/stable", None),
        "sklearn": ("https://scikit-learn.org/stable", None),
        "xgboost": ("https://xgboost.readthedocs.io/en/stable", None),
        "torch": ("https://pytorch.org/docs/stable", None),
    }
    if os.environ.get("SKLHEP_DOCS_INTERSPHINX")
    else {}
)
intersphinx_timeout = 5

html_theme = "pydata_sphinx_theme"
html_title = f"sklhep {release}"
html_static_path: list[str] = []

sphinx_gallery_conf = {
    "examples_dirs": str(ROOT / "examples"),
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
    "within_subsection_order": "FileNameSortKey",
    "download_all_examples": False,
    "remove_config_comments": True,
    "abort_on_example_error": True,
    "backreferences_dir": "generated/backreferences",
    "doc_module": ("sklhep",),
    "plot_gallery": os.environ.get("SKLHEP_DOCS_PLOT_GALLERY", "True"),
    "reset_modules": ("matplotlib", "seaborn", "_gallery.reset_sklearn"),
}


def _skip_sklearn_generated(
    app: object, what: str, name: str, obj: object, skip: bool, options: object
) -> bool | None:
    """Leave out the methods scikit-learn generates (``set_*_request``, ``set_output``):
    they are documented in scikit-learn, and their docstrings cite its glossary."""
    if name == "set_output" or (name.startswith("set_") and name.endswith("_request")):
        return True
    return None


def setup(app: object) -> None:
    app.connect("autodoc-skip-member", _skip_sklearn_generated)  # type: ignore[attr-defined]
