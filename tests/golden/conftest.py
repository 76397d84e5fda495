"""Golden-file option: ``pytest tests/golden --update-golden`` rewrites the expected drafts.

(``CHAINSCREEN_UPDATE_GOLDEN=1`` does the same from a plain ``pytest`` run.) Review the diff
with ``git diff tests/golden`` before committing regenerated files.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

GOLDEN = Path(__file__).parent


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-golden", action="store_true", default=False,
                     help="Rewrite the golden report files in tests/golden instead of comparing.")


@pytest.fixture
def golden(request: pytest.FixtureRequest):  # type: ignore[no-untyped-def]
    """``golden(name, text)``: compare ``text`` with tests/golden/expected/NAME (or rewrite it)."""
    update = bool(request.config.getoption("update_golden", default=False)) or \
        os.environ.get("CHAINSCREEN_UPDATE_GOLDEN") == "1"

    def check(name: str, text: str) -> None:
        path = GOLDEN / "expected" / name
        if update:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8", newline="\n")
            return
        assert path.exists(), f"{path} missing: run `pytest tests/golden --update-golden`"
        expected = path.read_text(encoding="utf-8")
        assert text == expected, (f"{name} differs from its golden file; if the change is intended, "
                                  "run `pytest tests/golden --update-golden` and review git diff")

    return check
