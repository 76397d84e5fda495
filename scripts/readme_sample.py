"""Write the README's sample screening transcript from a real run, so it cannot drift.

Runs ``chainscreen screen sample_inputs/importer_suppliers.xlsx -o chainscreen-out --force`` as a
new user would (a fresh data folder, so the run is stored as run 1) and puts what it printed
between the ``<!-- sample-output -->`` markers of README.md. ``--check`` compares instead and
exits 1 when the README differs (the time taken and the run's random uid are the only parts
allowed to differ)::

    python scripts/readme_sample.py           # rewrite the README block
    python scripts/readme_sample.py --check   # what tests/test_readme.py runs
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
README = REPO / "README.md"
COMMAND = ["screen", "sample_inputs/importer_suppliers.xlsx", "-o", "chainscreen-out", "--force"]
START, END = "<!-- sample-output:start -->", "<!-- sample-output:end -->"
_TIME = re.compile(r" in \d+(?:\.\d+)? s\b")
_UID = re.compile(r"\(([0-9a-f]{8})\)")


def transcript() -> str:
    """What the command prints on a fresh install, as a README code block."""
    with tempfile.TemporaryDirectory(prefix="chainscreen-readme-") as tmp:
        work = Path(tmp)
        (work / "sample_inputs").mkdir()
        shutil.copy(REPO / "sample_inputs" / "importer_suppliers.xlsx", work / "sample_inputs")
        env = {**os.environ, "CHAINSCREEN_DATA_DIR": str(work / "data"), "NO_COLOR": "1"}
        env.pop("CHAINSCREEN_DB", None)
        exe = Path(sys.executable).with_name("chainscreen")
        cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "chainscreen"]
        done = subprocess.run([*cmd, *COMMAND], cwd=work, env=env, capture_output=True, text=True,
                              check=False)
        if done.returncode != 0:
            raise SystemExit(f"the sample screening failed ({done.returncode}): {done.stderr}")
        out = done.stdout
    return f"```\n$ chainscreen {' '.join(COMMAND)}\n{out.rstrip()}\n```"


def _block(text: str) -> str:
    try:
        return text[text.index(START) + len(START):text.index(END)].strip()
    except ValueError:
        raise SystemExit(f"README.md has no {START} … {END} block") from None


def _masked(text: str) -> str:
    return _UID.sub("(<uid>)", _TIME.sub(" in <time> s", text))


def main(argv: list[str]) -> int:
    text = README.read_text(encoding="utf-8")
    fresh = transcript()
    if "--check" in argv:
        if _masked(_block(text)) != _masked(fresh):
            print("README.md's sample output differs from a real run; run: python scripts/readme_sample.py",
                  file=sys.stderr)
            return 1
        return 0
    start = text.index(START) + len(START)
    README.write_text(text[:start] + "\n" + fresh + "\n" + text[text.index(END):], encoding="utf-8")
    print(f"wrote the sample output into {README}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
