"""`simsynth import`: the command line of importing a user's log (registered by simsynth.cli)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer


def import_log(
    file: Annotated[Path, typer.Argument(help="The log: a .csv or .parquet file.")],
    mapping: Annotated[Path, typer.Option(help="YAML file mapping its columns to the dataset's.")],
    out: Annotated[Path, typer.Option(help="Dataset directory to write.")],
    overwrite: Annotated[bool, typer.Option(help="Replace an existing directory.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print nothing but errors.")] = False,
) -> None:
    """Convert a real event log (CSV or Parquet) into a dataset.

    A mapping file says which columns are the time, event type, entity and labels, so that
    real data can be the reference of comparisons."""
    from simsynth.cli import console, reporting_errors

    from .build import import_log as run_import

    with reporting_errors():
        manifest = run_import(file, mapping, out, overwrite=overwrite)
    for note in manifest["import"]["notes"]:
        print(f"note: {note}", file=sys.stderr)
    if not quiet:
        counts = manifest["counts"]
        positives = sum(counts["positives"].values())
        console.print(f"dataset: {out}")
        console.print(
            f"  runs {len(manifest['runs'])} · events {counts['events']:,} · "
            f"episodes {counts['episodes']:,} · positive events {positives:,}"
        )
