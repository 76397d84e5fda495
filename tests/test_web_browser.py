"""The review app as an analyst uses it: a real headless Chromium (Debian's chromium, driven by
chromedriver through Selenium) on the sample run — open the run, filter, decide hits with the
keyboard until none is open, download the reviewed workbook and find the decisions in it.

Skipped, with the reason, where Chromium, chromedriver or Selenium are missing."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("starlette", reason="the review app needs the web extra: pip install 'chainscreen[web]'")
pytest.importorskip("uvicorn", reason="the review app needs the web extra: pip install 'chainscreen[web]'")

from _web import (  # noqa: E402
    SAMPLE_XLSX,
    browser_paths,
    chromium,
    decide_by_keyboard,
    download,
    live_server,
    navigating,
    press,
    store_run,
    workbook_decisions,
)

from chainscreen.store import open_store  # noqa: E402
from chainscreen.web.app import create_app  # noqa: E402

_found = browser_paths()
pytestmark = pytest.mark.skipif(isinstance(_found, str), reason=str(_found))


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Any, int]]:
    """The sample supplier list screened and stored, served on a free port."""
    url = f"sqlite:///{tmp_path_factory.mktemp('webui') / 'runs.sqlite'}"
    with open_store(url) as store:
        run = store_run(store, SAMPLE_XLSX)
        with live_server(create_app(store)) as base:
            yield base, store, run.id


@pytest.fixture()
def browser(tmp_path: Path) -> Iterator[tuple[Any, Path]]:
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    driver = chromium(tmp_path / "profile", downloads)
    try:
        yield driver, downloads
    finally:
        driver.quit()


def test_review_the_sample_run_by_keyboard(sample: tuple[str, Any, int],
                                           browser: tuple[Any, Path]) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import Select

    base, store, run_id = sample
    driver, downloads = browser
    hits = store.hits(run_id)
    assert len(hits) >= 3

    driver.get(base + "/")
    assert "importer_suppliers.xlsx" in driver.page_source
    navigating(driver, lambda: driver.find_element(By.LINK_TEXT, f"run {run_id}").click())
    assert driver.find_element(By.ID, "count-open").text == str(len(hits))

    # filter: one list only (a filter applies when chosen)
    navigating(driver, lambda: Select(driver.find_element(By.NAME, "list")).select_by_value(
        "uflpa-entity-list"))
    press(driver, Keys.ESCAPE)  # leave the filter bar; the keys work the queue again
    shown = driver.find_elements(By.CSS_SELECTOR, "#queue tr[data-hit]")
    on_list = [h for h in hits if h.list_id == "uflpa-entity-list"]
    assert len(shown) == len(on_list) >= 3
    assert all(":uflpa-" in r.get_attribute("data-hit") for r in shown)

    # three decisions by keyboard: open the first hit, dismiss, confirm, escalate
    started = time.perf_counter()
    first = shown[0].get_attribute("data-hit")
    navigating(driver, lambda: press(driver, Keys.ENTER))
    assert first in driver.current_url
    decided: dict[str, str] = {}
    for key, note in (("d", "different company: other city, no shared owners"),
                      ("c", "same company, address matches the listing"),
                      ("e", "ask the supplier for its registration")):
        supplier = driver.find_element(By.CSS_SELECTOR, "#input-row table").text
        ref = driver.current_url.split("/hits/")[1].split("?")[0]
        decide_by_keyboard(driver, key, note=note, by="ana")
        decided[ref] = key
        assert supplier  # the page showed the user's own row

    # the rest of the run, unfiltered, one key per hit
    navigating(driver, lambda: driver.get(f"{base}/runs/{run_id}"))
    remaining = len(driver.find_elements(By.CSS_SELECTOR, "#queue tr[data-hit]"))
    assert remaining == len(hits) - 3
    navigating(driver, lambda: press(driver, Keys.ENTER))
    pressed = 3
    while "/hits/" in driver.current_url and pressed < 2 * len(hits):
        decide_by_keyboard(driver, "d", by="ana")  # one decision can settle a hit on another row too
        pressed += 1
    elapsed = time.perf_counter() - started
    assert "/hits/" not in driver.current_url  # back on the queue: nothing left in this view
    assert driver.find_element(By.ID, "count-open").text == "0"
    assert driver.find_element(By.ID, "count-dismiss").text == str(len(hits) - 2)
    assert driver.find_element(By.ID, "count-confirm").text == "1"
    assert driver.find_element(By.ID, "count-escalate").text == "1"
    print(f"\nreviewed {len(hits)} hits of the sample run by keyboard ({pressed} decisions) in "
          f"{elapsed:.1f} s ({elapsed / pressed:.2f} s a decision, headless Chromium, this machine)")

    # the reviewed workbook carries every decision
    driver.find_element(By.ID, "dl-xlsx").click()
    book = download(downloads, ".xlsx")
    texts = workbook_decisions(book)
    assert sum("cleared by ana" in t for t in texts) >= 1
    # (one decision holds on every row where the same supplier appears the same way)
    assert sum("confirmed by ana" in t for t in texts) >= 1
    assert sum("escalated by ana" in t for t in texts) >= 1
    assert sorted(d.status for d in store.decisions()).count("confirm") == 1
    assert any("different company: other city" in t for t in texts)
    confirmed = next(t for t in texts if "confirmed by ana" in t)
    assert confirmed.startswith("high")  # a confirmed hit stays
    assert all(d.by == "ana" for d in store.decisions())
    assert len(store.decisions()) >= len(hits)
