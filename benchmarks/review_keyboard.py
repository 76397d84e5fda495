"""Time to review the sample run's hits by keyboard in the review web app, in a real browser.

Run:  python -m benchmarks.review_keyboard [--screenshots docs]

Screens the three sample inputs into a fresh run store, starts ``chainscreen serve``'s app on a
free local port and drives headless Chromium (Debian's chromium + chromedriver, through
Selenium) as an analyst at the keyboard would on the supplier list's run: open the run, press
Enter on the first hit, then one key per hit (d, and c/e on two of them, with a typed note on
three) until no hit is open. Prints the wall-clock time from the first key to the empty queue,
per decision, and the server's share. With --screenshots, saves the runs, queue and hit pages
as PNG files (docs/review-runs.png, docs/review-queue.png, docs/review-hit.png).

The time is scripted keystrokes, so it measures the app and the browser (page loads, the
decision round trip), not a person's reading; it is noisy on a loaded machine.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ("importer_suppliers.xlsx", "broker_entries.csv", "procurement_prescreen.csv")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--screenshots", type=Path, help="folder for the three page screenshots")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT / "tests"))
    from _web import (  # the browser helpers the tests use
        browser_paths,
        chromium,
        decide_by_keyboard,
        live_server,
        navigating,
        press,
        store_run,
    )
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    from chainscreen.store import open_store
    from chainscreen.web.app import create_app

    found = browser_paths()
    if isinstance(found, str):
        sys.exit(f"cannot run: {found}")
    with tempfile.TemporaryDirectory(prefix="chainscreen-review-bench-") as tmp:
        folder = Path(tmp)
        with open_store(f"sqlite:///{folder / 'runs.sqlite'}") as store:
            runs = [store_run(store, ROOT / "sample_inputs" / name) for name in reversed(SAMPLES)]
            run = runs[-1]  # the supplier list, screened last: the top of the runs page
            hits = store.hits(run.id)
            with live_server(create_app(store)) as base:
                driver = chromium(folder / "profile", folder / "downloads")
                try:
                    driver.set_window_size(1400, 1000)
                    driver.get(base + "/")
                    if args.screenshots:
                        args.screenshots.mkdir(parents=True, exist_ok=True)
                        driver.save_screenshot(str(args.screenshots / "review-runs.png"))
                    navigating(driver, lambda: driver.get(f"{base}/runs/{run.id}"))
                    if args.screenshots:
                        driver.set_window_size(1400, 1250)
                        driver.save_screenshot(str(args.screenshots / "review-queue.png"))
                        driver.set_window_size(1400, 1000)
                    started = time.perf_counter()
                    navigating(driver, lambda: press(driver, Keys.ENTER))
                    plan = [("d", "different company: other city, no shared owners"),
                            ("c", "same company, address matches the listing"),
                            ("e", "ask the supplier for its registration")]
                    decisions = 0
                    while "/hits/" in driver.current_url and decisions < 3 * len(hits):
                        key, note = plan[decisions] if decisions < len(plan) else ("d", "")
                        if args.screenshots and decisions == 1:
                            driver.set_window_size(1400, 1500)
                            press(driver, "n")
                            press(driver, note, Keys.ESCAPE)
                            driver.save_screenshot(str(args.screenshots / "review-hit.png"))
                            driver.set_window_size(1400, 1000)
                            note = ""  # already typed
                        decide_by_keyboard(driver, key, note=note, by="ana")
                        decisions += 1
                    elapsed = time.perf_counter() - started
                    still_open = driver.find_element(By.ID, "count-open").text
                finally:
                    driver.quit()
    print(f"sample run {SAMPLES[0]}: {len(hits)} hits, {decisions} keyboard decisions, "
          f"{still_open} left open")
    print(f"time from the first key to the empty queue: {elapsed:.1f} s "
          f"({elapsed / max(decisions, 1):.2f} s a decision, page loads included)")


if __name__ == "__main__":
    main()
