"""Helpers for the review web app's tests: a run store with stored runs, a live server."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

DATA = Path(__file__).parent / "data" / "web"
SAMPLE = DATA / "review_sample.csv"
SAMPLE_XLSX = Path(__file__).resolve().parents[1] / "sample_inputs" / "importer_suppliers.xlsx"


def store_run(store: Any, path: Path) -> Any:
    """Screen ``path`` and store it as a run, as ``chainscreen screen`` does; returns the RunInfo."""
    from chainscreen.run import screen_run

    return screen_run(path, store=store).stored


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def live_server(app: Any) -> Iterator[str]:
    """Serve ``app`` with uvicorn on a free local port in a thread; yields its base URL."""
    import uvicorn

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                                           access_log=False))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the review app did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


# ---------------------------------------------------------------------------------------------
# a real browser (Debian's chromium driven by chromedriver through Selenium)

CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run",
                  "--disable-dev-shm-usage", "--window-size=1400,1000")


def browser_paths() -> tuple[str, str] | str:
    """(chromium, chromedriver), or why there is no browser to test with."""
    import shutil

    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed (pip install 'chainscreen[test]')"
    browser = next((p for p in (shutil.which("chromium"), shutil.which("chromium-browser"),
                                "/usr/bin/chromium") if p and Path(p).exists()), None)
    driver = next((p for p in (shutil.which("chromedriver"), "/usr/bin/chromedriver")
                   if p and Path(p).exists()), None)
    if browser is None or driver is None:
        return ("headless Chromium and chromedriver are not installed (Debian: apt-get install "
                "chromium chromium-driver)")
    return browser, driver


def chromium(profile: Path, downloads: Path) -> Any:
    """A headless Chromium with a fresh profile, downloading into ``downloads``."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    found = browser_paths()
    if isinstance(found, str):
        raise RuntimeError(found)
    options = webdriver.ChromeOptions()
    options.binary_location = found[0]
    for flag in (*CHROMIUM_FLAGS, f"--user-data-dir={profile}"):
        options.add_argument(flag)
    options.add_experimental_option("prefs", {"download.default_directory": str(downloads),
                                              "download.prompt_for_download": False})
    driver = webdriver.Chrome(service=Service(executable_path=found[1]), options=options)
    driver.execute_cdp_cmd("Page.setDownloadBehavior", {"behavior": "allow",
                                                        "downloadPath": str(downloads)})
    return driver


def press(driver: Any, *keys: str) -> None:
    """Type ``keys`` into whatever has the focus, as a person at the keyboard."""
    from selenium.webdriver.common.action_chains import ActionChains

    ActionChains(driver).send_keys(*keys).perform()


def navigating(driver: Any, action: Any, timeout: float = 30) -> None:
    """Do ``action`` and wait until the browser has loaded the next page."""
    from selenium.common.exceptions import StaleElementReferenceException, WebDriverException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait

    old = driver.find_element(By.TAG_NAME, "html")

    def left(_driver: Any) -> bool:
        # Chromium may answer a check made while the page is being replaced with "Node with
        # given id does not belong to the document" rather than a stale reference: both say
        # the old page is gone
        try:
            return bool(expected_conditions.staleness_of(old)(_driver))
        except StaleElementReferenceException:
            return True
        except WebDriverException as exc:
            if "does not belong to the document" in str(exc):
                return True
            raise

    action()
    WebDriverWait(driver, timeout, poll_frequency=0.02).until(left)
    WebDriverWait(driver, timeout, poll_frequency=0.02).until(
        lambda d: d.execute_script("return document.readyState") == "complete")


def decide_by_keyboard(driver: Any, key: str, *, note: str = "", by: str = "") -> None:
    """On a hit page: write ``note`` (n … Esc), give the reviewer name when the page asks for it,
    then press ``key`` (c, d or e) and wait for the next page."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    if note:
        press(driver, "n")
        press(driver, note, Keys.ESCAPE)
    if not driver.find_element(By.ID, "by").get_attribute("value"):
        press(driver, key)  # with no reviewer name the page puts the cursor in the name field
        press(driver, by, Keys.ESCAPE)
    navigating(driver, lambda: press(driver, key))


def download(downloads: Path, suffix: str, timeout: float = 60) -> Path:
    """The file the browser finished downloading into ``downloads``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        done = [p for p in downloads.glob(f"*{suffix}") if p.stat().st_size > 0]
        partial = list(downloads.glob("*.crdownload"))
        if done and not partial:
            return done[0]
        time.sleep(0.1)
    raise TimeoutError(f"no {suffix} download in {downloads}")


def workbook_decisions(path: Path) -> list[str]:
    """"<Risk level> | <Decision>" of every row with a decision, from the user's own sheet of a
    reviewed workbook (the second sheet: the first is the "Entity hits" view)."""
    from openpyxl import load_workbook

    book = load_workbook(path, read_only=True)
    try:
        sheet = next(ws for ws in book.worksheets if ws.title != "Entity hits")
        rows = list(sheet.iter_rows(values_only=True))
    finally:
        book.close()
    head = next(i for i, r in enumerate(rows) if "Decision" in r)
    header = list(rows[head])
    col, level = header.index("Decision"), header.index("Risk level")
    return [f"{r[level]} | {r[col]}" for r in rows[head + 1:] if r[col]]
