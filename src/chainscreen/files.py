"""Safe output writing: atomic replace, no silent overwrite, formula-injection neutralising."""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from chainscreen.errors import OutputError

#: Leading characters that make spreadsheet programs evaluate a cell (OWASP CSV injection).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


#: ``scheme://`` at the start of an input name: a URL (``s3a://``, ``abfss://``, ``file://``), not a path.
_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]+://")


def is_url(source: str | Path) -> bool:
    """True for a URL such as ``s3a://bucket/bills.csv`` given as text (``Path`` would fold its
    ``//`` into ``/``); a one-letter scheme is a Windows drive, not a URL."""
    return isinstance(source, str) and _URL.match(source) is not None


def url_name(url: str) -> str:
    """The last part of a URL's path (``bills.csv`` of ``s3a://lake/in/bills.csv``, ``in`` of
    ``s3a://lake/in/``), or its host when the path is empty."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    segments = [s for s in parts.path.split("/") if s]
    return segments[-1] if segments else parts.netloc or url


def neutralise(value: Any) -> Any:
    """Prefix text that a spreadsheet would run as a formula with an apostrophe.

    Numbers are left alone (a negative number is data, not a formula).
    """
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def check_writable(path: Path, force: bool) -> None:
    """Before any work: refuse an output that exists (unless ``force``), that is a folder, or
    whose folder cannot be written in (a read-only place, a file where the folder should be,
    ``-o /dev/null``). Nothing is created: a folder that does not exist yet is judged by the
    nearest one above it that does."""
    if path.is_dir():
        raise OutputError(f"{path}: is a folder, not a file; choose another output path")
    if path.exists() and not force:
        raise OutputError(f"{path}: already exists; use --force to overwrite it")
    check_folder(path.parent)


def check_folder(folder: Path) -> None:
    """OutputError unless files can be written in ``folder`` (or, when it does not exist yet,
    it can be made: the nearest existing folder above it can be written in)."""
    folder = Path(os.path.abspath(folder))
    probe_in = folder
    while not probe_in.exists() and probe_in.parent != probe_in:
        probe_in = probe_in.parent
    if not probe_in.is_dir():
        where = "is not a folder" if probe_in == folder else f"{probe_in} is not a folder"
        raise OutputError(f"{folder}: {where}, so no output can be written there; choose another "
                          "output folder (-o)")
    try:
        fd, probe = tempfile.mkstemp(prefix=".chainscreen-probe-", dir=probe_in)
    except OSError as exc:
        raise OutputError(f"{folder}: cannot write in {probe_in} ({exc.strerror or exc}); choose "
                          "another output folder (-o)") from None
    os.close(fd)
    os.unlink(probe)


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


@contextlib.contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success rename it over ``path``.

    A crash or kill part-way leaves the old file (or none), never half a file.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    # the PID in the name lets a later run sweep files left by a killed one (report.stream)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.{os.getpid()}.", suffix=".part", dir=path.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    # mkstemp creates the file 0600; give the output the mode an ordinary new file would get
    os.chmod(tmp_path, 0o666 & ~_umask())
    try:
        yield tmp_path
        _replace(tmp_path, path)
    except BaseException:
        tmp_path.unlink(missing_ok=True)
        raise


#: Files this large that an output replaces are removed in a thread (see _replace).
LARGE_REPLACED = 64 << 20


def _replace(tmp: Path, path: Path) -> None:
    """``os.replace(tmp, path)``, atomic as ever. Replacing a large file frees its blocks inside
    the rename (0.7 s for a 762 MB CSV): the old file is first given a second name, so the rename
    only drops a name, and that name is removed in a thread while the run finishes (the process
    waits for it before it exits; a killed run leaves a ``.part`` file the next run sweeps)."""
    aside = None
    try:
        st = path.stat()
        if st.st_size >= LARGE_REPLACED and path.is_file() and st.st_nlink == 1:
            fd, name = tempfile.mkstemp(prefix=f".{path.name}.{os.getpid()}.", suffix=".old.part",
                                        dir=path.parent)
            os.close(fd)
            os.unlink(name)
            os.link(path, name)
            aside = name
    except OSError:  # no such file, or no hard links here: a plain rename
        aside = None
    os.replace(tmp, path)
    if aside is not None:
        import threading

        threading.Thread(target=_remove, args=(aside,), name="chainscreen-remove").start()


def _remove(name: str) -> None:
    with contextlib.suppress(OSError):
        os.unlink(name)


def start_writeback(fh: IO[Any], done: int) -> int:
    """Flush ``fh`` and ask the system to start writing to disk what it holds past byte
    ``done``, without waiting; return the new end. Called after each chunk of a large output, it
    leaves the fsync that makes the finished file durable little to wait for (on Linux,
    ``posix_fadvise(DONTNEED)`` starts the write-back of the range and later frees its pages
    from the page cache; elsewhere it only flushes)."""
    fh.flush()
    fd = fh.fileno()
    end = os.lseek(fd, 0, os.SEEK_CUR)
    if _FADVISE and end > done:
        with contextlib.suppress(OSError):
            os.posix_fadvise(fd, done, end - done, os.POSIX_FADV_DONTNEED)
    return end


_FADVISE = hasattr(os, "posix_fadvise") and hasattr(os, "POSIX_FADV_DONTNEED")


@contextlib.contextmanager
def atomic_open(path: Path, mode: str = "w", **kwargs: Any) -> Iterator[IO[Any]]:
    """Open a temporary file beside ``path`` for writing; rename it into place when closed."""
    with atomic_path(path) as tmp, open(tmp, mode, **kwargs) as fh:
        yield fh
        fh.flush()
        os.fsync(fh.fileno())
