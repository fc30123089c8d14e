"""Command-line options shared by several commands: those that run many runs (`sweep`,
`rare`) and those that read datasets (`--no-verify`)."""

from __future__ import annotations

from typing import Annotated

import typer

from simsynth.scenario.schema import MAX_SEED

Workers = Annotated[int | None, typer.Option(min=1, help="Processes at once (default: the cores).")]
Executor = Annotated[str, typer.Option(help="local (a process pool) or dask (dask.distributed).")]
Address = Annotated[
    str | None, typer.Option(help="Dask scheduler, tcp://HOST:PORT (default: a local one).")
]
Overwrite = Annotated[bool, typer.Option(help="Replace an existing dataset directory.")]
Quiet = Annotated[bool, typer.Option("--quiet", "-q", help="Print nothing but errors.")]
Seed = Annotated[int, typer.Option(min=0, max=MAX_SEED, help="Root of every random stream.")]
NoVerify = Annotated[
    bool,
    typer.Option(
        "--no-verify", help="Skip checking the dataset's files against its manifest (faster)."
    ),
]
