"""Column roles from header words (13 languages, compound and qualified headers) and from values.

Headers and values here are synthetic test fixtures, written as real exports write them.
"""

from __future__ import annotations

import pytest

from chainscreen.columns import assign_roles, header_words, map_columns


@pytest.mark.parametrize(("header", "role", "language"), [
    ("Nom du fournisseur", "supplier", "fr"), ("Pays d'origine", "country", "fr"),
    ("Désignation des marchandises", "goods", "fr"), ("Razón social", "supplier", "es"),
    ("País de origen", "country", "es"), ("Partida arancelaria", "hs_code", "es"),
    ("Nome do fornecedor", "supplier", "pt"), ("País de origem", "country", "pt"),
    ("Lieferant", "supplier", "de"), ("Ursprungsland", "country", "de"), ("Zolltarifnummer", "hs_code", "de"),
    ("Fornitore", "supplier", "it"), ("Paese di origine", "country", "it"),
    ("Leverancier", "supplier", "nl"), ("Land van herkomst", "country", "nl"),
    ("Tedarikçi Adı", "supplier", "tr"), ("Menşe Ülke", "country", "tr"), ("GTİP", "hs_code", "tr"),
    ("Nhà cung cấp", "supplier", "vi"), ("Xuất xứ", "country", "vi"), ("Mã HS", "hs_code", "vi"),
    ("Nama Pemasok", "supplier", "id"), ("Negara Asal", "country", "id"), ("Uraian Barang", "goods", "id"),
    ("供应商名称", "supplier", "zh"), ("原产国", "country", "zh"), ("商品名称", "goods", "zh"),
    ("仕入先名", "supplier", "ja"), ("原産国", "country", "ja"), ("品名", "goods", "zh"),
    ("공급업체명", "supplier", "ko"), ("원산지", "country", "ko"), ("품명", "goods", "ko"),
])
def test_header_words_in_thirteen_languages(header: str, role: str, language: str) -> None:
    report = assign_roles([header])
    found = report.role(role)
    assert found is not None and found.header == header
    assert found.how == "language" and found.language == language


def test_every_language_has_words_for_the_key_roles() -> None:
    languages = {a.language for a in header_words()}
    assert {"en", "fr", "es", "pt", "de", "it", "nl", "tr", "vi", "id", "zh", "ja", "ko"} <= languages
    for language in languages:
        roles = {a.role for a in header_words() if a.language == language}
        assert {"supplier", "country", "goods", "hs_code"} <= roles, language


@pytest.mark.parametrize(("header", "role"), [
    ("Exporter / Manufacturer", "supplier"), ("Supplier/Factory Name", "supplier"),
    ("Seller – Exporter", "supplier"), ("Country/Territory", "country"), ("Country (ISO)", "country"),
    ("Country / Region", "country"), ("Country of Origin (COO)", "country"), ("Value (USD)", "value"),
])
def test_compound_and_qualified_headers(header: str, role: str) -> None:
    assert map_columns([header]) == {role: header}


def test_compound_of_two_roles_is_left_to_the_values() -> None:
    assert map_columns(["Name / Address"]) == {}


def test_buyer_and_destination_are_never_the_supplier_or_origin() -> None:
    report = assign_roles(["Consignee Name", "Importer", "Destination Country", "Exporter"])
    assert report.mapping == {"supplier": "Exporter"}
    assert {r.role for r in report.set_aside} == {"buyer", "destination"}


def test_values_decide_roles_the_headers_leave_missing() -> None:
    headers = ["Col A", "Col B", "Col C", "Col D"]
    rows = [["Acme Textiles Co., Ltd.", "CN, CHINA", "6109.10", "cotton t-shirts"],
            ["Nord Garn GmbH", "Germany", "5205.12", "cotton yarn"],
            ["PT Sinar Jaya", "Indonesia", "6403.99", "leather shoes"],
            ["Lakeside Textiles Pvt Ltd", "IN", "5208.11", "woven cotton fabric"]]
    report = assign_roles(headers, rows=rows)
    assert report.mapping == {"supplier": "Col A", "country": "Col B", "goods": "Col D", "hs_code": "Col C"}
    assert {r.how for r in report.roles} == {"content"}


