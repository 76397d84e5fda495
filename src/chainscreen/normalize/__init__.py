"""Normalisers: party names, countries and goods, each a pure function of its input.

* :mod:`chainscreen.normalize.names` - comparable name keys, legal forms, placeholders;
* :mod:`chainscreen.normalize.countries` - ISO 3166-1 alpha-2 codes, Xinjiang mentions;
* :mod:`chainscreen.normalize.goods` - HS codes and descriptions -> DOL goods, UFLPA sectors.

The submodules are imported on use, so importing this package stays cheap.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any


class NonAsciiPattern:
    """A regular expression every match of which holds a non-ASCII character (Han, kana,
    Hangul, Cyrillic ranges; Chinese legal forms), compiled on first use by text that is not
    ASCII. Compiling a class of large Unicode ranges costs milliseconds each, and ASCII text
    (most names and addresses in trade data) cannot match such a pattern, so it is answered
    without it: a one-name ``chainscreen check`` compiles none."""

    __slots__ = ("_compiled", "flags", "source")

    def __init__(self, source: str, flags: int = 0) -> None:
        self.source, self.flags = source, flags
        self._compiled: re.Pattern[str] | None = None

    @property
    def compiled(self) -> re.Pattern[str]:
        """The compiled pattern (compiled now if it was not yet)."""
        if self._compiled is None:
            self._compiled = re.compile(self.source, self.flags)
        return self._compiled

    def search(self, text: str) -> re.Match[str] | None:
        """:meth:`re.Pattern.search`; None at once for ASCII text."""
        return None if text.isascii() else self.compiled.search(text)

    def finditer(self, text: str) -> Iterator[re.Match[str]]:
        """:meth:`re.Pattern.finditer`; nothing for ASCII text."""
        return iter(()) if text.isascii() else self.compiled.finditer(text)

    def sub(self, repl: str | Callable[[re.Match[str]], Any], text: str) -> str:
        """:meth:`re.Pattern.sub`; the text unchanged when it is ASCII."""
        return text if text.isascii() else self.compiled.sub(repl, text)
