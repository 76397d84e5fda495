"""Scale benchmark: screen synthetic manifests of 10^4 .. 10^7 rows end to end, streamed.

Run:  python -m benchmarks.scale [--sizes 1e4,1e5,1e6,1e7] [--dir /tmp/chainscreen-bench] [--format csv]

For each size it generates the manifest once (benchmarks/generate.py, SYNTHETIC data), then in
fresh processes: (1) pyarrow alone reads the file (the I/O floor), (2) ``chainscreen screen FILE
--stream --format csv`` screens it and writes the result. It prints rows/s, the peak RSS of each
process (``ru_maxrss`` of the child) and the ratio of screening time to the pyarrow read time,
with the machine's load average beside the figures. Nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

_READ = """
import sys, pyarrow.csv as c, pyarrow.parquet as pq
p = sys.argv[1]
t = pq.read_table(p) if p.endswith('.parquet') else c.read_csv(p)
print(t.num_rows)
"""


def _run(cmd: list[str]) -> tuple[float, float, str]:
    """Wall seconds, peak RSS in MiB and stdout of one child process."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    _pid, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    out = proc.stdout.read() if proc.stdout else ""
    err = proc.stderr.read() if proc.stderr else ""
    if proc.stdout:
        proc.stdout.close()
    if proc.stderr:
        proc.stderr.close()
    if os.waitstatus_to_exitcode(status) not in (0, 3):
        raise SystemExit(f"failed: {' '.join(cmd)}\n{err[-2000:]}")
    return elapsed, usage.ru_maxrss / 1024, out


def _command() -> list[str]:
    exe = shutil.which("chainscreen", path=os.path.dirname(sys.executable))
    return [exe] if exe else [sys.executable, "-m", "chainscreen"]


def main(argv: list[str] | None = None) -> None:
    """Generate (once) and screen each size; print one table row per size."""
    from benchmarks.generate import generate

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1e4,1e5,1e6", help="comma-separated row counts (add 1e7)")
    parser.add_argument("--dir", type=Path, default=Path("/tmp/chainscreen-bench"))
    parser.add_argument("--format", default="csv", help="output formats for chainscreen screen")
    parser.add_argument("--input", default="csv", choices=["csv", "parquet", "jsonl"])
    args = parser.parse_args(argv)
    sizes = [int(float(s)) for s in args.sizes.split(",")]
    print(f"cores: {os.cpu_count()}  python: {sys.version.split()[0]}  load average at start: "
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"{'rows':>11} {'suppliers':>9} {'MiB':>6} {'pyarrow s':>9} {'screen s':>9} {'rows/s':>9} "
          f"{'ratio':>6} {'RSS MiB':>8} {'pa RSS':>7} {'load':>5}")
    for n in sizes:
        path = args.dir / f"bol_{n:.0e}.{args.input}".replace("+0", "").replace("+", "")
        suppliers = None
        if not path.exists():
            suppliers = generate(n, path)["suppliers"]
        read_s, read_rss, _ = _run([sys.executable, "-c", _READ, str(path)])
        out = args.dir / f"out_{n}"
        screen_s, screen_rss, _ = _run([*_command(), "screen", str(path), "--stream", "--format",
                                        args.format, "-o", str(out), "--force", "--quiet",
                                        "--no-store"])
        size = path.stat().st_size / 2**20
        print(f"{n:>11,} {suppliers or '':>9} {size:>6.0f} {read_s:>9.2f} {screen_s:>9.1f} "
              f"{n / screen_s:>9,.0f} {screen_s / read_s:>6.1f} {screen_rss:>8.0f} {read_rss:>7.0f} "
              f"{os.getloadavg()[0]:>5.2f}", flush=True)


if __name__ == "__main__":
    main()
