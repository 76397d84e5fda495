"""Disclosure drafts: element data, the completeness check, figures from runs, DOCX/PDF output."""

from __future__ import annotations

import copy
import json
import re
import tomllib
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from chainscreen.report import disclosure
from chainscreen.resources import templates_dir

ROOT = Path(__file__).resolve().parents[1]
SAMPLE_PROFILE = ROOT / "sample_inputs" / "company_profile.toml"
RESULTS = ROOT / "tests" / "golden" / "inputs" / "importer_suppliers.results.json"
TODAY = date(2026, 11, 23)


@pytest.fixture(scope="module")
def results() -> list[dict[str, Any]]:
    return [json.loads(RESULTS.read_text(encoding="utf-8"))]


@pytest.fixture
def profile() -> dict[str, Any]:
    return disclosure.load_profile(SAMPLE_PROFILE)


def test_regime_data_matches_the_checklist_ids() -> None:
    regimes = disclosure.load_regimes()
    ids = {r: [e.id for e in regimes[r].elements] for r in disclosure.REGIMES}
    assert ids["s211"] == ["ca.steps", "ca.a", "ca.b", "ca.c", "ca.d", "ca.e", "ca.f", "ca.g",
                           "ca.approval.route", "ca.approval.statement", "ca.attestation"]
    assert ids["uk-msa"] == ["uk.statement", "uk.a", "uk.b", "uk.c", "uk.d", "uk.e", "uk.f",
                             "uk.approval.form"]
    assert ids["au-msa"][:7] == [f"au.{k}" for k in "abcdefg"]
    assert "us.list_checks" in ids["uflpa-evidence"]
    uk = regimes["uk-msa"]
    assert {e.id for e in uk.elements if e.level == "recommended"} == {f"uk.{k}" for k in "abcdef"}
    for r in regimes.values():  # staleness front matter on every regime
        assert r.law_current_to and r.guidance_page_date and r.questionnaire_version and r.verified_on


def test_profile_template_names_every_element_and_parses() -> None:
    text = (templates_dir() / "profile.toml").read_text(encoding="utf-8")
    tomllib.loads(text)
    for regime in disclosure.load_regimes().values():
        for el in regime.elements:
            assert el.id in text, el.id


def test_attestation_example_is_data_not_code() -> None:
    s211 = disclosure.load_regimes()["s211"]
    assert s211.attestation_example.startswith("In accordance with the requirements of the Fighting")
    assert "2025-12-18" in s211.attestation_source
    source = Path(disclosure.__file__).read_text(encoding="utf-8")
    assert "reasonable diligence" not in source


def test_sample_profile_is_complete_for_s211_and_uk(profile: dict, results: list) -> None:
    regimes = disclosure.load_regimes()
    assert disclosure.check(regimes["s211"], profile, results, today=TODAY).ok
    assert disclosure.check(regimes["uk-msa"], profile, results, today=TODAY).ok
    au = disclosure.check(regimes["au-msa"], profile, results, today=TODAY)
    assert not au.ok and {f.id for f in au.missing} >= {"au.a", "au.g", "au.approval"}


def test_empty_template_misses_every_required_s211_element() -> None:
    empty = disclosure.load_profile(templates_dir() / "profile.toml")
    rep = disclosure.check(disclosure.load_regimes()["s211"], empty, [], today=TODAY)
    assert {f.id for f in rep.missing} == {e.id for e in disclosure.load_regimes()["s211"].elements}
    messages = " ".join(f.message for f in rep.warnings)
    assert "applicability" in messages and "fy_end" in messages and "no screening runs" in messages


@pytest.mark.parametrize(("el_id", "value", "gap"), [
    ("ca.a", "", "no text"),
    ("ca.a", "TODO: describe", "no text"),
    ("ca.a", "We import apparel.", None),
    ("ca.d", {"answer": "no", "text": "No case arose."}, None),      # a stated "no" is compliant
    ("ca.d", {"answer": "no", "text": ""}, "no explanation"),
    ("ca.d", {"answer": "maybe", "text": "x"}, "answer one of yes / no / n/a"),
    ("ca.approval.route", "joint-parent", None),
    ("ca.approval.route", "board", "answer one of single"),
    ("ca.attestation", {"name": "A", "title": "Chair", "date": date(2026, 5, 1), "signature": "/s/ A",
                        "authority_to_bind": True}, None),
    ("ca.attestation", {"name": "A", "title": "Chair", "date": date(2026, 5, 1), "signature": "",
                        "authority_to_bind": False}, "lacks signature, authority_to_bind"),
])
def test_element_checks(el_id: str, value: Any, gap: str | None) -> None:
    el = disclosure.load_regimes()["s211"].element(el_id)
    got = disclosure.element_gap(el, value, has_runs=False)
    assert (got is None) if gap is None else (got is not None and gap in got), got


