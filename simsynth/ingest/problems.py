"""Problems found in a user's data file, one line each, collected before anything is written."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from simsynth.errors import SimsynthError

ROWS_SHOWN = 10
"""Rows listed per kind of problem; the rest are counted in one more line."""


class ImportDataError(SimsynthError):
    """The data file cannot be imported: one line per problem, naming file, column and row."""

    def __init__(self, problems: Sequence[str]):
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))

    def lines(self) -> list[str]:
        return self.problems


class DataProblems:
    """Collects the problems of one data file."""

    def __init__(self, file: str):
        self.file = file
        self.lines: list[str] = []

    def add(self, message: str) -> None:
        """A problem of the whole file or of a column."""
        self.lines.append(f"{self.file}: {message}")

    def rows(self, bad: np.ndarray, describe: Callable[[int], str]) -> None:
        """A problem of the rows where `bad` is true; `describe(row)` says what is wrong with
        the row at that position (file order). Rows are numbered from 1, the first data row."""
        where = np.flatnonzero(bad)
        for position in where[:ROWS_SHOWN]:
            self.add(f"row {position + 1}: {describe(int(position))}")
        if len(where) > ROWS_SHOWN:
            self.add(f"{len(where) - ROWS_SHOWN} more rows with the same problem")

    def raise_if_any(self) -> None:
        if self.lines:
            raise ImportDataError(self.lines)
