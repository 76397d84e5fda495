"""One exception family with messages a user can act on, and the exit codes the CLI maps them to."""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """Exit codes scripts can rely on."""

    OK = 0
    ERROR = 1  # bad input, bad reference data, anything chainscreen could not do
    USAGE = 2  # wrong command-line use (Click's own code)
    HITS = 3  # --fail-on threshold reached


class ChainscreenError(Exception):
    """Base of every error chainscreen raises on purpose; ``str(err)`` is the one line to show."""

    exit_code: ExitCode = ExitCode.ERROR


class InputError(ChainscreenError):
    """The manifest cannot be read or understood.

    The message names the file and, where known, the row and column.
    """

    def __init__(
        self, message: str, *, path: str | None = None, row: int | None = None,
        column: str | None = None,
    ) -> None:
        where = []
        if path:
            where.append(str(path))
        if row is not None:
            where.append(f"row {row}")
        if column is not None:
            where.append(f"column {column!r}")
        prefix = ", ".join(where)
        super().__init__(f"{prefix}: {message}" if prefix else message)
        self.path = path
        self.row = row
        self.column = column


class ReferenceDataError(ChainscreenError):
    """A shipped or imported risk list is missing, tampered with, truncated or malformed."""


class SettingsError(ChainscreenError):
    """A settings file or option value is invalid."""


class OutputError(ChainscreenError):
    """An output cannot be written (exists without --force, no permission, ...)."""
