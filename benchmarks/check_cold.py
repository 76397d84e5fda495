"""Cold-start time of ``chainscreen check``: a fresh process each time, as a procurement officer runs it.

Run:  python -m benchmarks.check_cold [--runs 10] [--compare /path/to/other/checkout]

Prints the minimum, median and worst wall-clock time (and the median CPU time, steadier on a
shared machine) of a full ``chainscreen check`` (interpreter start, imports, reading the
screening context kept on disk, matching, printing) and of ``chainscreen --help``, and, as the
floor no change to chainscreen can go below, a process that only imports the libraries a check
needs (Click, RapidFuzz, rigour's compiled core; rigour's text and name tools, which import
normality and ICU, are not needed for a Latin name since 2026-11-30).

Each checkout gets its own data folder, whose cache is filled by one untimed run first: checkouts
sharing one cache would each find the other's context (another code digest) and rebuild it on
every run.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CASES = [
    ["check", "Hoshine Silicon Industry (Shanshan) Co Ltd", "--country", "CN", "--hs", "2804.61"],
    ["check", "Nordic Office Paper AB", "--country", "SE", "--goods", "copy paper"],
    ["--help"],
]


#: What a process that only imports a check's libraries runs (the floor).
FLOOR = [sys.executable, "-c", "import click, rapidfuzz.distance, rigour._core"]


def _checkout(root: Path, data: Path) -> tuple[list[str], dict[str, str]]:
    """The command and environment that run ``chainscreen`` from the checkout at ``root``
    (its ``src`` first on the path, whatever is installed in this environment) with its own
    data folder ``data``, with compiled bytecode kept as an installed package has it
    (``PYTHONDONTWRITEBYTECODE`` dropped)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    return [sys.executable, "-m", "chainscreen"], {
        **env, "PYTHONPATH": str(root.resolve() / "src"), "CHAINSCREEN_DATA_DIR": str(data)}


def main() -> None:
    """Time each case ``--runs`` times in fresh processes and print a table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--compare", type=Path, action="append", default=[],
                        help="another checkout: also time it, run by run alternating with this one")
    args = parser.parse_args()
    here = Path(__file__).resolve().parent.parent
    tmp = Path(tempfile.mkdtemp(prefix="chainscreen-check-cold-"))
    checkouts = [("this", *_checkout(here, tmp / "this"))]
    for i, other in enumerate(args.compare):
        checkouts.append((other.name, *_checkout(other, tmp / f"other-{i}")))
    for _label, base, env in checkouts:  # fill each checkout's cache (not timed)
        subprocess.run([*base, *CASES[0]], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                       env=env, check=False)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    checkouts.append(("(imports)", FLOOR[:1], env))
    print(f"cores: {os.cpu_count()}  python: {sys.version.split()[0]}  runs per case: {args.runs}  "
          f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"{'case':<60} {'code':<12} {'min s':>7} {'median s':>9} {'max s':>7} {'CPU med s':>9}")
    for case in CASES:
        times: dict[str, list[float]] = {label: [] for label, _, _ in checkouts}
        cpu: dict[str, list[float]] = {label: [] for label, _, _ in checkouts}
        for _ in range(args.runs):
            for label, base, env in checkouts:  # alternate, so load changes hit both alike
                command = FLOOR if label == "(imports)" else [*base, *case]
                t0 = time.perf_counter()
                proc = subprocess.Popen(command, stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL, env=env)
                _pid, _status, usage = os.wait4(proc.pid, 0)
                times[label].append(time.perf_counter() - t0)
                cpu[label].append(usage.ru_utime + usage.ru_stime)
        for label, got in times.items():
            print(f"{' '.join(case)[:60]:<60} {label[:12]:<12} {min(got):>7.3f} "
                  f"{statistics.median(got):>9.3f} {max(got):>7.3f} {statistics.median(cpu[label]):>9.3f}",
                  flush=True)
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
