"""Hostile-input generator at scale: every class of ``classes.py``, each case bounded.

Run from the repository root (SYNTHETIC data, nothing is kept)::

    python -m tests.hostile.fuzz --examples 10000
    python -m tests.hostile.fuzz --examples 500 --classes broken_quote,far_cell --seed 7

Each case runs in a forked child with a time limit (``--timeout``, 60 s) and a cap on new memory
(``--memory-gib``, 2 GiB); the child's peak resident memory is measured. A case fails when it
ends in an internal error, a hang, the memory cap, lost rows, or an outcome its class does not
allow. The figures (cases tried, failures, internal errors, rows lost, hangs, peak memory per
case, time) are printed as a Markdown table for docs/ROBUSTNESS.md; ``--json FILE`` keeps every
case's outcome. A run stopped early (``--max-minutes``, Ctrl-C, SIGTERM) still prints the figures
of the cases it tried, and says it stopped. Exit status 1 when any case failed.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import signal
import statistics
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

MIB = 1 << 20


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m tests.hostile.fuzz", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--examples", type=int, default=1000, help="cases to generate (default 1000)")
    parser.add_argument("--seed", type=int, default=0, help="Hypothesis seed (default 0)")
    parser.add_argument("--classes", default="", help="comma-separated class names (default: all)")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds per case (default 60)")
    parser.add_argument("--memory-gib", type=float, default=2.0, help="new memory cap per case")
    parser.add_argument("--json", type=Path, help="write every case's outcome to this file")
    parser.add_argument("--show", type=int, default=20, help="failures to list (default 20)")
    parser.add_argument("--max-minutes", type=float, default=0.0,
                        help="stop generating after this long and report the cases tried (default: no limit)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Run the generator; print the figures; 1 when any case failed."""
    args = _parse(argv)
    import classes
    from bounded import GIB, run_bounded
    from hypothesis import HealthCheck, Phase, given, seed, settings

    names = [n.strip() for n in args.classes.split(",") if n.strip()] or list(classes.CLASSES)
    unknown = [n for n in names if n not in classes.CLASSES]
    if unknown:
        raise SystemExit(f"unknown class(es) {', '.join(unknown)}; classes: {', '.join(classes.CLASSES)}")
    base = Path(tempfile.mkdtemp(prefix="chainscreen-fuzz-"))
    os.environ.update(classes.environment(base))
    os.environ.pop("CHAINSCREEN_DEBUG", None)
    results: list[dict[str, Any]] = []
    stopped = ""
    t0 = time.perf_counter()
    try:
        classes.warm(base / "warm")  # lists, caches and templates loaded once, inherited by cases
        baseline = _rss()

        @seed(args.seed)
        @settings(max_examples=args.examples, database=None, deadline=None, phases=[Phase.generate],
                  suppress_health_check=list(HealthCheck))
        @given(case=classes.any_case(names))
        def one(case: Any) -> None:
            folder = Path(tempfile.mkdtemp(dir=base))
            try:
                outcome = run_bounded(case.run, folder, seconds=args.timeout,
                                      memory=int(args.memory_gib * GIB))
            finally:
                shutil.rmtree(folder, ignore_errors=True)
            results.append(_record(case, outcome))
            if results[-1]["failed"]:
                r = results[-1]
                print(f"  FAILED {r['class']} ({r['case']}): {r['kind']}: {r['why'][:300]}",
                      file=sys.stderr, flush=True)
            done = len(results)
            if args.max_minutes and time.perf_counter() - t0 > args.max_minutes * 60:
                raise _OutOfTime
            if done % 100 == 0:
                failed = sum(r["failed"] for r in results)
                print(f"  {done:,} cases, {failed} failed, {time.perf_counter() - t0:,.0f} s",
                      file=sys.stderr, flush=True)

        signal.signal(signal.SIGTERM, _interrupt)
        try:
            one()
        except (KeyboardInterrupt, _OutOfTime) as exc:
            stopped = "time limit" if isinstance(exc, _OutOfTime) else "interrupted"
    finally:
        shutil.rmtree(base, ignore_errors=True)
    elapsed = time.perf_counter() - t0
    print(report(results, args, elapsed, baseline, stopped))
    if args.json:
        args.json.write_text(json.dumps(results, indent=1, default=str) + "\n", encoding="utf-8")
    return 1 if any(r["failed"] for r in results) else 0


