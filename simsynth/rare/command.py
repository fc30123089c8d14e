"""`simsynth rare`: the command line of training-set building (registered by simsynth.cli)."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from simsynth.run_options import Address, Executor, Overwrite, Quiet, Workers

from .options import DEFAULT_MAX_RUNS, DEFAULT_POSITIVES, OptionError, RareOptions, parse_split


def rare(
    file: Annotated[Path, typer.Argument(help="Scenario file (YAML) with incidents.")],
    out: Annotated[Path, typer.Option(help="Directory of the training set.")],
    positives: Annotated[
        int, typer.Option(help="Run until each incident kind has this many episodes.")
    ] = DEFAULT_POSITIVES,
    runs: Annotated[
        int | None, typer.Option(help="Run exactly this many runs instead of --positives.")
    ] = None,
    prevalence: Annotated[
        float | None, typer.Option(help="Share of positive samples to reach (default: natural).")
    ] = None,
    unit: Annotated[str, typer.Option(help="A sample is an event, a window or a sequence.")] = (
        "event"
    ),
    by: Annotated[str, typer.Option(help="Windows/sequences of each entity or of the world.")] = (
        "entity"
    ),
    window: Annotated[str, typer.Option(help="Window length (unit window), e.g. 10min.")] = "10min",
    lead: Annotated[
        str, typer.Option(help="Time before an episode its sequence starts (unit sequence).")
    ] = "10min",
    split: Annotated[str, typer.Option(help="Train,validation,test shares.")] = "0.7,0.15,0.15",
    split_by: Annotated[
        str, typer.Option(help="run (whole runs per split) or time (cuts within runs).")
    ] = "run",
    gap: Annotated[str, typer.Option(help="Time left out around each cut (--split-by time).")] = (
        "0"
    ),
    twins: Annotated[
        bool, typer.Option(help="Rerun runs without incidents; label what changed `affected`.")
    ] = False,
    workers: Workers = None,
    executor: Executor = "local",
    address: Address = None,
    max_runs: Annotated[int, typer.Option(help="Give up after this many runs.")] = (
        DEFAULT_MAX_RUNS
    ),
    resume: Annotated[bool, typer.Option(help="Reuse the runs of an interrupted build.")] = False,
    overwrite: Overwrite = False,
    quiet: Quiet = False,
) -> None:
    """Build a rare-event training set (prevalence, weights, splits, twins).

    Runs the scenario until every incident kind has enough episodes, samples negatives down to
    a prevalence with inverse-inclusion weights, splits by run (or by time) and, with
    --twins, labels what the incidents changed `affected`."""
    from simsynth.cli import console, load_sweep_scenario, reporting_errors, reporting_runs

    from .build import build_training_set

    with reporting_errors():
        options = _options(locals())
    scenario = load_sweep_scenario(file, executor, address, quiet=quiet)
    if (note := options.runs_note()) is not None and not quiet:
        print(note, file=sys.stderr)
    with reporting_runs(scenario.name, quiet=quiet) as callbacks:
        manifest = build_training_set(
            scenario,
            out,
            options,
            workers=workers or os.cpu_count() or 1,
            executor=executor,  # type: ignore[arg-type]
            address=address,
            resume=resume,
            overwrite=overwrite,
            **callbacks,
        )
    if not quiet:
        console.print(summary(out, manifest))


def _options(given: dict[str, Any]) -> RareOptions:
    from simsynth.units import parse_duration

    durations = {}
    for name in ("window", "lead", "gap"):
        try:
            text = given[name]
            durations[name] = (
                float(text) if text.replace(".", "", 1).isdigit() else parse_duration(text)
            )
        except (ValueError, TypeError) as error:
            raise OptionError(f"--{name}: {given[name]!r} is not a duration ({error})") from None
    return RareOptions(
        positives=given["positives"],
        runs=given["runs"],
        prevalence=given["prevalence"],
        unit=given["unit"],
        by=given["by"],
        split=parse_split(given["split"]),
        split_by=given["split_by"],
        twins=given["twins"],
        max_runs=given["max_runs"],
        **durations,
    )


def summary(out: Path, manifest: dict[str, Any]) -> str:
    """What the set holds, for the terminal."""
    trained = manifest["training_set"]
    lines = [
        f"training set: {out}  ({trained['unit']} samples: {trained['samples']:,} from "
        f"{len(manifest['runs'])} runs)",
        f"  prevalence: natural {trained['natural_prevalence']:.4%} → "
        f"{trained['achieved_prevalence']:.2%} (negative weight "
        f"{trained['negatives']['weight']:.4g})",
        f"  runs: {len(manifest['runs'])}, {_runs_reason(trained)}",
        *(
            [f"  (--prevalence {requested:g} is below the natural rate: every negative is kept)"]
            if (requested := trained["options"]["prevalence"]) is not None
            and requested < trained["natural_prevalence"]
            else []
        ),
        "  episodes: " + ", ".join(f"{k} {n}" for k, n in trained["episodes_by_kind"].items()),
    ]
    for name, split in trained["splits"].items():
        lines.append(
            f"  {name:<10} runs {split['runs']:>4} · samples {split['samples']:>9,} · "
            f"positives {split['positives']:>7,}"
        )
    return "\n".join(lines)


def _runs_reason(trained: dict[str, Any]) -> str:
    """What set the number of runs, in words (from the manifest's `runs_set_by`)."""
    set_by = trained["runs_set_by"]
    if set_by["cause"] == "runs":
        return "as --runs asked"
    if set_by["cause"] == "splits":
        splits = [name for name, share in trained["options"]["split"].items() if share]
        return f"one for each split ({', '.join(splits)})"
    kinds = set_by["kinds"]
    last = "the last kind" if len(kinds) == 1 else "the last kinds"
    return f"set by {', '.join(kinds)}: {last} to reach {trained['options']['positives']} episodes"
