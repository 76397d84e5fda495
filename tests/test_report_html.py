"""The HTML screening report and disclosure drafts: self-contained, and rendered by a real browser.

The browser tests use headless Chromium from the OS packages (``apt-get install chromium``) and
skip, saying so, when it is absent.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from datetime import date
from html.parser import HTMLParser
from pathlib import Path

import pytest

from chainscreen.pipeline import screen
from chainscreen.reference import RISK_KINDS, list_kinds
from chainscreen.report import disclosure, render

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "sample_inputs" / "importer_suppliers.xlsx"
TODAY = date(2026, 11, 23)


class _Tags(HTMLParser):
    """Counts tags and collects text and attributes of a document."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: dict[str, int] = {}
        self.attrs: list[tuple[str, str, str]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags[tag] = self.tags.get(tag, 0) + 1
        self.attrs += [(tag, k, v or "") for k, v in attrs]

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse(html: str) -> _Tags:
    p = _Tags()
    p.feed(html)
    return p


@pytest.fixture(scope="module")
def result():  # type: ignore[no-untyped-def]
    return screen(SAMPLE)


@pytest.fixture(scope="module")
def report_html(result) -> str:  # type: ignore[no-untyped-def]
    return render.render(result, "screening.html.j2", today=TODAY)


def _self_contained(html: str) -> None:
    doc = parse(html)
    assert "script" not in doc.tags and "link" not in doc.tags and "img" not in doc.tags
    external = [(t, k, v) for t, k, v in doc.attrs if k in ("src", "href") and re.match(r"\w+:", v)]
    assert not external, external
    assert "@import" not in html and "url(" not in html


def test_screening_report_content(result, report_html: str) -> None:  # type: ignore[no-untyped-def]
    _self_contained(report_html)
    doc = parse(report_html)
    text = " ".join(doc.text)
    counts = result.counts()
    assert f"{counts['clear']} clear" in text and "built-in method" not in text
    assert doc.tags["svg"] == 2 and doc.tags["figure"] == 2
    from chainscreen.result import triage_group

    hits = sum(1 for r in result.rows if triage_group(r) < 2)
    assert f"Act first: entity hits ({hits})" in text
    assert text.index("Act first: entity hits") < text.index("Sector risk") < text.index("Rows with risk")
    kinds = list_kinds()
    for lst in result.receipt["lists"]:
        if kinds[lst["id"]] in RISK_KINDS:
            assert lst["id"] in text and str(lst["edition"]) in text
    # The receipt records the HS codes and the goods concordance; "Lists used" shows risk lists.
    assert "hs2022-sections" not in text and "dol-goods-concordance" not in text
    assert "undated" not in text and "2026-07-31 (DHS" in text  # the newer UFLPA list is named
    assert "Method and limitations" in text


def test_chart_legend_fits(result) -> None:  # type: ignore[no-untyped-def]
    chart = render.report_context(result, today=TODAY)["country_chart"]
    used = {s["level"] for b in chart["bars"] for s in b["segs"]}
    assert [x["label"] for x in chart["legend"]] == [
        lv for lv in ("high", "elevated", "low", "unscreenable") if lv in used]
    last = chart["legend"][-1]
    assert last["x"] + 16 + 7 * len(last["label"]) <= chart["width"]
    assert all(s["x"] + s["w"] <= chart["width"] for b in chart["bars"] for s in b["segs"])


def test_disclosure_drafts_self_contained() -> None:
    results = [json.loads((ROOT / "tests" / "golden" / "inputs" / "importer_suppliers.results.json")
                          .read_text(encoding="utf-8"))]
    profile = disclosure.load_profile(ROOT / "sample_inputs" / "company_profile.toml")
    for regime in disclosure.REGIMES:
        ctx = disclosure.draft_context(disclosure.load_regimes()[regime], profile, results,
                                       today=TODAY, generated_at="x")
        html = disclosure.render_draft(regime, ctx, "html")
        _self_contained(html)
        assert "Not legal advice" in html and ctx["regime"].law_current_to in html


# -- a real browser ---------------------------------------------------------------------------

def _chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    pytest.skip("headless Chromium not installed (apt-get install chromium): browser test skipped")


def _browser(args: list[str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    cmd = [_chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
           "--disable-background-networking", "--disable-component-update", "--disable-sync",
           f"--user-data-dir={tmp_path / 'profile'}", *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)


def test_chromium_renders_screening_report(report_html: str, tmp_path: Path) -> None:
    page = tmp_path / "report.html"
    page.write_text(report_html, encoding="utf-8")
    proc = _browser(["--dump-dom", page.as_uri()], tmp_path)
    assert proc.returncode == 0, proc.stderr[-2000:]
    dom = parse(proc.stdout)
    source = parse(report_html)
    # The browser built the same document: same tables, rows, charts and bars.
    for tag in ("table", "tr", "svg", "rect", "h2"):
        assert dom.tags.get(tag) == source.tags.get(tag), tag
    assert "Summary" in " ".join(dom.text)

    shot = tmp_path / "report.png"
    proc = _browser(["--window-size=1200,1600", f"--screenshot={shot}", page.as_uri()], tmp_path)
    assert proc.returncode == 0 and shot.exists(), proc.stderr[-2000:]
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 50_000  # a blank page is a few kB


def test_chromium_renders_s211_draft(tmp_path: Path) -> None:
    results = [json.loads((ROOT / "tests" / "golden" / "inputs" / "importer_suppliers.results.json")
                          .read_text(encoding="utf-8"))]
    profile = disclosure.load_profile(ROOT / "sample_inputs" / "company_profile.toml")
    ctx = disclosure.draft_context(disclosure.load_regimes()["s211"], profile, results, today=TODAY,
                                   generated_at="x")
    page = tmp_path / "s211.html"
    page.write_text(disclosure.render_draft("s211", ctx, "html"), encoding="utf-8")
    proc = _browser(["--dump-dom", page.as_uri()], tmp_path)
    assert proc.returncode == 0, proc.stderr[-2000:]
    dom = parse(proc.stdout)
    text = " ".join(dom.text)
    for el in disclosure.load_regimes()["s211"].elements:  # by title; ids only in the checklist
        assert el.title in text and el.id not in text
    assert dom.tags.get("svg") == 2 and "Glossary" in text


def test_chart_labels_and_totals_fit() -> None:
    long = "Bolivia (Plurinational State of) (BO)"
    chart = render.bar_chart([(long, {"high": 1_234_567}), ("Peru (PE)", {"elevated": 3})],
                             ("high", "elevated"))
    for b in chart["bars"]:  # labels end 6 px left of the bars and start inside the picture
        assert chart["label_w"] - 6 - len(b["short"]) * render.CHAR_PX >= 0
        assert b["end"] + 4 + len(f"{b['total']:,}") * render.DIGIT_PX <= chart["width"]
    assert chart["bars"][0]["short"] == long  # 37 characters: cut only beyond MAX_LABEL (40)
    cut = render.bar_chart([("x" * 80, {"high": 1})], ("high",))["bars"][0]
    assert len(cut["short"]) == render.MAX_LABEL and cut["short"].endswith("…")
    html = render.environment().from_string(
        '{% from "_chart.html.j2" import chart %}{{ chart(c, "t") }}').render(c=chart)
    assert ">1,234,567</text>" in html and f"<title>{long}</title>" in html


def test_goods_differing_by_a_qualifier_share_one_bar() -> None:
    assert render.goods_family("Bricks (clay)") == "Bricks" == render.goods_family("Bricks")
    assert render.goods_family("Coca (stimulant plant)") == "Coca"
    tally = render.GoodsTally()
    tally.add({"Bricks"}, "elevated")
    tally.add({"Bricks (clay)"}, "high", 2)
    tally.add({"Bricks", "Bricks (clay)", "Cotton"}, "elevated")  # counted once in the family
    tally.add({"Coca (stimulant plant)"}, "low")
    bars = {k: dict(v) for k, v in tally.labelled().items()}
    assert bars == {"Bricks / Bricks (clay)": {"elevated": 2, "high": 2}, "Cotton": {"elevated": 1},
                    "Coca (stimulant plant)": {"low": 1}}


def test_sector_brief_chart_says_when_it_is_cut() -> None:
    ctx = disclosure.sector_context(["cotton"], today=TODAY, generated_at="x")
    shown, listed = ctx["listing_chart_shown"], len(ctx["listed"])
    assert len(ctx["listing_chart"]["bars"]) == shown == min(listed, disclosure.SECTOR_CHART_TOP)
    html = disclosure.render_draft("sector", ctx, "html")
    assert f"<h2>Countries the lists name ({listed})</h2>" in html
    if shown < listed:
        assert f"top {shown} of {listed} countries</figcaption>" in html