class _OutOfTime(Exception):  # noqa: N818 - a signal to stop, not an error
    """``--max-minutes`` has passed."""


_PARENT = os.getpid()


def _interrupt(signum: int, frame: Any) -> None:
    """SIGTERM stops the run like Ctrl-C; a case's forked child dies of it as usual."""
    if os.getpid() != _PARENT:
        signal.signal(signum, signal.SIG_DFL)
        os.kill(os.getpid(), signum)
    raise KeyboardInterrupt


def _rss() -> int:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


def _record(case: Any, outcome: Any) -> dict[str, Any]:
    """One case's outcome as plain data."""
    value = outcome.value if isinstance(outcome.value, dict) else {}
    status = outcome.status
    why = ""
    if status == "ok":
        failed = value.get("status") != "pass"
        why = value.get("why", "")
        kind = "wrong outcome" if failed else "pass"
        if failed and why.startswith("internal error"):
            kind = "internal error"
    else:
        failed = True
        kind = {"raised": "internal error", "memory": "memory cap", "hang": "hang",
                "died": "died"}.get(status, status)
        why = outcome.error or status
    expected, got = value.get("expected"), value.get("got")
    lost = max(0, expected - got) if failed and isinstance(expected, int) and isinstance(got, int) else 0
    return {"class": case.cls, "case": case.label, "failed": failed, "kind": kind, "why": why[:500],
            "rows_expected": expected, "rows_out": got, "rows_lost": lost,
            "seconds": round(outcome.seconds, 3), "peak_rss": outcome.peak_rss,
            "trace": outcome.trace[-2000:] if outcome.trace else ""}


def report(results: list[dict[str, Any]], args: argparse.Namespace, elapsed: float,
           baseline: int, stopped: str = "") -> str:
    """The figures as Markdown: totals, then one line per class, then the first failures."""
    kinds = Counter(r["kind"] for r in results if r["failed"])
    peaks = [r["peak_rss"] for r in results if r["peak_rss"]]
    slowest = max((r["seconds"] for r in results), default=0.0)
    lines = [
        f"Command: `python -m tests.hostile.fuzz --examples {args.examples} --seed {args.seed}`"
        + (f" `--classes {args.classes}`" if args.classes else "")
        + (f" `--max-minutes {args.max_minutes:g}`" if args.max_minutes else ""),
        f"Machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}; "
        f"load average at the end {os.getloadavg()[0]:.1f} (shared machine: times are noisy)",
        "",
        "| figure | value |",
        "|---|---|",
        f"| cases tried | {len(results):,}"
        + (f" of {args.examples:,} (stopped early: {stopped})" if stopped else "") + " |",
        f"| failures | {sum(r['failed'] for r in results):,} |",
        f"| internal errors | {kinds.get('internal error', 0):,} |",
        f"| hangs over {args.timeout:g} s | {kinds.get('hang', 0):,} |",
        f"| cases at the {args.memory_gib:g} GiB memory cap | {kinds.get('memory cap', 0):,} |",
        f"| wrong outcomes | {kinds.get('wrong outcome', 0) + kinds.get('died', 0):,} |",
        f"| rows lost | {sum(r['rows_lost'] for r in results):,} |",
        f"| peak memory per case, max | {max(peaks, default=0) / MIB:,.0f} MiB |",
        f"| peak memory per case, median | {statistics.median(peaks) / MIB if peaks else 0:,.0f} MiB |",
        f"| memory held before each case (inherited) | {baseline / MIB:,.0f} MiB |",
        f"| slowest case | {slowest:.1f} s |",
        f"| wall time | {elapsed / 60:,.1f} min |",
        "",
        "| class | cases | failed | max peak MiB | slowest s |",
        "|---|---|---|---|---|",
    ]
    by_class: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in results:
        by_class[r["class"]].append(r)
    for name in sorted(by_class):
        rs = by_class[name]
        lines.append(f"| {name} | {len(rs):,} | {sum(r['failed'] for r in rs):,} | "
                     f"{max(r['peak_rss'] for r in rs) / MIB:,.0f} | {max(r['seconds'] for r in rs):.1f} |")
    failures = [r for r in results if r["failed"]]
    if failures:
        lines += ["", f"First {min(args.show, len(failures))} failures:", ""]
        for r in failures[: args.show]:
            lines.append(f"- {r['class']} ({r['case']}): {r['kind']}: {r['why'][:300]}")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
