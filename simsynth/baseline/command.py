"""`simsynth baseline`: the command line of distribution-sampler baselines (registered by
simsynth.cli)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from simsynth.run_options import NoVerify, Seed


def baseline(
    dataset: Annotated[Path, typer.Argument(help="Dataset directory to fit.")],
    method: Annotated[
        str, typer.Option(help="marginals (independent columns) or copula (Gaussian copula).")
    ] = "marginals",
    out: Annotated[
        Path | None, typer.Option(help="Output dataset (default: DATASET-<method> next to it).")
    ] = None,
    rows: Annotated[
        int | None, typer.Option(help="Events per run (default: as many as the dataset's run).")
    ] = None,
    seed: Seed = 0,
    overwrite: Annotated[bool, typer.Option(help="Replace an existing directory.")] = False,
    no_verify: NoVerify = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print nothing but errors.")] = False,
) -> None:
    """Sample a dataset's fitted marginals (or copula): the baseline to beat.

    An i.i.d. sampler is fitted per (event type, label kind) and its sample written as a
    dataset in the same format."""
    from simsynth.cli import BAD_INPUT, console, reporting_errors

    try:
        from .build import default_out, write_baseline
    except ImportError as error:
        print(
            f"simsynth baseline needs the eval extra (pip install 'simsynth[eval]'): {error}",
            file=sys.stderr,
        )
        raise typer.Exit(BAD_INPUT) from None
    with reporting_errors():
        manifest = write_baseline(
            dataset,
            method,
            out=out,
            rows=rows,
            seed=seed,
            overwrite=overwrite,
            verify=not no_verify,
        )
    if not quiet:
        target = out if out is not None else default_out(dataset, method)
        counts = manifest["counts"]
        strata = len(manifest["baseline"]["fits"]["strata"])
        console.print(f"baseline ({method}): {target}")
        console.print(
            f"  events {counts['events']:,} · strata {strata} · episodes {counts['episodes']:,} "
            "(one per positive event)"
        )
