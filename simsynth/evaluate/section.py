"""One part of an evaluation report: its scores, tables, figures and warnings."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from matplotlib.figure import Figure

Score = float | int | str | None | dict[str, Any] | list[Any]
"""A JSON-able score (nested dicts for per-column or per-kind figures)."""


@dataclass
class Section:
    """What one family of metrics found, for `scores.json` and the reports.

    Attributes:
        name: short key in `scores.json` (e.g. `fidelity`, `temporal`, `utility`).
        title: heading in the reports.
        summary: the section's headline scores (JSON-able; 1 is best where a score is a
            similarity, and each key says what it is).
        details: finer scores (per column, per kind, per pair).
        tables: titled tables shown in the reports.
        figures: named functions drawing the section's matplotlib figures.
        notes: sentences explaining how to read the section.
        warnings: problems found (e.g. identifiers that predict the label).
    """

    name: str
    title: str
    summary: dict[str, Score] = field(default_factory=dict)
    details: dict[str, Score] = field(default_factory=dict)
    tables: list[tuple[str, pd.DataFrame]] = field(default_factory=list)
    figures: list[tuple[str, Callable[[], Figure]]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def scores(self) -> dict[str, Any]:
        """The section's entry in `scores.json`."""
        return {"summary": self.summary, "details": self.details, "warnings": self.warnings}
