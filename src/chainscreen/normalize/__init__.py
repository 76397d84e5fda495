"""Normalisers: party names, countries and goods, each a pure function of its input.

* :mod:`chainscreen.normalize.names` - comparable name keys, legal forms, placeholders;
* :mod:`chainscreen.normalize.countries` - ISO 3166-1 alpha-2 codes, Xinjiang mentions;
* :mod:`chainscreen.normalize.goods` - HS codes and descriptions -> DOL goods, UFLPA sectors.

The submodules are imported on use, so importing this package stays cheap.
"""

from __future__ import annotations
