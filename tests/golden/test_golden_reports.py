"""Golden-file tests: every disclosure template (HTML and Markdown) against its expected output."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from chainscreen.report import disclosure
from chainscreen.resources import templates_dir

ROOT = Path(__file__).resolve().parents[2]
RESULTS = Path(__file__).parent / "inputs" / "importer_suppliers.results.json"
TODAY = date(2026, 11, 23)
STAMP = "2026-11-23T00:00:00+00:00"


@pytest.fixture(scope="module")
def results() -> list[dict]:
    return [json.loads(RESULTS.read_text(encoding="utf-8"))]


@pytest.mark.parametrize("regime", disclosure.REGIMES)
@pytest.mark.parametrize("fmt", ["html", "md"])
def test_sample_profile_drafts(regime: str, fmt: str, results: list[dict], golden) -> None:  # type: ignore[no-untyped-def]
    profile = disclosure.load_profile(ROOT / "sample_inputs" / "company_profile.toml")
    ctx = disclosure.draft_context(disclosure.load_regimes()[regime], profile, results, today=TODAY,
                                   generated_at=STAMP, profile_name="company_profile.toml")
    golden(f"{regime}.sample.{fmt}", disclosure.render_draft(regime, ctx, fmt))


@pytest.mark.parametrize("fmt", ["html", "md"])
def test_empty_profile_s211(fmt: str, golden) -> None:  # type: ignore[no-untyped-def]
    """The init-profile template, unfilled and without runs: every element shows a placeholder."""
    profile = disclosure.load_profile(templates_dir() / "profile.toml")
    ctx = disclosure.draft_context(disclosure.load_regimes()["s211"], profile, [], today=TODAY,
                                   generated_at=STAMP, profile_name="profile.toml")
    text = disclosure.render_draft("s211", ctx, fmt)
    assert text.count("To be completed") >= 5
    golden(f"s211.empty.{fmt}", text)


@pytest.mark.parametrize("fmt", ["html", "md"])
def test_sector_brief(fmt: str, results: list[dict], golden) -> None:  # type: ignore[no-untyped-def]
    ctx = disclosure.sector_context(["cotton"], results, today=TODAY, generated_at=STAMP)
    golden(f"sector.cotton.{fmt}", disclosure.render_draft("sector", ctx, fmt))


@pytest.fixture(scope="module")
def screened():  # type: ignore[no-untyped-def]
    """The synthetic sample manifest screened with the shipped lists, its timestamps fixed."""
    from chainscreen.pipeline import screen

    result = screen(ROOT / "sample_inputs" / "importer_suppliers.xlsx")
    result.receipt["started"] = result.receipt["finished"] = STAMP
    return result


@pytest.mark.parametrize("fmt", ["html", "md"])
def test_screening_report(fmt: str, screened, golden) -> None:  # type: ignore[no-untyped-def]
    """The screening report: entity hits first, then Xinjiang nexus, sector risk, what could not be screened."""
    from chainscreen.report.render import render

    golden(f"screening.importer_suppliers.{fmt}", render(screened, f"screening.{fmt}.j2", today=TODAY))
