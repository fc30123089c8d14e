"""The `simsynth` command line (DESIGN §8).

User mistakes (`SimsynthError`) print one line each on stderr and exit with status 2; any
other exception is a bug and keeps its traceback.
"""

from __future__ import annotations

import gc
import json
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console

from simsynth.baseline.command import baseline
from simsynth.errors import SimsynthError, os_error_line
from simsynth.evaluate.command import evaluate
from simsynth.ingest.command import import_log
from simsynth.rare.command import rare
from simsynth.run_options import Address, Executor, NoVerify, Overwrite, Quiet, Workers
from simsynth.scenario.schema import MAX_SEED

if TYPE_CHECKING:
    from simsynth.scenario import Scenario

app = typer.Typer(
    name="simsynth",
    help="Labeled synthetic training data from simulations.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console(highlight=False)

BAD_INPUT = 2
INTERRUPTED = 130
"""Exit status after Ctrl+C (128 + SIGINT), as shells report it."""
LOOPBACK = ("127.0.0.1", "localhost", "::1")


INTERRUPTED_LINE = "interrupted (Ctrl+C): nothing was written"
"""What Ctrl+C prints: a command's output is written whole or not at all."""


@contextmanager
def reporting_errors(interrupted: str = INTERRUPTED_LINE) -> Iterator[None]:
    """Turn `SimsynthError` into one line per problem on stderr and exit status 2; so too the
    machine's conditions (a full disk, a read-only folder), which leave nothing behind. Ctrl+C
    prints the one line `interrupted` and exits 130."""
    try:
        yield
    except (KeyboardInterrupt, SystemError) as error:
        # Ctrl+C while numba-compiled code runs surfaces as a SystemError around the interrupt
        cause = error.__cause__ or error.__context__
        if isinstance(error, SystemError) and not isinstance(cause, KeyboardInterrupt):
            raise
        print(interrupted, file=sys.stderr)
        raise typer.Exit(INTERRUPTED) from None
    except SimsynthError as error:
        for line in error.lines():
            print(line, file=sys.stderr)
        raise typer.Exit(BAD_INPUT) from None
    except OSError as error:
        print(os_error_line(error), file=sys.stderr)
        raise typer.Exit(BAD_INPUT) from None


def load_sweep_scenario(
    file: Path, executor: str, address: str | None, *, quiet: bool = False
) -> Scenario:
    """The scenario of a command running many runs (`sweep`, `rare`), its grid and executor
    options checked (exit 2 otherwise); its warnings printed unless `quiet`."""
    from simsynth.scenario import load_scenario_and_warnings

    if executor not in ("local", "dask"):
        print(f"--executor: {executor!r} is not one of: local, dask", file=sys.stderr)
        raise typer.Exit(BAD_INPUT)
    if address is not None and executor != "dask":
        print("--address needs --executor dask", file=sys.stderr)
        raise typer.Exit(BAD_INPUT)
    with reporting_errors():
        scenario, warnings = load_scenario_and_warnings(file)
    for warning in [] if quiet else warnings:
        print(warning, file=sys.stderr)
    return scenario


@contextmanager
def reporting_runs(name: str, *, quiet: bool) -> Iterator[dict[str, Any]]:
    """Yield the progress callbacks of many runs (`on_planned`, `on_outcome`: a bar on a
    terminal unless quiet); bad input exits 2, runs that failed exit 1."""
    from simsynth.progress import runs_progress
    from simsynth.sweep.sweep import SweepFailed

    interrupted = (
        "interrupted (Ctrl+C): nothing was written; the finished runs are kept, and the same "
        "command with --resume runs only the others"
    )
    try:
        with (
            reporting_errors(interrupted),
            runs_progress(name, enabled=not quiet and sys.stderr.isatty()) as bar,
        ):
            yield {"on_planned": bar and bar.planned, "on_outcome": bar and bar.ended}
    except SweepFailed as failure:
        for line in failure.lines():
            print(line, file=sys.stderr)
        raise typer.Exit(1) from None


def _version(value: bool) -> None:
    if value:
        from simsynth import __version__

        print(f"simsynth {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")
    ] = False,
) -> None:
    """Labeled synthetic training data from simulations."""


