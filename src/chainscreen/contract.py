"""The JSON output contract (``screen --format json``), read back: load a results file and check
it against the published schema (``docs/schema/screen-output.schema.json``) before anything
uses it, so a damaged or edited file is one clear error, never a crash half-way through a report.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from chainscreen.errors import InputError
from chainscreen.resources import schema_path


@cache
def _validator() -> Any:
    from jsonschema import Draft202012Validator

    schema = json.loads(schema_path("screen-output").read_text(encoding="utf-8"))
    return Draft202012Validator(schema)


def _where(error: Any) -> str:
    parts: list[str] = []
    for p in error.absolute_path:
        parts.append(f"[{p}]" if isinstance(p, int) else (f".{p}" if parts else str(p)))
    return "".join(parts) or "the top level"


def check_results(data: Any, *, source: str) -> dict[str, Any]:
    """``data`` when it follows the output contract; else InputError naming the first place
    (``rows[3].level``) where it does not."""
    from jsonschema.exceptions import best_match

    error = best_match(_validator().iter_errors(data))
    if error is not None:
        message = error.message if len(error.message) <= 160 else error.message[:157] + "..."
        raise InputError(f"not a valid chainscreen JSON result file: {_where(error)}: {message} "
                         "(make one with `chainscreen screen FILE --format json`)", path=source)
    rows = [r["row"] for r in data["rows"]]
    if len(set(rows)) != len(rows):
        raise InputError("not a valid chainscreen JSON result file: a row number appears twice",
                         path=source)
    return dict(data)


def load_results(path: Path) -> dict[str, Any]:
    """Read and check a results file written by ``chainscreen screen --format json``."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError("file not found", path=str(path)) from None
    except IsADirectoryError:
        raise InputError("is a folder, not a results file", path=str(path)) from None
    except UnicodeDecodeError:
        raise InputError("not a chainscreen JSON result file (not UTF-8 text)", path=str(path)) from None
    except OSError as exc:
        raise InputError(f"cannot read it ({exc.strerror})", path=str(path)) from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"not a chainscreen JSON result file (not JSON: {exc})", path=str(path)) from None
    except RecursionError:
        raise InputError("not a chainscreen JSON result file (JSON nested too deeply)",
                         path=str(path)) from None
    return check_results(data, source=str(path))
