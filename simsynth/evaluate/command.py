"""`simsynth evaluate`: the command line of dataset comparison (registered by simsynth.cli)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from simsynth.run_options import NoVerify, Seed

from . import DEFAULT_MAX_ROWS


def evaluate(
    reference: Annotated[
        Path, typer.Argument(help="Reference dataset (a held-out run, imported real data).")
    ],
    candidate: Annotated[
        Path, typer.Argument(help="Dataset to judge (another simulation, a baseline).")
    ],
    target: Annotated[
        str, typer.Option(help="What utility and shortcut audit detect: label or a kind.")
    ] = "label",
    out: Annotated[Path, typer.Option(help="Report directory.")] = Path("report"),
    seed: Seed = 0,
    max_rows: Annotated[
        int,
        typer.Option(min=1, help="Rows per dataset for fidelity, detectability and privacy."),
    ] = DEFAULT_MAX_ROWS,
    overwrite: Annotated[bool, typer.Option(help="Replace an existing report directory.")] = False,
    no_verify: NoVerify = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print nothing but errors.")] = False,
) -> None:
    """Compare a candidate dataset with a reference and write a report.

    Fidelity, temporal structure, utility, detectability, privacy and a shortcut audit, in
    report.md, report.html and scores.json."""
    from simsynth.cli import console, reporting_errors

    from .evaluation import evaluate as run_evaluation

    def progress(name: str) -> None:
        print(f"evaluating {name}…", file=sys.stderr, flush=True)

    with reporting_errors():
        scores = run_evaluation(
            reference,
            candidate,
            target=target,
            out=out,
            seed=seed,
            max_rows=max_rows,
            overwrite=overwrite,
            verify=not no_verify,
            on_section=None if quiet or not sys.stderr.isatty() else progress,
        )
    if not quiet:
        console.print(headline_table(scores))
        for name in ("report.html", "report.md", "scores.json"):
            print(f"report: {out / name}")


def headline_table(scores: dict[str, Any]) -> Any:
    """The headline scores of `scores.json` as a terminal table."""
    from rich.table import Table

    from .render import cell, headline

    table = Table("section", "score", "value", box=None)
    summaries = {name: section["summary"] for name, section in scores["sections"].items()}
    for name, key, value in headline(summaries):
        table.add_row(name, key, cell(value))
    return table
