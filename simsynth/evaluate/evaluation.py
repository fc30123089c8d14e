"""`evaluate`: compare a candidate dataset with a reference one, section by section."""

from __future__ import annotations

import os
from collections.abc import Callable
from importlib import import_module
from pathlib import Path
from typing import Any

import pandas as pd

from simsynth.dataset import check_output

from . import DEFAULT_MAX_ROWS
from .inputs import EvaluationError, EvaluationInput, load_input, sample_rows, shared_roles
from .section import Section

ROW_SECTIONS = ("fidelity", "detectability", "privacy")
"""Sections given at most `max_rows` rows of each dataset (a seeded sample)."""
EVENT_SECTIONS = ("temporal",)
"""Sections given every event (order and gaps need them all)."""
TARGET_SECTIONS = ("utility", "shortcuts")
"""Sections that also take `target`, given every event (rare positives must all count)."""
ORDER = ("fidelity", "temporal", "utility", "detectability", "privacy", "shortcuts")
ANY_LABEL = "label"


def check_target(target: str, reference: pd.DataFrame, candidate: pd.DataFrame) -> None:
    """`target` must be `label` or an incident kind present in one of the datasets."""
    if target == ANY_LABEL:
        return
    kinds: set[str] = set()
    for frame in (reference, candidate):
        if "label_kind" in frame:
            kinds |= set(frame["label_kind"].astype(str).unique())
    kinds.discard("normal")
    if target not in kinds:
        known = ", ".join(sorted(kinds)) or "none"
        raise EvaluationError(
            f"--target: {target!r} is neither `label` nor an incident kind of the datasets "
            f"(kinds: {known})"
        )


def _section_function(name: str) -> Callable[..., Section]:
    """The `section` function of the module of that name (imported when first needed)."""
    return import_module(f"simsynth.evaluate.{name}").section


def build_sections(
    reference: pd.DataFrame,
    candidate: pd.DataFrame,
    *,
    target: str = ANY_LABEL,
    seed: int = 0,
    max_rows: int = DEFAULT_MAX_ROWS,
    on_section: Callable[[str], None] | None = None,
) -> tuple[list[Section], list[str]]:
    """Every section, in report order, and notes on the comparison (columns left out)."""
    comparison = shared_roles(reference, candidate)
    roles, notes = comparison.roles, comparison.notes()
    rows = {
        "reference": sample_rows(reference, max_rows, seed),
        "candidate": sample_rows(candidate, max_rows, seed + 1),
    }
    if len(reference) > max_rows or len(candidate) > max_rows:
        notes.append(
            f"Fidelity, detectability and privacy use at most {max_rows:,} rows of each "
            "dataset (a seeded sample); the other sections use every event."
        )
    sections = []
    for name in ORDER:
        function = _section_function(name)
        if on_section is not None:
            on_section(name)
        if name in ROW_SECTIONS:
            sections.append(function(rows["reference"], rows["candidate"], roles, seed=seed))
        elif name in EVENT_SECTIONS:
            sections.append(function(reference, candidate, roles, seed=seed))
        else:
            sections.append(function(reference, candidate, roles, target=target, seed=seed))
    return sections, notes


def evaluate(
    reference: str | os.PathLike[str] | pd.DataFrame,
    candidate: str | os.PathLike[str] | pd.DataFrame,
    *,
    target: str = ANY_LABEL,
    out: str | os.PathLike[str] | None = None,
    seed: int = 0,
    max_rows: int = DEFAULT_MAX_ROWS,
    overwrite: bool = False,
    verify: bool = True,
    on_section: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Compare `candidate` with `reference` (dataset directories or events frames); write the
    report into `out` if given; return the content of `scores.json`.

    `target` is `label` (any positive) or an incident kind, for the utility and shortcut
    sections. Raises `SimsynthError` subclasses for inputs that cannot be compared.
    """
    from .report import scores_document, write_report

    if out is not None:
        given = [
            Path(data) for data in (reference, candidate) if not isinstance(data, pd.DataFrame)
        ]
        check_output(Path(out), overwrite=overwrite, inputs=given)
    if max_rows < 1:
        raise EvaluationError(f"--max-rows: {max_rows} is not a positive number of rows")
    ref = load_input(reference, "reference", verify=verify)
    cand = load_input(candidate, "candidate", verify=verify)
    check_target(target, ref.events, cand.events)
    sections, notes = build_sections(
        ref.events,
        cand.events,
        target=target,
        seed=seed,
        max_rows=max_rows,
        on_section=on_section,
    )
    described = _describe(ref, cand)
    settings = {"target": target, "seed": seed, "max_rows": max_rows}
    if out is None:
        return scores_document(sections, settings=settings, notes=notes, **described)
    return write_report(
        sections, out, settings=settings, notes=notes, overwrite=overwrite, **described
    )


def _describe(*inputs: EvaluationInput) -> dict[str, dict[str, Any]]:
    return {given.name: given.describe() for given in inputs}
