"""The real-file corpus (tests/data/real/corpus.toml): its entries and where their files are.

The files are public supplier/factory lists and customs extracts kept byte for byte by their
publishers; this repository holds only their provenance. ``scripts/fetch_real_files.py`` fetches
them into tests/data/real/files/; a copy in ../shared/real-files/ beside the repository is used too.
"""

from __future__ import annotations

import hashlib
import tomllib
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
CORPUS = HERE / "data" / "real" / "corpus.toml"
FOLDERS = (HERE / "data" / "real" / "files", HERE.parents[1] / "shared" / "real-files")
ABSENT = "real-file corpus not fetched: run python scripts/fetch_real_files.py"


def entries() -> list[dict[str, Any]]:
    """Every corpus entry, in file order."""
    return list(tomllib.loads(CORPUS.read_text(encoding="utf-8"))["file"])


def locate(name: str) -> Path | None:
    """The fetched copy of corpus file ``name``, or None when it is absent."""
    for folder in FOLDERS:
        path = folder / name
        if path.is_file():
            return path
    return None


def present() -> list[Path]:
    """The corpus files that are present."""
    return [p for p in (locate(e["name"]) for e in entries()) if p is not None]


def git_blob_id(data: bytes) -> str:
    """The id git gives these bytes as a blob."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()