@app.command()
def run(
    file: Annotated[Path, typer.Argument(help="Scenario file (YAML).")],
    out: Annotated[
        Path | None, typer.Option(help="Dataset directory (default: output.dir).")
    ] = None,
    seed: Annotated[
        int | None, typer.Option(min=0, max=MAX_SEED, help="Replace the scenario's seed.")
    ] = None,
    overwrite: Annotated[bool, typer.Option(help="Replace an existing dataset directory.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print nothing but errors.")] = False,
) -> None:
    """Run a scenario and write its labeled dataset."""
    from simsynth.estimate import estimate_runs, size_warnings
    from simsynth.progress import simulated_time_progress
    from simsynth.runner import run as run_scenario
    from simsynth.scenario import load_scenario_and_warnings

    with reporting_errors():
        scenario, warnings = load_scenario_and_warnings(file)
        if not quiet:
            target = out if out is not None else scenario.output_dir
            lines = [str(warning) for warning in warnings]
            if scenario.sweep is not None:
                lines.append(
                    "note: `run` writes one run; `simsynth sweep` runs the `sweep` section."
                )
            lines += size_warnings(estimate_runs(scenario, runs=1), target)
            for line in lines:
                print(line, file=sys.stderr)
        show = not quiet and sys.stderr.isatty()
        # What exists now (modules, the scenario) outlives the run: keep full collections
        # from walking it again and again while a model creates its agents.
        gc.freeze()
        try:
            with simulated_time_progress(scenario.name, enabled=show) as progress:
                manifest = run_scenario(
                    scenario, out=out, seed=seed, overwrite=overwrite, progress=progress
                )
        finally:
            gc.unfreeze()
    if not quiet:
        _print_summary(out if out is not None else scenario.output_dir, manifest)


def _print_summary(directory: Path, manifest: dict[str, Any]) -> None:
    counts = manifest["counts"]
    positives = counts["positives"]
    kinds = ", ".join(f"{kind} {n:,}" for kind, n in positives.items()) or "none"
    console.print(f"dataset: {directory}")
    console.print(
        f"  events {counts['events']:,} · episodes {counts['episodes']:,} · "
        f"positive events {sum(positives.values()):,} ({kinds})"
    )
    console.print(f"  read it: pandas.read_parquet('{directory}/events')")


@app.command()
def plot(
    dataset: Annotated[Path, typer.Argument(help="Dataset directory written by `run`.")],
    out: Annotated[
        Path | None, typer.Option(help="Where to write the PNGs (default: DATASET/plots).")
    ] = None,
    no_verify: NoVerify = False,
) -> None:
    """Write the figures of a finished dataset: a timeline and the model's overview, per run."""
    from simsynth.dataset import read_manifest
    from simsynth.figures import run_scenario, write_figures

    with reporting_errors():
        manifest = read_manifest(dataset, verify=not no_verify)
        target = out if out is not None else dataset / "plots"
        for run in manifest["runs"]:
            scenario = run_scenario(manifest, run)
            for path in write_figures(dataset, run["run_id"], scenario, target):
                console.print(str(path))


@app.command()
def sweep(
    file: Annotated[Path, typer.Argument(help="Scenario file (YAML) with a `sweep:` section.")],
    runs: Annotated[
        int | None, typer.Option(min=1, help="Runs per grid point (replaces sweep.runs).")
    ] = None,
    workers: Workers = None,
    executor: Executor = "local",
    address: Address = None,
    resume: Annotated[
        bool, typer.Option(help="Continue an interrupted sweep: only missing or failed runs.")
    ] = False,
    out: Annotated[
        Path | None, typer.Option(help="Dataset directory (default: output.dir).")
    ] = None,
    overwrite: Overwrite = False,
    quiet: Quiet = False,
) -> None:
    """Run a scenario's sweep (seeds x grid) into one dataset, a partition per run."""
    from simsynth.sweep.sweep import run_sweep

    scenario = load_sweep_scenario(file, executor, address, quiet=quiet)
    target = out if out is not None else scenario.output_dir
    with reporting_runs(scenario.name, quiet=quiet) as callbacks:
        result = run_sweep(
            scenario,
            target,
            runs=runs,
            workers=workers or os.cpu_count() or 1,
            executor=executor,  # type: ignore[arg-type]
            address=address,
            resume=resume,
            overwrite=overwrite,
            **callbacks,
        )
    if not quiet:
        counts = result.manifest["counts"]
        reused = f" ({result.reused} kept from before)" if result.reused else ""
        console.print(
            f"dataset: {target}\n  runs {len(result.records)}{reused} · "
            f"events {counts['events']:,} · episodes {counts['episodes']:,}"
        )


