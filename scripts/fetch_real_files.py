"""Fetch the real-file corpus (tests/data/real/corpus.toml) into tests/data/real/files/.

Each file is taken from its publisher's repository at the pinned commit, byte for byte, and
checked against the git blob id and sha256 recorded in corpus.toml; a file that does not match is
not written. Usage::

    python scripts/fetch_real_files.py                      # download from GitHub
    python scripts/fetch_real_files.py --from-git DIR       # DIR/<owner>+<name>/repo are git clones
    python scripts/fetch_real_files.py --dest ../shared/real-files

``--record`` writes the blob ids and sha256 of what was fetched into corpus.toml (for a new entry).
"""

from __future__ import annotations

import argparse
import hashlib
import re
import subprocess
import sys
import tomllib
import urllib.parse
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO / "tests" / "data" / "real" / "corpus.toml"
DEST = REPO / "tests" / "data" / "real" / "files"


def git_blob_id(data: bytes) -> str:
    """The id git gives these bytes as a blob (``git hash-object``)."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def from_github(entry: dict[str, str]) -> bytes:
    url = (f"https://raw.githubusercontent.com/{entry['repo']}/{entry['commit']}/"
           f"{urllib.parse.quote(entry['path'])}")
    with urllib.request.urlopen(url, timeout=60) as response:  # noqa: S310 - a fixed https host
        return bytes(response.read())


def from_git(entry: dict[str, str], root: Path) -> bytes:
    clone = root / entry["repo"].replace("/", "+") / "repo"
    done = subprocess.run(["git", "-C", str(clone), "show", f"{entry['commit']}:{entry['path']}"],
                          capture_output=True, check=False)
    if done.returncode != 0:  # a snapshot may hold only its newest commit
        done = subprocess.run(["git", "-C", str(clone), "show", f"HEAD:{entry['path']}"],
                              capture_output=True, check=True)
    return done.stdout


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--from-git", type=Path, help="folder of git clones named <owner>+<name>/repo")
    parser.add_argument("--dest", type=Path, default=DEST, help=f"where to write (default {DEST})")
    parser.add_argument("--record", action="store_true", help="write blob ids and sha256 into corpus.toml")
    args = parser.parse_args(argv)
    entries = tomllib.loads(CORPUS.read_text(encoding="utf-8"))["file"]
    args.dest.mkdir(parents=True, exist_ok=True)
    text = CORPUS.read_text(encoding="utf-8")
    failed = 0
    for entry in entries:
        try:
            data = from_git(entry, args.from_git) if args.from_git else from_github(entry)
        except (OSError, subprocess.CalledProcessError) as exc:
            print(f"{entry['name']}: not fetched ({exc})", file=sys.stderr)
            failed += 1
            continue
        blob, sha = git_blob_id(data), hashlib.sha256(data).hexdigest()
        if args.record:
            block = re.compile(r'(name = "' + re.escape(entry["name"]) + r'"\n(?:.*\n)*?)blob = ".*"\nsha256 = ".*"')
            text = block.sub(lambda m, b=blob, s=sha: f'{m.group(1)}blob = "{b}"\nsha256 = "{s}"', text, count=1)
        elif (entry.get("blob"), entry.get("sha256")) != (blob, sha):
            print(f"{entry['name']}: content differs from corpus.toml (blob {blob}); not written",
                  file=sys.stderr)
            failed += 1
            continue
        (args.dest / entry["name"]).write_bytes(data)
        print(f"{entry['name']}: {len(data):,} bytes, blob {blob[:12]}")
    if args.record:
        CORPUS.write_text(text, encoding="utf-8")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
