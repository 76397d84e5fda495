"""The installed version of chainscreen (what every receipt records)."""

from __future__ import annotations

import os
import sys


def _installed_version() -> str:
    """The version of the installed distribution, as ``importlib.metadata.version`` finds it
    (the first ``chainscreen-VERSION.dist-info`` folder along ``sys.path``), without importing
    ``importlib.metadata`` and the e-mail parser it loads: a tenth of ``check``'s start-up."""
    for entry in sys.path:
        try:
            names = os.listdir(entry or ".")
        except OSError:
            continue
        for name in names:
            if name.startswith("chainscreen-") and name.endswith(".dist-info"):
                return name[len("chainscreen-"):-len(".dist-info")]
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("chainscreen")
    except PackageNotFoundError:  # running from a source tree without install
        return "0.0.0+unknown"


__version__ = _installed_version()
