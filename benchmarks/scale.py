"""Scale benchmark: screen synthetic manifests of 10^4 .. 10^7 rows end to end, streamed.

Run:  python -m benchmarks.scale [--sizes 1e5,1e6,1e7] [--suppliers 1000,50000]
                                 [--dir /tmp/chainscreen-bench] [--format csv]
                                 [--compare /path/to/other/checkout] [--repeat 5] [--clean]

For each size (and each supplier count given with ``--suppliers``) it generates the manifest once
(benchmarks/generate.py, SYNTHETIC data), then in fresh processes: (1) pyarrow alone reads the
file (the I/O floor), (2) ``chainscreen screen FILE --stream --format csv --no-store`` screens it
and writes the result, (3) with ``--compare``, the same command run from another checkout's
``src`` (e.g. the commit before a change), right after, on the same file. It prints wall and CPU
seconds (user + sys of the process and its worker processes), CPU / wall (how many cores were
busy), rows/s, the peak RSS (``ru_maxrss`` of the child) and the ratio of screening to the
pyarrow read measured in the same run, in wall time and in CPU time, with the load average.
The read is timed before the first screening and again after each one, and each screening is
set against the mean of the reads just before and just after it (both are printed): on a shared
machine the same read took 0.71 s and 1.14 s within minutes. The CPU ratio is the steadier
figure. ``--repeat N`` screens each size N times (the codes alternating, their order reversed
every other round) and then prints each code's median wall time and its median, lowest and
highest ratio: one run on a shared machine is not a figure (the same code took 9.4 s and 10.9 s
within minutes). Nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
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


def _run(cmd: list[str], env: dict[str, str] | None = None) -> tuple[float, float, float, str]:
    """Wall seconds, CPU seconds (user + sys, workers included), peak RSS in MiB and stdout of
    one child process."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
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
    return elapsed, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, out


def _checkout(root: Path) -> tuple[list[str], dict[str, str]]:
    """The command and environment that run ``chainscreen`` from the checkout at ``root``
    (its ``src`` first on the path, whatever is installed in this environment), with compiled
    bytecode kept as an installed package has it (``PYTHONDONTWRITEBYTECODE`` dropped)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    return [sys.executable, "-m", "chainscreen"], {**env, "PYTHONPATH": str(root.resolve() / "src")}


def main(argv: list[str] | None = None) -> None:
    """Generate (once) and screen each size; print one table row per size (and per checkout)."""
    from benchmarks.generate import generate

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1e5,1e6", help="comma-separated row counts (add 1e7)")
    parser.add_argument("--suppliers", default="",
                        help="comma-separated distinct supplier counts (default: by size)")
    parser.add_argument("--dir", type=Path, default=Path("/tmp/chainscreen-bench"))
    parser.add_argument("--format", default="csv", help="output formats for chainscreen screen")
    parser.add_argument("--input", default="csv", choices=["csv", "parquet", "jsonl"])
    parser.add_argument("--compare", type=Path, action="append", default=[],
                        help="another checkout: also screen with its src/ (repeatable)")
    parser.add_argument("--repeat", type=int, default=1,
                        help="screen each size this many times (codes alternating) and print each "
                             "code's median wall time and its median, lowest and highest ratio")
    parser.add_argument("--clean", action="store_true",
                        help="remove each run's output once measured (they are kept in --dir as "
                             "out_<size>_<code> to compare codes with cmp; 6.4 GB each at 10^7)")
    args = parser.parse_args(argv)
    sizes = [int(float(s)) for s in args.sizes.split(",")]
    supplier_counts = [int(float(s)) for s in args.suppliers.split(",") if s] or [None]
    print(f"cores: {os.cpu_count()}  python: {sys.version.split()[0]}  load average at start: "
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"{'rows':>11} {'suppliers':>9} {'MiB':>5} {'code':<12} {'pa s':>6} {'before/after':>11} "
          f"{'pa cpu':>6} {'wall s':>7} "
          f"{'cpu s':>7} {'cpu/wall':>8} {'rows/s':>9} {'ratio':>6} {'cpu ratio':>9} {'RSS MiB':>8} "
          f"{'pa RSS':>7} {'load':>5}")
    args.dir.mkdir(parents=True, exist_ok=True)
    for n in sizes:
        for n_sup in supplier_counts:
            tag = f"{n:.0e}".replace("+0", "").replace("+", "") + (f"_s{n_sup}" if n_sup else "")
            path = args.dir / f"bol_{tag}.{args.input}"
            if not path.exists():
                generate(n, path, suppliers=n_sup)
            read = [_run([sys.executable, "-c", _READ, str(path)])]
            size = path.stat().st_size / 2**20
            here = Path(__file__).resolve().parent.parent
            checkouts = [("this", *_checkout(here))]
            for other in args.compare:
                checkouts.append((other.name, *_checkout(other)))
            timings: dict[str, list[tuple[float, float]]] = {label: [] for label, _, _ in checkouts}
            for round_no in range(max(args.repeat, 1)):
                # alternate the order, so no code always runs right after another's writes
                order = checkouts if round_no % 2 == 0 else checkouts[::-1]
                for label, cmd, env in order:
                    timings[label].append(_screen_once(args, n, n_sup, tag, path, size, label,
                                                       cmd, env, read))
            if args.repeat > 1:
                for label, runs in timings.items():
                    walls = sorted(w for w, _ in runs)
                    rs = sorted(w / r for w, r in runs)
                    print(f"{'':>11} {'':>9} {'':>5} {label[:12]:<12} {len(runs)} runs: wall median "
                          f"{statistics.median(walls):.1f} s (min {walls[0]:.1f}), ratio median "
                          f"{statistics.median(rs):.1f} (min {rs[0]:.1f}, max {rs[-1]:.1f})", flush=True)


def _screen_once(args: argparse.Namespace, n: int, n_sup: int | None, tag: str, path: Path,
                 size: float, label: str, cmd: list[str], env: dict[str, str],
                 read: list[tuple[float, float, float, str]]) -> tuple[float, float]:
    """One screening of ``path`` by one code and the read after it; prints its table row and
    returns (its wall seconds, the mean of the reads around it)."""
    out = args.dir / f"out_{tag}_{label}"
    wall, cpu, rss, _ = _run([*cmd, "screen", str(path), "--stream", "--format", args.format,
                              "-o", str(out), "--force", "--quiet", "--no-store"], env)
    # the read again right after: a shared machine's speed moves within minutes, so
    # each run is set against the mean of the reads just before and just after it
    read.append(_run([sys.executable, "-c", _READ, str(path)]))
    (before, before_cpu, read_rss, _), (after, after_cpu, _, _) = read[-2], read[-1]
    read_s, read_cpu = (before + after) / 2, (before_cpu + after_cpu) / 2
    print(f"{n:>11,} {n_sup or 'default':>9} {size:>5.0f} {label[:12]:<12} {read_s:>6.2f} "
          f"{before:>5.2f}/{after:<5.2f} {read_cpu:>6.2f} {wall:>7.1f} {cpu:>7.1f} "
          f"{cpu / wall:>8.2f} {n / wall:>9,.0f} {wall / read_s:>6.1f} "
          f"{cpu / max(read_cpu, 1e-9):>9.1f} {rss:>8.0f} {read_rss:>7.0f} "
          f"{os.getloadavg()[0]:>5.2f}", flush=True)
    if args.clean:
        shutil.rmtree(out, ignore_errors=True)
    return wall, read_s


if __name__ == "__main__":
    main()
