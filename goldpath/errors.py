"""Errors a user can meet, each naming what to fix."""

from __future__ import annotations


class GoldpathError(Exception):
    """Base class for every error goldpath reports to a user."""


class ConfigError(GoldpathError):
    """A workspace or model file is invalid; the message names the file and the key."""


class SourceError(GoldpathError):
    """An input file cannot be read at all; the run stops before anything is written.

    Parameters
    ----------
    file
        The file (or source name) that failed.
    problem
        What is wrong and what was expected.
    row, column
        Where, when known (``row`` is ``"header"`` for a missing column).
    """

    def __init__(self, file: str, problem: str, row: int | str | None = None, column: str | None = None):
        self.file, self.problem, self.row, self.column = file, problem, row, column
        where = [file]
        if row is not None:
            where.append(f"row {row}")
        if column is not None:
            where.append(f"column {column}")
        super().__init__(f"{', '.join(where)}: {problem}")


class InputError(GoldpathError):
    """A value given to a write (a Python call, an API request, a dashboard form) is invalid.

    Parameters
    ----------
    field
        The argument or request field at fault (``role``, ``outcome_id``, ``date``...).
    problem
        What is wrong and what was expected.
    """

    def __init__(self, field: str, problem: str):
        self.field, self.problem = field, problem
        super().__init__(f"{field}: {problem}")


class NotFoundError(InputError):
    """A write or a read names an account, contact, outcome or override that does not exist."""


class ConflictError(GoldpathError):
    """A write conflicts with the stored state (a stale plan version, an override already withdrawn,
    a row from a source file that only the file can change); the REST API answers 409.

    Parameters
    ----------
    field
        The argument or request field the conflict is about.
    problem
        What conflicts and what to do instead.
    """

    def __init__(self, field: str, problem: str):
        self.field, self.problem = field, problem
        super().__init__(f"{field}: {problem}")


class StoreInUseError(GoldpathError):
    """The workspace's DuckDB store is open for writing in another process (e.g. ``goldpath serve``)."""
