"""Evaluating synthetic event data against a reference (`simsynth evaluate`).

Sections of metrics (fidelity, temporal structure, utility, detectability, privacy, shortcut
audit) each return a `Section`; `evaluate` runs them all and `report.write_report` writes
`scores.json`, `report.md` and `report.html` with their figures.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .evaluation import evaluate

__all__ = ["DEFAULT_MAX_ROWS", "evaluate"]

DEFAULT_MAX_ROWS = 200_000
"""Rows per dataset that the row-wise sections (fidelity, detectability, privacy) use at most."""


def __getattr__(name: str) -> Any:
    # `evaluate` imports pandas and scipy: only when asked for (the CLI imports this package).
    if name == "evaluate":
        from .evaluation import evaluate

        return evaluate
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