def test_a_country_column_that_is_the_destination_is_set_aside() -> None:
    headers = ["Exporter", "Country", "Destination Country"]
    rows = [["A Ltd", "OM", "OMAN"], ["B Ltd", "NP", "NEPAL"], ["C Ltd", "IN", "INDIA"]]
    report = assign_roles(headers, rows=rows)
    assert "country" not in report.mapping
    assert [r.header for r in report.set_aside if r.role == "destination"] == ["Destination Country", "Country"]


def test_coverage_names_missing_roles_and_the_map_that_fixes_them() -> None:
    headers = ["Supplier", "Place"]
    # half the places are countries: too few to take the column, enough to suggest it
    rows = [["Acme Co", "China"], ["Nord AG", "Hamburg harbour"], ["Sinar PT", "Indonesia"], ["Lake Ltd", "dock 4"]]
    report = assign_roles(headers, rows=rows)
    assert report.mapping == {"supplier": "Supplier"}
    coverage = report.coverage(4, {"origin": 4, "goods": 4})
    missing = {g["role"]: g for g in coverage["missing"]}
    assert set(missing) == {"country", "goods"}
    assert missing["country"]["fix"] == "--map country=Place" and missing["country"]["rows_unscreened"] == 4
    assert missing["goods"]["fix"] == "--map goods=HEADER"
    assert coverage["unmapped_headers"] == ["Place"]


# --------------------------------------------------------------------------- rows screened on every facet
# (synthetic rows: names invented, countries and goods real)


def test_rows_are_screened_on_every_facet_they_have(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from chainscreen.pipeline import screen

    path = tmp_path / "facets.csv"
    path.write_text("Supplier,Country,Description\n"
                    "Acme Apparel Co Ltd,China,\n"          # no goods: partial, screened on the rest
                    "TO ORDER,China,cotton t-shirts\n"      # placeholder party: origin and goods
                    "CONFIDENTIAL,,\n"                       # nothing to screen
                    "Nord Garn AG,Atlantis,cotton yarn\n",  # unknown country: a per-row problem
                    encoding="utf-8")
    result = screen(path)
    first, order, redacted, atlantis = result.rows
    assert first.status == "partial" and first.level != "unscreenable"
    assert "not screened: no goods description or HS code" in first.reasons
    assert order.status == "partial" and order.level in ("elevated", "low", "high")
    assert any("placeholder: to order" in r for r in order.reasons)
    assert any("placeholder (to order)" in p.reason for p in order.problems)
    assert redacted.status == "unscreenable" and any("redacted" in r for r in redacted.reasons)
    assert atlantis.status == "partial" and any("unknown country 'Atlantis'" in p.reason for p in atlantis.problems)
    coverage = result.coverage
    assert coverage is not None
    assert coverage["unscreened"] == {"supplier": 2, "origin": 2, "goods": 2}
    assert coverage["missing"] == []


def test_strict_refuses_a_file_without_a_country_column(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from click.testing import CliRunner

    from chainscreen.cli import cli

    path = tmp_path / "names.csv"
    path.write_text("Supplier,Description\nAcme Co,cotton yarn\n", encoding="utf-8")
    runner = CliRunner()
    loose = runner.invoke(cli, ["screen", str(path), "-o", str(tmp_path / "a"), "--no-store",
                                "--format", "json"])
    assert loose.exit_code == 0, loose.output
    assert "MISSING country column: 1 of 1 rows" in loose.output and "--map country=HEADER" in loose.output
    strict = runner.invoke(cli, ["screen", str(path), "-o", str(tmp_path / "b"), "--no-store", "--strict"])
    assert strict.exit_code == 1
    assert "no country column (--strict)" in strict.output and "--map country=HEADER" in strict.output
    assert not (tmp_path / "b").exists()


def test_the_buying_side_is_never_suggested_as_the_origin() -> None:
    headers = ["Exporter", "Consignee Address"]
    rows = [["A Ltd", "Savannah, United States"], ["B Ltd", "United States"], ["C Ltd", "USA"]]
    report = assign_roles(headers, rows=rows)
    assert "country" not in report.candidates
