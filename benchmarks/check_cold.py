"""Cold-start time of ``chainscreen check``: a fresh process each time, as a procurement officer runs it.

Run:  python -m benchmarks.check_cold [--runs 7]

Prints the median and worst wall-clock time of a full ``chainscreen check`` (interpreter start,
imports, loading and verifying every list, matching, printing) and of ``chainscreen --help``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time

CASES = [
    ["check", "Hoshine Silicon Industry (Shanshan) Co Ltd", "--country", "CN", "--hs", "2804.61"],
    ["check", "Nordic Office Paper AB", "--country", "SE", "--goods", "copy paper"],
    ["--help"],
]


def _command() -> list[str]:
    exe = shutil.which("chainscreen", path=os.path.dirname(sys.executable))
    return [exe] if exe else [sys.executable, "-m", "chainscreen"]


def main() -> None:
    """Time each case ``--runs`` times in fresh processes and print a table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    base = _command()
    print(f"cores: {os.cpu_count()}  python: {sys.version.split()[0]}  runs per case: {args.runs}")
    print(f"{'case':<72} {'median s':>9} {'max s':>7}")
    for case in CASES:
        times = []
        for _ in range(args.runs):
            t0 = time.perf_counter()
            subprocess.run([*base, *case], check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            times.append(time.perf_counter() - t0)
        label = " ".join(case)[:72]
        print(f"{label:<72} {statistics.median(times):>9.3f} {max(times):>7.3f}")


if __name__ == "__main__":
    main()