def test_evidence_status_and_runs_cover() -> None:
    us = disclosure.load_regimes()["uflpa-evidence"]
    tracing = us.element("us.tracing")
    assert disclosure.element_gap(tracing, {"status": "have", "documents": ["map v3"]}, False) is None
    assert disclosure.element_gap(tracing, {"status": "requested"}, True) == "evidence requested"
    assert disclosure.element_gap(tracing, {"status": "have", "documents": []}, False)
    checks = us.element("us.list_checks")
    assert disclosure.element_gap(checks, None, has_runs=True) is None
    assert disclosure.element_gap(checks, None, has_runs=False)


def test_uk_areas_warn_not_fail(profile: dict, results: list) -> None:
    p = copy.deepcopy(profile)
    p["uk"]["d"] = ""
    rep = disclosure.check(disclosure.load_regimes()["uk-msa"], p, results, today=TODAY)
    assert rep.ok and [f.id for f in rep.warnings] == ["uk.d"]


def test_s211_warnings(profile: dict, results: list) -> None:
    p = copy.deepcopy(profile)
    p["report"]["filing_date"] = date(2026, 6, 15)
    p["entity"].update(assets_cad=1_000_000, revenue_cad=50_000_000, employees=20)
    p["ca"]["f"]["text"] = "Training by jane.doe@example.com, call +1 902 555 0100."
    p["ca"]["typo"] = "x"
    rep = disclosure.check(disclosure.load_regimes()["s211"], p, results, today=TODAY)
    text = "\n".join(f"{f.id} {f.message}" for f in rep.warnings)
    assert "after the deadline 2026-05-31" in text
    assert "only 1 of the 3 size thresholds" in text
    assert "ca.f seems to contain an e-mail address or phone number" in text
    assert "ca.typo not an element" in text
    assert rep.ok  # warnings never fail the check


def test_figures_aggregate_without_names(results: list) -> None:
    f = disclosure.run_figures(results, today=TODAY)
    names = {r["supplier"].casefold() for r in results[0]["rows"] if r["supplier"]}
    assert f["rows"] == 66 and f["suppliers"] == len(names)
    assert sum(f["levels"].values()) == 66
    assert sum(c["rows"] for c in f["countries"]) == 66
    assert dict(f["decisions"])["confirm"] == 1 and f["remediation"] == 1
    assert ("withholding of wages", 1) in f["indicator_tags"]
    assert "parties" not in f
    assert any(lst["id"] == "uflpa-entity-list" for lst in f["lists"])
    named = disclosure.run_figures(results, today=TODAY, named=True)
    assert named["parties"][0]["level"] == "high"


def test_figures_without_decisions(results: list) -> None:
    bare = copy.deepcopy(results)
    for r in bare[0]["rows"]:
        r.pop("decision", None)
    f = disclosure.run_figures(bare, today=TODAY)
    assert dict(f["decisions"]) == {"undecided": f["flagged"]} and f["decided"] == 0


def test_s211_draft_names_no_supplier(profile: dict, results: list) -> None:
    ctx = disclosure.draft_context(disclosure.load_regimes()["s211"], profile, results, today=TODAY,
                                   generated_at="2026-11-23T00:00:00+00:00")
    html = disclosure.render_draft("s211", ctx, "html")
    suppliers = {r["supplier"] for r in results[0]["rows"] if r["supplier"]}
    leaked = [s for s in suppliers if s in html]
    assert not leaked, leaked
    assert "Not legal advice" in html and "2025-12-18" in html and "CAD 250,000" in html
    assert "<script" not in html.lower() and not re.search(r"""(src|href)=["']?https?:""", html)


def _body(text: str, fmt: str) -> str:
    """A draft without its completeness checklist and what follows it."""
    return text.split("<h2>Completeness</h2>" if fmt == "html" else "## Completeness")[0]


