"""chainscreen: screen supply-chain manifests for forced-labour and child-labour risk.

The library entry point is :func:`chainscreen.screen`::

    import chainscreen
    result = chainscreen.screen("suppliers.xlsx")
    result.frame  # one row per input row, with level, score and reasons
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING, Any

try:
    __version__ = version("chainscreen")
except PackageNotFoundError:  # running from a source tree without install
    __version__ = "0.0.0+unknown"

if TYPE_CHECKING:
    from chainscreen.pipeline import ScreenResult


def screen(source: Any, **kwargs: Any) -> ScreenResult:
    """Screen a manifest (a path or a pandas DataFrame); see :func:`chainscreen.pipeline.screen`."""
    from chainscreen.pipeline import screen as _screen

    return _screen(source, **kwargs)


__all__ = ["__version__", "screen"]
