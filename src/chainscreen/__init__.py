"""chainscreen: screen supply-chain manifests for forced-labour and child-labour risk.

The library entry point is :func:`chainscreen.screen`::

    import chainscreen
    result = chainscreen.screen("suppliers.xlsx")
    result.frame  # one row per input row, with level, score and reasons
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chainscreen.version import __version__

if TYPE_CHECKING:
    from chainscreen.result import ScreenResult


def screen(source: Any, **kwargs: Any) -> ScreenResult:
    """Screen a manifest (a path or a pandas DataFrame); see :func:`chainscreen.pipeline.screen`."""
    from chainscreen.pipeline import screen as _screen

    return _screen(source, **kwargs)


__all__ = ["__version__", "screen"]
