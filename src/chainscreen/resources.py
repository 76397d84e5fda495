"""Where the shipped reference lists and templates live, installed or in a source checkout."""

from __future__ import annotations

from functools import cache
from pathlib import Path


@cache
def _data_root() -> Path:
    # In a wheel, reference/ and templates/ are force-included under chainscreen/_data/.
    installed = Path(__file__).resolve().parent / "_data"
    if (installed / "reference").is_dir():
        return installed
    # Editable install or source checkout: the repository's top-level folders.
    return Path(__file__).resolve().parents[2]


def reference_dir() -> Path:
    """Folder holding the shipped risk lists and ``catalogue.json`` (another folder is passed to
    :func:`chainscreen.reference.load_reference` as ``root``; see :mod:`chainscreen.config`)."""
    return _data_root() / "reference"


def templates_dir() -> Path:
    """Folder holding the Jinja templates for reports and disclosures."""
    return _data_root() / "templates"


def schema_path(name: str) -> Path:
    """The published JSON schema ``name`` (e.g. ``screen-output``), from ``docs/schema/``."""
    return _data_root() / "docs" / "schema" / f"{name}.schema.json"
