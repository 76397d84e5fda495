"""The sector analysis (what the shipped lists say about some goods) as a unit."""

from __future__ import annotations

import pytest

from chainscreen.errors import InputError
from chainscreen.reference import load_reference
from chainscreen.sector import analyse_sector


def test_cotton_reads_dol_goods_countries_and_sector() -> None:
    found = analyse_sector(["cotton"], load_reference())
    assert "Cotton" in found.dol_goods
    names = [c["iso2"] for c in found.listed]
    assert "CN" in names and names == list(dict.fromkeys(names))  # one entry per country
    china = next(c for c in found.listed if c["iso2"] == "CN")
    assert china["forced"] >= 1 and any(g["good"] == "Cotton" for g in china["goods"])
    assert found.keywords and all(len(k) >= 4 for k in found.keywords)


def test_country_filter_and_unknown_terms() -> None:
    found = analyse_sector(["cotton"], load_reference(), countries=["China"])
    assert found.countries == ["CN"] and {c["iso2"] for c in found.listed} == {"CN"}
    with pytest.raises(InputError, match="no DOL good or UFLPA sector"):
        analyse_sector(["quantum widgets"], load_reference())
    with pytest.raises(InputError, match="unknown country"):
        analyse_sector(["cotton"], load_reference(), countries=["Atlantis"])
