"""Shared fixtures: a private run database for every test session, and a throwaway PostgreSQL.

``postgresql_url`` starts a real PostgreSQL server (``initdb`` + ``pg_ctl`` from the OS
packages, listening only on a unix socket in a temporary folder) once per session and hands
each test a fresh, empty database. Tests that use it are skipped, with the reason, only when
no PostgreSQL server binaries are installed or the server cannot start.
"""

from __future__ import annotations

import glob
import os
import shlex
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest


@pytest.fixture(autouse=True, scope="session")
def _private_run_database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    # `chainscreen screen` stores every run and `lists import` writes to the user data folder;
    # tests must never touch the user's own.
    # The command line reads $CHAINSCREEN_*; the library's own defaults are the platform's data
    # folder, which $XDG_DATA_HOME moves on Linux: both point into the test's temporary folder.
    saved = {k: os.environ.get(k) for k in ("CHAINSCREEN_DB", "CHAINSCREEN_REFERENCE_DIR",
                                            "CHAINSCREEN_DATA_DIR", "XDG_DATA_HOME")}
    data = tmp_path_factory.mktemp("userdata")
    os.environ["XDG_DATA_HOME"] = str(tmp_path_factory.mktemp("xdg"))
    os.environ["CHAINSCREEN_DATA_DIR"] = str(data)
    os.environ["CHAINSCREEN_DB"] = f"sqlite:///{data / 'runs.sqlite'}"
    os.environ.pop("CHAINSCREEN_REFERENCE_DIR", None)
    yield
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


def _pg_bindir() -> Path | None:
    found = shutil.which("pg_ctl")
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)
    if found:
        candidates.insert(0, str(Path(found).resolve().parent))
    for folder in candidates:
        if (Path(folder) / "initdb").exists() and (Path(folder) / "postgres").exists():
            return Path(folder)
    return None


def _as_server_user(cmd: list[str]) -> list[str]:
    # initdb and postgres refuse to run as root: run them as the OS packages' postgres user.
    if os.geteuid() != 0:
        return cmd
    runuser = shutil.which("runuser")
    if runuser:
        return [runuser, "-u", "postgres", "--", *cmd]
    return ["su", "postgres", "-s", "/bin/sh", "-c", shlex.join(cmd)]


@pytest.fixture(scope="session")
def _postgresql_server() -> Iterator[str]:
    bindir = _pg_bindir()
    if bindir is None:
        pytest.skip("PostgreSQL server binaries (initdb, pg_ctl, postgres) are not installed; "
                    "on Debian: apt-get install postgresql")
    try:
        import psycopg  # noqa: F401
    except ImportError:
        pytest.skip("psycopg is not installed: pip install 'chainscreen[postgres]'")
    # A folder of its own under the system temp dir: pytest's base temp folder is private to
    # the user running the tests, and the server may have to run as another user.
    base = Path(tempfile.mkdtemp(prefix="chainscreen-pg-"))
    data, sock = base / "data", base / "sock"
    sock.mkdir()
    if os.geteuid() == 0:
        import pwd

        try:
            pw = pwd.getpwnam("postgres")
        except KeyError:
            shutil.rmtree(base, ignore_errors=True)
            pytest.skip("running as root and there is no 'postgres' user to run the server as")
        for path in (base, sock):
            os.chown(path, pw.pw_uid, pw.pw_gid)
    env = {**os.environ, "LC_ALL": "C.UTF-8", "LANG": "C.UTF-8"}
    init = subprocess.run(
        _as_server_user([str(bindir / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust",
                         "-E", "UTF8", "--no-sync"]),
        capture_output=True, text=True, env=env)
    if init.returncode != 0:
        shutil.rmtree(base, ignore_errors=True)
        pytest.skip(f"initdb failed: {init.stderr.strip()[-300:]}")
    port = 54329
    opts = f"-k {sock} -c listen_addresses='' -p {port} -c fsync=off"
    start = subprocess.run(
        _as_server_user([str(bindir / "pg_ctl"), "-D", str(data), "-l", str(base / "log"),
                         "-w", "-t", "30", "-o", opts, "start"]),
        capture_output=True, text=True, env=env)
    if start.returncode != 0:
        log = (base / "log").read_text(errors="replace")[-400:] if (base / "log").exists() else ""
        shutil.rmtree(base, ignore_errors=True)
        pytest.skip(f"PostgreSQL did not start: {start.stderr.strip()[-300:]} {log}")
    try:
        yield f"postgresql+psycopg://postgres@/{{db}}?host={sock}&port={port}"
    finally:
        subprocess.run(_as_server_user([str(bindir / "pg_ctl"), "-D", str(data), "-m", "fast",
                                        "-w", "stop"]), capture_output=True, env=env)
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture()
def postgresql_url(_postgresql_server: str) -> Iterator[str]:
    """SQLAlchemy URL of a new, empty database on the session's PostgreSQL server."""
    import psycopg

    name = f"t_{uuid.uuid4().hex[:12]}"
    admin = _postgresql_server.format(db="postgres").replace("postgresql+psycopg", "postgresql")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield _postgresql_server.format(db=name)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
