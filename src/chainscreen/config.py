"""Where chainscreen keeps its data, resolved once at the edge and passed in.

Library functions never read environment variables: they take folders and URLs as arguments,
and with none they use the platform's defaults. Front ends (the CLI, the web app) build one
:class:`Config` with :meth:`Config.from_env` and pass its parts down::

    cfg = Config.from_env()                       # $CHAINSCREEN_DATA_DIR, $CHAINSCREEN_DB, ...
    load_reference(root=cfg.reference_dir, user=cfg.lists_dir)
    open_store(cfg.store_url)
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

#: chainscreen's data folder (imported lists, the default run database).
DATA_DIR_ENV = "CHAINSCREEN_DATA_DIR"
#: another folder of reference lists to use instead of the shipped ones.
REFERENCE_DIR_ENV = "CHAINSCREEN_REFERENCE_DIR"
#: the run database, any SQLAlchemy URL.
DB_ENV = "CHAINSCREEN_DB"


def platform_data_dir() -> Path:
    """The platform's user data folder for chainscreen (e.g. ``~/.local/share/chainscreen``)."""
    from platformdirs import user_data_dir

    return Path(user_data_dir("chainscreen", appauthor=False))


@dataclass(frozen=True)
class Config:
    """The folders and database a run uses."""

    data_dir: Path
    #: a folder of reference lists replacing the shipped ones; None for the shipped lists
    reference_dir: Path | None = None
    #: the run database URL; None for a SQLite file in :attr:`data_dir`
    db_url: str | None = None

    @property
    def lists_dir(self) -> Path:
        """Imported list editions and their ``catalogue.json``."""
        return self.data_dir / "lists"

    @property
    def cache_dir(self) -> Path:
        """What is rebuilt from the lists when missing: the match index per list edition, the
        screening context ``check`` reads."""
        return self.data_dir / "cache"

    @property
    def store_url(self) -> str:
        """The run database: :attr:`db_url`, else ``runs.sqlite`` in :attr:`data_dir`."""
        return self.db_url or f"sqlite:///{self.data_dir / 'runs.sqlite'}"

    @classmethod
    def default(cls) -> Config:
        """The platform's defaults, whatever the environment says."""
        return cls(data_dir=platform_data_dir())

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Config:
        """The defaults overridden by ``$CHAINSCREEN_DATA_DIR``, ``$CHAINSCREEN_REFERENCE_DIR``
        and ``$CHAINSCREEN_DB`` (what the command line does once, at start)."""
        env = os.environ if environ is None else environ
        data = env.get(DATA_DIR_ENV)
        ref = env.get(REFERENCE_DIR_ENV)
        return cls(data_dir=Path(data) if data else platform_data_dir(),
                   reference_dir=Path(ref) if ref else None, db_url=env.get(DB_ENV) or None)
