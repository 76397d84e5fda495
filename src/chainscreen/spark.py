"""chainscreen in a Spark notebook: screen a DataFrame where it lives.

::

    from chainscreen.spark import screen_dataframe
    screened = screen_dataframe(spark.table("lake.bill_of_lading"),
                                mapping={"supplier": "shipper_name"})
    screened.filter("`Risk level` = 'high'").show()

The rows' distinct facts (supplier, country, goods, HS code, address) are screened once, on the
executors, against a screening context broadcast once, and joined back: the added columns are
:data:`chainscreen.result.ADDED_COLUMNS`, with exactly the values a local run gives. The
executors need chainscreen installed (docs/SPARK.md). A whole run (read, store, report) is
``chainscreen screen INPUT --engine spark`` or :func:`chainscreen.run.screen_run` with
``engine="spark"``.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from chainscreen import engines
from chainscreen.engines import BatchContext, screen_spark_frame
from chainscreen.errors import InputError

if TYPE_CHECKING:
    from chainscreen.reference import ReferenceSet
    from chainscreen.settings import Settings

__all__ = ["BatchContext", "screen_dataframe", "spark_available", "spark_session"]


def spark_available() -> str | None:
    """None when pyspark and Java 17 or newer (``$JAVA_HOME``'s, else the PATH's) are here;
    otherwise why Spark cannot run."""
    return engines.spark_available(os.environ.get("JAVA_HOME") or None)


def spark_session(master: str | None = None, partitions: int | None = None) -> Any:
    """The active SparkSession, or a new one on ``master`` (default ``local[*]``) once its Java
    (``$JAVA_HOME``'s, else the PATH's) is known to be 17 or newer; in local mode the Python
    workers run this interpreter, where chainscreen is installed."""
    if master is None or master.startswith("local"):
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    return engines.spark_session(master, partitions, java_home=os.environ.get("JAVA_HOME") or None)


def screen_dataframe(spark_df: Any, settings: Settings | None = None, mapping: Mapping[str, str] | None = None,
                     *, reference: ReferenceSet | None = None, problems: bool = False) -> Any:
    """``spark_df`` with the added columns (``problems=True`` adds ``Problems`` too).

    Columns are mapped to fields as for a file (``mapping`` overrides, ``{"supplier": "Vendor"}``);
    values are read as text (a null is empty). Lazy, like any DataFrame transformation.
    """
    from chainscreen.columns import list_headers, map_columns

    headers = [str(c) for c in spark_df.columns]
    columns = map_columns(headers, mapping)
    if not any(k in columns for k in ("supplier", "goods", "hs_code")):
        raise InputError(f"no column for supplier, goods or HS code; columns: {list_headers(headers)}; "
                         "pass mapping={'supplier': COLUMN}")
    context = BatchContext.load(settings, columns, reference)
    return screen_spark_frame(spark_df, context, problems=problems)
