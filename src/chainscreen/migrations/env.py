"""Alembic environment of the run store.

chainscreen runs the migrations itself (:func:`chainscreen.store.open_store` passes an open
connection in ``config.attributes["connection"]``); users need no ``alembic.ini``. A developer
can still run Alembic by hand with ``-x url=sqlite:///runs.sqlite``.
"""

from __future__ import annotations

from typing import Any

from alembic import context
from sqlalchemy import create_engine

from chainscreen.store import Base

config = context.config
connection = config.attributes.get("connection")


def _run(conn: Any) -> None:
    # render_as_batch: SQLite cannot ALTER most things; batch mode copies the table instead.
    context.configure(connection=conn, target_metadata=Base.metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


if connection is not None:
    _run(connection)
else:
    url = context.get_x_argument(as_dictionary=True).get("url") or config.get_main_option(
        "sqlalchemy.url")
    if not url:
        raise SystemExit("give the database with: alembic -x url=sqlite:///runs.sqlite ...")
    engine = create_engine(url)
    with engine.begin() as conn:
        _run(conn)
    engine.dispose()