@pytest.mark.parametrize("regime", disclosure.REGIMES)
@pytest.mark.parametrize("fmt", ["html", "md"])
@pytest.mark.parametrize("filled", [True, False])
def test_draft_body_has_no_internal_markers(regime: str, fmt: str, filled: bool, profile: dict,
                                            results: list) -> None:
    """Element ids and check states belong in the completeness checklist, not in the prose."""
    reg = disclosure.load_regimes()[regime]
    prof = profile if filled else disclosure.load_profile(templates_dir() / "profile.toml")
    ctx = disclosure.draft_context(reg, prof, results if filled else [], today=TODAY, generated_at="x")
    text = disclosure.render_draft(regime, ctx, fmt)
    body = _body(text, fmt)
    for el in reg.elements:
        assert not re.search(rf"(?<![\w.]){re.escape(el.id)}(?![\w.])", body), el.id
    assert "check:" not in body
    plain = re.sub(r"<[^>]+>", "", body)
    states = [ln for ln in plain.splitlines() if ln.strip(" *_") in ("ok", "missing", "warning")
              or re.match(r"^\W*(missing|warning): ", ln)]
    assert not states, states
    checklist = text[len(body):]
    for f in ctx["check"].missing:  # the checklist names what is missing, by title and profile key
        assert f.id in checklist and f.title in checklist


def test_sector_brief_finds_lists_and_exposure(results: list) -> None:
    ctx = disclosure.sector_context(["cotton"], results, today=TODAY, generated_at="x")
    assert "Cotton" in ctx["dol_goods"]
    assert any(c["iso2"] == "CN" for c in ctx["listed"])
    assert ctx["entities"] and all(e["keyword"] in ctx["keywords"] for e in ctx["entities"])
    assert any("Cotton" in e["name"] for e in ctx["entities"])
    assert ctx["exposure"]["rows"] > 0 and ctx["exposure"]["rows"] <= 66
    only_in = disclosure.sector_context(["cotton"], [], countries=["India"], today=TODAY, generated_at="x")
    assert [c["iso2"] for c in only_in["listed"]] == ["IN"]


def test_sector_brief_unknown_goods() -> None:
    from chainscreen.errors import InputError

    with pytest.raises(InputError, match="no DOL good or UFLPA sector"):
        disclosure.sector_context(["zzzqqq"], [], today=TODAY, generated_at="x")


def test_docx_has_headings_and_tables(profile: dict, results: list, tmp_path: Path) -> None:
    docx = pytest.importorskip("docx", reason="python-docx not installed (extra chainscreen[docx])")
    ctx = disclosure.draft_context(disclosure.load_regimes()["s211"], profile, results, today=TODAY,
                                   generated_at="x")
    out = disclosure.write_draft("s211", ctx, "docx", tmp_path / "s211.docx")
    doc = docx.Document(str(out))
    headings = [p.text for p in doc.paragraphs if p.style.name.startswith("Heading")]
    assert "Attestation and signature" in headings and any("Glossary" in h for h in headings)
    assert len(doc.tables) >= 4
    assert any("China (CN)" in c.text for t in doc.tables for row in t.rows for c in row.cells)


def _skip_without_working_weasyprint() -> None:
    """Skip, with the reason, where WeasyPrint is missing, Pango is missing or too old: an old
    Pango or HarfBuzz makes WeasyPrint warn (a deprecation), which this suite treats as an error."""
    import warnings

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            from weasyprint import HTML

            HTML(string="<p>probe</p>").write_pdf()
        except (ImportError, OSError) as exc:
            pytest.skip(f"WeasyPrint or Pango not available (extra chainscreen[pdf]; Debian: "
                        f"libpango-1.0-0 libpangoft2-1.0-0): {exc}")
    if caught:
        pytest.skip(f"WeasyPrint warns on this system (Pango/HarfBuzz too old?): {caught[0].message}")


def test_pdf_pages(profile: dict, results: list, tmp_path: Path) -> None:
    _skip_without_working_weasyprint()
    ctx = disclosure.draft_context(disclosure.load_regimes()["s211"], profile, results, today=TODAY,
                                   generated_at="x")
    out = disclosure.write_draft("s211", ctx, "pdf", tmp_path / "s211.pdf")
    assert out.read_bytes().startswith(b"%PDF")
    pypdf = pytest.importorskip("pypdf", reason="pypdf not installed (test extra)")
    reader = pypdf.PdfReader(str(out))
    assert 3 <= len(reader.pages) <= 20
    first = reader.pages[0].extract_text()
    assert "Not legal advice" in first and "Harbor Point Imports LLC" in first
