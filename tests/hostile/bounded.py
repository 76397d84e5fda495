"""Run one call in a forked child with a time limit and a memory cap, and measure it.

A hostile input may hang or eat memory; run in the test process it would take the test run
(or the machine) down with it. The child gets at most ``memory`` bytes of new address space
(``RLIMIT_AS`` above what it inherits, so a bomb ends in MemoryError instead of swapping the
machine) and is killed after ``seconds``. Its peak resident memory is read from
``/proc/<pid>/status`` (``VmHWM``) just before it exits. Linux only.
"""

from __future__ import annotations

import os
import pickle
import resource
import select
import signal
import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

GIB = 1 << 30


@dataclass
class Outcome:
    """How a bounded call ended.

    ``status`` is ``ok`` (returned ``value``), ``raised`` (``error`` is the exception's type and
    message, ``trace`` its traceback), ``memory`` (MemoryError at the cap), ``hang`` (killed
    after the time limit) or ``died`` (the child ended without a report, e.g. a signal).
    """

    status: str
    value: Any = None
    error: str = ""
    trace: str = ""
    seconds: float = 0.0
    peak_rss: int = 0  # bytes; includes what the child shares with its parent


def _vm(field: str, pid: int | str = "self") -> int:
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def run_bounded(fn: Callable[..., Any], *args: Any, seconds: float = 60.0, memory: int = 2 * GIB,
                **kwargs: Any) -> Outcome:
    """Call ``fn(*args, **kwargs)`` in a forked child; never raises for what the child does."""
    read_fd, write_fd = os.pipe()
    start = time.perf_counter()
    pid = os.fork()
    if pid == 0:  # the child: cap, run, report, exit without running the parent's cleanup
        os.close(read_fd)
        code = 0
        try:
            base = _vm("VmSize")
            limit = base + memory
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
            try:
                report: dict[str, Any] = {"status": "ok", "value": fn(*args, **kwargs)}
            except MemoryError:
                report = {"status": "memory"}
            except BaseException as exc:  # noqa: BLE001 - everything is reported to the parent
                report = {"status": "raised", "error": f"{type(exc).__name__}: {exc}"[:2000],
                          "trace": traceback.format_exc()[-6000:]}
            report["peak_rss"] = _vm("VmHWM")
            try:
                blob = pickle.dumps(report)
            except Exception as exc:  # noqa: BLE001
                blob = pickle.dumps({"status": "raised", "error": f"unpicklable result: {exc}",
                                     "peak_rss": report["peak_rss"]})
            with os.fdopen(write_fd, "wb") as fh:
                fh.write(blob)
        except BaseException:  # noqa: BLE001
            code = 70
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(code)
    os.close(write_fd)
    chunks: list[bytes] = []
    deadline = start + seconds
    timed_out = False
    with os.fdopen(read_fd, "rb", buffering=0) as fh:
        while True:
            left = deadline - time.perf_counter()
            if left <= 0:
                timed_out = True
                break
            ready, _, _ = select.select([fh], [], [], min(left, 1.0))
            if ready:
                block = fh.read(1 << 20)
                if not block:
                    break
                chunks.append(block)
    if timed_out:
        peak = _vm("VmHWM", pid)
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        return Outcome("hang", seconds=time.perf_counter() - start, peak_rss=peak)
    os.waitpid(pid, 0)
    elapsed = time.perf_counter() - start
    if not chunks:
        return Outcome("died", seconds=elapsed)
    report = pickle.loads(b"".join(chunks))
    return Outcome(report["status"], report.get("value"), report.get("error", ""),
                   report.get("trace", ""), elapsed, report.get("peak_rss", 0))
