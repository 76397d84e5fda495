"""Spark benchmark: the local engine beside Spark in local mode, on the same synthetic manifest.

Run:  python -m benchmarks.spark [--sizes 1e6,1e7] [--masters "local[1],local[2]"]
                                 [--driver-read "local[2]"] [--dir /tmp/chainscreen-spark-bench]
                                 [--suppliers N]

For each size it generates the manifest once (benchmarks/generate.py, SYNTHETIC data), then in
fresh processes: (1) pyarrow alone reads the file (the I/O floor, for a ratio that means the same
on a loaded machine), (2) ``chainscreen screen FILE --stream --format parquet --no-store`` (the
local engine), (3) ``chainscreen screen FILE --engine spark --spark-master M --format parquet
--no-store`` for each master (the generated CSV is plain UTF-8: Spark's CSV reader reads it),
(4) with ``--driver-read M``, the same on master M for a copy of the file with an empty line at
the end, which the Spark engine reads on the driver with the local reader and hands to Spark as
Parquet (the cost of that path; the rows are the same). It prints wall seconds, rows/s, the
peak resident memory of the whole process tree (the JVM and Python workers included; sampled
from /proc every 0.2 s), the ratio to the pyarrow read, whether the verdicts are identical to
the local engine's (every Parquet column of every row, ordered by ``Row``), and the load
average (1/5/15 min) at the start and at the end of each run. Nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

_READ = "import sys, pyarrow.csv as c; print(c.read_csv(sys.argv[1]).num_rows)"


def _tree_rss(root: int) -> int:
    """Resident bytes of ``root`` and all its descendants (from /proc)."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid, ppid = int(entry), int(fields[1])
        children.setdefault(ppid, []).append(pid)
        rss[pid] = int(fields[21]) * os.sysconf("SC_PAGE_SIZE")
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        total += rss.get(pid, 0)
        todo.extend(children.get(pid, ()))
    return total


def _run(cmd: list[str]) -> tuple[float, float]:
    """Wall seconds and peak tree RSS (MiB) of one command."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    peak = [0]
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            peak[0] = max(peak[0], _tree_rss(proc.pid))
            done.wait(0.2)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _out, err = proc.communicate()
    done.set()
    sampler.join()
    elapsed = time.perf_counter() - start
    if proc.returncode not in (0, 3):
        raise SystemExit(f"failed: {' '.join(cmd)}\n{err[-3000:]}")
    return elapsed, peak[0] / (1 << 20)


def _same(a: Path, b: Path) -> bool:
    """Every column of every row equal, ordered by ``Row``; one column at a time, so that 10^7
    rows fit in memory (text columns with 64-bit offsets: one can pass 2 GB)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    names = pq.ParquetDataset(a).schema.names
    if names != pq.ParquetDataset(b).schema.names:
        return False
    order_a = pq.read_table(a, columns=["Row"]).column("Row").to_numpy().argsort(kind="stable")
    order_b = pq.read_table(b, columns=["Row"]).column("Row").to_numpy().argsort(kind="stable")
    for name in names:
        left, right = (pq.read_table(p, columns=[name]).column(name) for p in (a, b))
        if pa.types.is_string(left.type):
            left, right = left.cast(pa.large_string()), right.cast(pa.large_string())
        # values only: Spark marks the columns it filled (empty for null) "not null", Arrow does not
        if not left.take(pa.array(order_a)).equals(right.take(pa.array(order_b))):
            return False
    return True


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1e6", help="comma-separated row counts (default 1e6)")
    parser.add_argument("--masters", default="local[1],local[2]", help="Spark masters to compare")
    parser.add_argument("--driver-read", default="", metavar="MASTERS",
                        help="Spark masters to run again on a copy read on the driver (default: none)")
    parser.add_argument("--dir", type=Path, default=Path("/tmp/chainscreen-spark-bench"))
    parser.add_argument("--suppliers", type=int, help="distinct suppliers (default: generate.py's by size)")
    args = parser.parse_args(argv)
    from benchmarks.generate import generate

    args.dir.mkdir(parents=True, exist_ok=True)
    chainscreen = [sys.executable, "-m", "chainscreen"]
    print(f"{'rows':>10} {'engine':<28} {'wall s':>8} {'rows/s':>9} {'peak MiB':>9} {'x read':>7} "
          f"{'identical':>9}  load at start → end")
    for size in (int(float(s)) for s in args.sizes.split(",")):
        path = args.dir / f"bench_{size}.csv"
        if not path.exists():
            generate(size, path, suppliers=args.suppliers)
        read, _ = _run([sys.executable, "-c", _READ, str(path)])
        runs: list[tuple[str, Path, list[str]]] = [("local", path, [])]
        runs += [(f"spark {m}", path, ["--engine", "spark", "--spark-master", m])
                 for m in args.masters.split(",") if m]
        if args.driver_read:
            # an empty last line: the local reader drops it, and the Spark engine reads the file
            # on the driver (Spark's CSV reader would not drop it)
            copy = args.dir / f"bench_{size}_driver.csv"
            if not copy.exists():
                shutil.copyfile(path, copy)
                with open(copy, "ab") as fh:
                    fh.write(b"\n")
            runs += [(f"spark {m} driver-read", copy, ["--engine", "spark", "--spark-master", m])
                     for m in args.driver_read.split(",") if m]
        reference: Path | None = None
        for name, source, extra in runs:
            out = args.dir / name.replace(" ", "_").replace("[", "").replace("]", "")
            cmd = [*chainscreen, "screen", str(source), "-o", str(out), "--format", "parquet", "--no-store",
                   "--force", "-q", *(["--stream"] if not extra else []), *extra]
            before = " ".join(f"{x:.1f}" for x in os.getloadavg())
            wall, peak = _run(cmd)
            result = out / f"{source.stem}.screened.parquet"
            same = "-" if reference is None else ("yes" if _same(reference, result) else "NO")
            reference = reference or result
            load = " ".join(f"{x:.1f}" for x in os.getloadavg())
            print(f"{size:>10,} {name:<28} {wall:>8.1f} {size / wall:>9,.0f} {peak:>9,.0f} {wall / read:>7.1f} "
                  f"{same:>9}  {before} → {load}", flush=True)


if __name__ == "__main__":
    main()
