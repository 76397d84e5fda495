"""The installed version of chainscreen (what every receipt records)."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("chainscreen")
except PackageNotFoundError:  # running from a source tree without install
    __version__ = "0.0.0+unknown"
