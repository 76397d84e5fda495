"""What a long entity list costs: build the match index over the shipped lists plus a SYNTHETIC
watchlist of N names, then match parties against it.

    python -m benchmarks.watchlist_size --names 30000
    python -m benchmarks.watchlist_size --names 300000 --parties 2000

Prints the list load time, the index build time, the index's memory (resident growth while
it is built), the time to match the parties, and the process's peak memory; then runs
``chainscreen screen`` on a 66-row manifest twice in fresh processes — the first run builds the
match index and keeps it in the data folder's cache, the second reads it — with each run's wall
time and peak memory. The watchlist's
names are made of syllables and legal forms (never real companies), imported with
``chainscreen lists import --format csv`` into a temporary data folder; the 66-row manifest
holds the first 66 of them (every third with " Trading" added).
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.scale import _run as run_child

SYLLABLES = ("ka lo mi ne ra tu shi an ber gol dan fen hua jin lin mar nor pel quan ros sol tex "
             "val wen xin yar zen").split()
FORMS = ["Co Ltd", "Trading Co", "Textile Co Ltd", "GmbH", "LLC", "Industries", "Group", "S.A.",
         "Pvt Ltd", "Garments"]
COUNTRIES = ["CN", "VN", "IN", "BD", "TR", "PK", "MY", "TH", "ID", "KH"]


def write_watchlist(path: Path, n: int, seed: int = 3) -> None:
    """N SYNTHETIC names, each unique (a syllable, its number, 1-3 syllable words, a legal form)."""
    rng = random.Random(seed)
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["name", "aliases", "country", "address", "reason", "source_url", "added"])
        for i in range(n):
            words = " ".join("".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3))).capitalize()
                             for _ in range(rng.randint(1, 3)))
            w.writerow([f"{rng.choice(SYLLABLES).capitalize()}{i} {words} {rng.choice(FORMS)}", "",
                        rng.choice(COUNTRIES), "", "SYNTHETIC test entry", "https://example.org/synthetic",
                        "2026-01-01"])


def _rss_peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--names", type=int, default=30_000, help="watchlist names (default 30,000)")
    parser.add_argument("--parties", type=int, default=2_000, help="parties to match (default 2,000)")
    args = parser.parse_args(argv)
    from chainscreen.match import EntityMatcher
    from chainscreen.reference import load_reference
    from chainscreen.settings import Settings

    with tempfile.TemporaryDirectory(prefix="chainscreen-watchlist-") as tmp:
        folder = Path(tmp)
        env = {**os.environ, "CHAINSCREEN_DATA_DIR": str(folder / "data")}
        src = folder / "watchlist.csv"
        write_watchlist(src, args.names)
        # the import and the screens run in fresh processes first, while this one is small
        # (a child's peak memory counts the pages it shares with its parent before exec)
        imported, _cpu, _rss, _out = run_child(
            [sys.executable, "-m", "chainscreen", "lists", "import", str(src), "--format", "csv",
             "--id", "synthetic-watchlist", "--edition", "2026-01-01"], env=env)
        manifest = folder / "lines.csv"
        with open(src, newline="", encoding="utf-8") as fh, \
                open(manifest, "w", newline="", encoding="utf-8") as out:
            w = csv.writer(out)
            w.writerow(["supplier", "country", "goods"])
            for i, row in zip(range(66), csv.DictReader(fh), strict=False):
                w.writerow([row["name"] if i % 3 else f"{row['name']} Trading", row["country"], "cotton yarn"])
        screens = []
        for _ in range(2):
            cmd = [sys.executable, "-m", "chainscreen", "screen", str(manifest), "-o", str(folder / "out"),
                   "--force", "--no-store", "--quiet", "--format", "csv"]
            wall, _cpu, rss, _out = run_child(cmd, env=env)
            screens.append((wall, rss))
        t = time.perf_counter()
        ref = load_reference(user=folder / "data" / "lists")
        loaded = time.perf_counter() - t
        before = _rss_peak_mib()
        t = time.perf_counter()
        matcher = EntityMatcher(ref.entities, Settings(), workers=1)
        built = time.perf_counter() - t
        index = _rss_peak_mib() - before
        parties = [(e.name + " Trading", "CN") for e in ref.entities[: args.parties]]
        t = time.perf_counter()
        matcher.match_many(parties)
        matched = time.perf_counter() - t
    print(f"watchlist names      {args.names:>12,}")
    print(f"list names indexed   {matcher.size:>12,}")
    print(f"import               {imported:>11.1f} s")
    print(f"load lists           {loaded:>11.1f} s")
    print(f"build index          {built:>11.1f} s")
    print(f"index memory         {index:>10,.0f} MiB")
    print(f"match {len(parties):,} parties {matched:>9.1f} s")
    print(f"peak memory          {_rss_peak_mib():>10,.0f} MiB")
    for label, (secs, rss) in zip(("index built", "index read"), screens, strict=True):
        print(f"screen 66 rows, {label}: {secs:>6.1f} s, peak {rss:,.0f} MiB")
    print(f"load average         {os.getloadavg()[0]:>12.1f}  (shared machine: times are noisy)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
