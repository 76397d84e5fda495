"""The README's sample transcript is what a real run prints (scripts/readme_sample.py)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_readme_sample_output_matches_a_real_run() -> None:
    done = subprocess.run([sys.executable, str(REPO / "scripts" / "readme_sample.py"), "--check"],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr


def test_the_check_notices_a_changed_readme() -> None:
    sys.path.insert(0, str(REPO / "scripts"))
    try:
        import readme_sample
    finally:
        sys.path.pop(0)
    real = readme_sample.transcript()
    changed = re.sub(r"(high +)(\d+)", lambda m: f"{m.group(1)}{int(m.group(2)) + 1}", real, count=1)
    assert changed != real and readme_sample._masked(changed) != readme_sample._masked(real)
    slower = re.sub(r" in \d+\.\d+ s", " in 99.99 s", real)
    assert slower != real and readme_sample._masked(slower) == readme_sample._masked(real)