app.command()(rare)
app.command()(baseline)
app.command("import")(import_log)
app.command()(evaluate)


@app.command()
def view(
    target: Annotated[
        Path, typer.Argument(help="Scenario file to run live, or dataset directory to replay.")
    ],
    port: Annotated[int, typer.Option(min=0, max=65535, help="Port (0: any free port).")] = 8765,
    host: Annotated[
        str, typer.Option(help="Address to listen on; anything but loopback exposes the page.")
    ] = "127.0.0.1",
    no_verify: NoVerify = False,
) -> None:
    """Open a run in the browser: a scenario live, or a finished dataset as a replay."""
    from simsynth.dataset import read_manifest
    from simsynth.scenario import load_scenario

    with reporting_errors():
        if target.is_dir():
            read_manifest(target, verify=not no_verify)
        else:
            load_scenario(target)
    try:
        from simsynth.view.server import serve
    except ImportError as error:
        print(
            f"simsynth view needs the viz extra (pip install 'simsynth[viz]'): {error}",
            file=sys.stderr,
        )
        raise typer.Exit(BAD_INPUT) from None
    if host not in LOOPBACK:
        print(
            f"warning: --host {host} serves the page to other machines: it has no login, so "
            f"anyone who can reach this machine's port {port} sees the data",
            file=sys.stderr,
        )
    try:
        serve(target, host, port, lambda url: console.print(f"simsynth view: {url} (Ctrl+C stops)"))
    except SimsynthError as error:  # the port is taken, or the host is not this machine's
        print(error, file=sys.stderr)
        raise typer.Exit(BAD_INPUT) from None
    except KeyboardInterrupt:
        # The server has stopped and holds no file open for writing: skip the second or two
        # the interpreter's teardown of the page's libraries takes.
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(INTERRUPTED)


@app.command()
def validate(
    files: Annotated[list[Path], typer.Argument(help="Scenario files to check.")],
) -> None:
    """Check scenario files without running them; say how big their runs would be."""
    from simsynth.estimate import estimate_runs, size_warnings
    from simsynth.scenario import load_scenario_and_warnings

    failed = False
    for file in files:
        try:
            scenario, warnings = load_scenario_and_warnings(file)
        except SimsynthError as error:
            failed = True
            for line in error.lines():
                print(line, file=sys.stderr)
        else:
            size = estimate_runs(scenario)
            expected = f"; {size.text()}" if size is not None else ""
            incidents = len(scenario.incidents)
            plural = "" if incidents == 1 else "s"
            print(f"{file}: ok ({scenario.model}, {incidents} incident{plural}{expected})")
            for line in warnings:
                print(line, file=sys.stderr)
            for warning in size_warnings(size, scenario.output_dir):
                print(f"{file}: {warning}", file=sys.stderr)
    if failed:
        raise typer.Exit(BAD_INPUT)


@app.command("list")
def list_models() -> None:
    """List the registered models and their incident kinds."""
    from simsynth import registry
    from simsynth.describe import Listing, render

    rows = []
    for key in registry.entries():
        with reporting_errors():
            model = registry.load(key)
        rows.append(
            (key, f"{model.summary}\nincident kinds: {', '.join(model.incident_kinds) or 'none'}")
        )
    for part in render([Listing("", ("model", "what it simulates"), rows)], console.width):
        console.print(part)


@app.command()
def describe(
    model: Annotated[str, typer.Argument(help="Model key, e.g. customers.contact_center.")],
) -> None:
    """Show a model's params, incident kinds and event columns."""
    from simsynth import registry
    from simsynth.describe import model_description, render

    with reporting_errors():
        model_class = registry.load(model)
    for part in render(model_description(model_class), console.width):
        console.print(part)


@app.command()
def schema() -> None:
    """Print the JSON Schema of scenario files (for editors)."""
    from simsynth.scenario import scenario_json_schema

    print(json.dumps(scenario_json_schema(), indent=2))
