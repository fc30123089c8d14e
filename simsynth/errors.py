"""Errors that simsynth reports to users.

Every error a user can cause derives from `SimsynthError`; the CLI prints its lines and exits
with status 2. Anything else escaping the CLI is a bug in simsynth.
"""

from __future__ import annotations

import errno
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


OS_HINTS = {
    errno.ENOSPC: "the disk is full: free some space or write elsewhere with --out",
    errno.EDQUOT: "the disk quota is used up: free some space or write elsewhere with --out",
    errno.EFBIG: "a file grew beyond what this system allows: write elsewhere with --out",
    errno.EROFS: "the file system is read-only: write elsewhere with --out",
    errno.EACCES: "permission denied: write elsewhere with --out, or change the permissions",
    errno.EPERM: "not permitted: write elsewhere with --out, or change the permissions",
    errno.EEXIST: "a file is where a folder is needed: choose another --out",
    errno.ENOTDIR: "a file is where a folder is needed: choose another --out",
}


def os_error_line(error: OSError) -> str:
    """One line for what the operating system refused (a full disk, a read-only folder)."""
    where = f"{error.filename}: " if error.filename else ""
    reason = error.strerror or " ".join(str(error).split())
    hint = OS_HINTS.get(error.errno or 0)
    return f"{where}{reason}" + (f" ({hint})" if hint else "")


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
