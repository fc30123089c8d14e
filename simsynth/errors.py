"""Errors that simsynth reports to users.

Every error a user can cause derives from `SimsynthError`; the CLI prints its lines and exits
with status 2. Anything else escaping the CLI is a bug in simsynth.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

SHOWN_CHARACTERS = 60
"""Longest echo of a user's value in a message."""
MAX_MESSAGE = 1000
"""Longest message of a problem line."""


def shown(value: object) -> str:
    """`repr(value)`, cut to `SHOWN_CHARACTERS` (an error line never echoes a huge value)."""
    text = repr(value)
    return text if len(text) <= SHOWN_CHARACTERS else text[: SHOWN_CHARACTERS - 3] + "..."


class SimsynthError(Exception):
    """Root of the errors caused by input: bad scenario files, unknown models, taken paths."""

    def lines(self) -> list[str]:
        """The one-line messages to show the user."""
        return [str(self)]


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a scenario file, located by line and key path."""

    file: str
    line: int
    key: str
    message: str

    def __str__(self) -> str:
        message = " ".join(self.message.split())  # always one line
        if len(message) > MAX_MESSAGE:
            message = message[: MAX_MESSAGE - 3] + "..."
        return f"{self.file}:{self.line}: {self.key}: {message}"


class ScenarioError(SimsynthError):
    """A scenario file is unreadable or invalid; holds every problem found in it."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))

    def lines(self) -> list[str]:
        return [str(p) for p in self.problems]


class UnknownModelError(SimsynthError):
    """No model is registered under the requested key."""


class OutputExistsError(SimsynthError):
    """The output directory exists and the user did not ask to overwrite it."""

    def __init__(self, path: Path):
        self.path = path
        super().__init__(
            f"{path}: output directory already exists (pass --overwrite to replace it, "
            "or choose another directory with --out)"
        )


class OutputRefusedError(SimsynthError):
    """The output path is not one simsynth may write or replace (a user's folder or file, the
    working directory, a command's own input)."""


class DatasetError(SimsynthError):
    """A dataset directory is missing, incomplete or not a simsynth dataset."""
