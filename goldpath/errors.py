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
