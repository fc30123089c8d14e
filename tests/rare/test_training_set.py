"""`simsynth rare`: enough episodes, prevalence by sampling negatives, weights, leak-free splits.

Each set is checked against the plain sweep of the same runs (run k of a set is run k of the
scenario's sweep), which gives the natural counts independently of the set builder.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from scipy import stats

from simsynth.rare.build import build_training_set
from simsynth.rare.options import RareOptions
from simsynth.scenario import load_scenario
from simsynth.sweep.sweep import run_sweep
from tests.conftest import SMALL_CONTACT_CENTER
from tests.contract import check_dataset

PREVALENCE = 0.5  # the small world is at about 0.3
POSITIVES = 6


@pytest.fixture(scope="module")
def scenario_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("rare") / "small.yaml"
    path.write_text(yaml.safe_dump(SMALL_CONTACT_CENTER))
    return path


@pytest.fixture(scope="module")
def event_set(scenario_file: Path) -> Path:
    out = scenario_file.parent / "events-set"
    options = RareOptions(positives=POSITIVES, prevalence=PREVALENCE)
    build_training_set(load_scenario(scenario_file), out, options, workers=2)
    return out


@pytest.fixture(scope="module")
def natural(scenario_file: Path, event_set: Path) -> pd.DataFrame:
    """All events of the same runs, as a plain sweep writes them."""
    runs = len(manifest_of(event_set)["runs"])
    out = scenario_file.parent / "sweep"
    run_sweep(load_scenario(scenario_file), out, runs=runs)
    return pd.read_parquet(out / "events")


def manifest_of(directory: Path) -> dict:
    return json.loads((directory / "manifest.json").read_text())


def episode_kinds(directory: Path) -> pd.Series:
    return pd.read_parquet(directory / "episodes")["kind"].astype(str).value_counts()


def test_the_set_follows_the_dataset_contract_with_split_and_weight(event_set: Path):
    check_dataset(event_set)
    events = pd.read_parquet(event_set / "events")
    assert set(events["split"].astype(str)) == {"train", "validation", "test"}
    assert (events["weight"] >= 1.0).all()


def test_runs_continue_until_every_kind_has_enough_episodes(event_set: Path):
    manifest = manifest_of(event_set)
    kinds = episode_kinds(event_set)
    assert (kinds[["outage", "call_surge"]] >= POSITIVES).all()
    # the shortest prefix: one run fewer would miss a kind's target (or a split's run)
    last = manifest["runs"][-1]["episodes_by_kind"]
    before = kinds.copy()
    for kind, count in last.items():
        before[kind] -= count
    assert (before[["outage", "call_surge"]] < POSITIVES).any() or len(manifest["runs"]) == 3


def test_the_manifest_and_summary_name_the_kind_that_set_the_number_of_runs(event_set: Path):
    from simsynth.rare.command import summary

    manifest = manifest_of(event_set)
    set_by = manifest["training_set"]["runs_set_by"]
    kinds = episode_kinds(event_set)
    for kind, count in manifest["runs"][-1]["episodes_by_kind"].items():
        kinds[kind] -= count
    short = sorted(kind for kind in ("call_surge", "outage") if kinds[kind] < POSITIVES)
    assert short, "this small world needs more runs than splits"
    assert set_by == {"cause": "positives", "kinds": short}
    line = f"  runs: {len(manifest['runs'])}, set by {', '.join(short)}: the last kind"
    assert line in summary(event_set, manifest)


def test_more_runs_than_asked_say_why(cli, scenario_file: Path, tmp_path: Path):
    result = cli("rare", scenario_file, "--out", tmp_path / "one", "--runs", "1")
    assert result.exit_code == 0, result.stderr
    assert result.stderr.splitlines() == [
        "note: 3 runs instead of --runs 1: splitting by run needs a whole run for each of "
        "train, validation, test (or give --split-by time)"
    ]
    manifest = manifest_of(tmp_path / "one")
    assert len(manifest["runs"]) == 3
    assert manifest["training_set"]["runs_set_by"] == {"cause": "splits", "kinds": []}
    assert "  runs: 3, one for each split (train, validation, test)" in result.stdout
    halves = ("--runs", "1", "--split", "0.5,0.5,0")
    two = cli("rare", scenario_file, "--out", tmp_path / "two", *halves)
    assert "2 runs instead of --runs 1" in two.stderr and "train, validation (" in two.stderr
    time_split = ("--runs", "1", "--split-by", "time")
    by_time = cli("rare", scenario_file, "--out", tmp_path / "time", *time_split)
    assert by_time.stderr == "" and len(manifest_of(tmp_path / "time")["runs"]) == 1
    assert "  runs: 1, as --runs asked" in by_time.stdout


def test_every_positive_is_kept_once_and_the_prevalence_is_reached(
    event_set: Path, natural: pd.DataFrame
):
    events = pd.read_parquet(event_set / "events")
    assert not events.duplicated(["run_id", "event_id"]).any(), "no event twice"
    key = ["run_id", "event_id"]
    positives = natural.loc[natural["label"] == 1, key]
    kept = positives.merge(events[key], on=key)
    assert len(kept) == len(positives), "every positive of the runs is in the set"
    # rounding to whole negatives is the only slack
    assert events["label"].mean() == pytest.approx(PREVALENCE, abs=1.0 / len(events))
    assert manifest_of(event_set)["training_set"]["achieved_prevalence"] == pytest.approx(
        events["label"].mean()
    )


def test_weights_give_back_the_natural_rate(event_set: Path, natural: pd.DataFrame):
    events = pd.read_parquet(event_set / "events")
    rate = natural["label"].mean()
    weighted = np.average(events["label"], weights=events["weight"])
    assert weighted == pytest.approx(rate, rel=1e-9), "exact on the whole set"
    assert manifest_of(event_set)["training_set"]["natural_prevalence"] == pytest.approx(rate)
    split_of_run = events.groupby("run_id", observed=True)["split"].first().astype(str)
    for split, runs in split_of_run.groupby(split_of_run):
        truth = natural[natural["run_id"].isin(runs.index)]["label"].mean()
        rows = events[events["split"] == split]
        estimate = np.average(rows["label"], weights=rows["weight"])
        # negatives of a split are a hypergeometric share of all negatives: a 99.9% interval
        # of the split's weighted rate from the binomial error of its sampled negatives
        kept = int((rows["label"] == 0).sum())
        available = int((natural[natural["run_id"].isin(runs.index)]["label"] == 0).sum())
        low, high = stats.binom.interval(0.999, available, kept / available)
        positives = int(rows["label"].sum())
        weight = rows.loc[rows["label"] == 0, "weight"].iloc[0]
        bounds = sorted(positives / (positives + n * weight) for n in (low, high))
        assert bounds[0] <= truth <= bounds[1], split
        assert bounds[0] <= estimate <= bounds[1], split


def test_no_run_is_in_two_splits(event_set: Path):
    events = pd.read_parquet(event_set / "events")
    assert (events.groupby("run_id", observed=True)["split"].nunique() == 1).all()
    manifest = manifest_of(event_set)
    by_split: dict[str, set[int]] = {}
    for run in manifest["runs"]:
        by_split.setdefault(run["split"], set()).add(run["run_id"])
    assert sum(len(runs) for runs in by_split.values()) == len(manifest["runs"])
    for split, runs in by_split.items():
        written = set(events.loc[events["split"] == split, "run_id"].astype(int))
        assert written <= runs
        assert manifest["training_set"]["splits"][split]["runs"] == len(written)


def test_splits_by_time_leave_a_gap_and_no_sample_across_a_cut(scenario_file: Path):
    out = scenario_file.parent / "by-time"
    options = RareOptions(runs=2, split_by="time", gap=600.0)
    build_training_set(load_scenario(scenario_file), out, options)
    events = pd.read_parquet(out / "events")
    duration = 7200.0
    cuts = np.cumsum(options.split)[:-1] * duration
    edges = [0.0, *cuts, duration]
    for index, split in enumerate(("train", "validation", "test")):
        times = events.loc[events["split"] == split, "time"]
        low = edges[index] + (300.0 if index else 0.0)
        high = edges[index + 1] - (300.0 if index < 2 else 0.0)
        assert times.between(low, high).all(), split
    for cut in cuts:
        assert not events["time"].between(cut - 300.0, cut + 300.0, inclusive="left").any()


def test_the_same_set_whatever_the_workers(scenario_file: Path, event_set: Path):
    again = scenario_file.parent / "one-worker"
    options = RareOptions(positives=POSITIVES, prevalence=PREVALENCE)
    build_training_set(load_scenario(scenario_file), again, options, workers=1)
    files = manifest_of(event_set)["files"]
    assert files == manifest_of(again)["files"]
    for relative, entry in files.items():
        assert hashlib.sha256((again / relative).read_bytes()).hexdigest() == entry["sha256"]


def test_world_windows_are_labelled_by_the_events_inside(scenario_file: Path):
    out = scenario_file.parent / "windows"
    options = RareOptions(runs=3, unit="window", by="world", window=600.0, prevalence=0.5)
    build_training_set(load_scenario(scenario_file), out, options)
    check_dataset(out)
    windows = pd.read_parquet(out / "windows")
    events = pd.read_parquet(out / "events")
    assert windows["label"].mean() == pytest.approx(0.5, abs=1.0 / len(windows))
    for (run_id, window_id), inside in events.groupby(["run_id", "window_id"], observed=True):
        row = windows[(windows["run_id"] == run_id) & (windows["window_id"] == window_id)].iloc[0]
        assert len(inside) == row["events"]
        assert inside["time"].between(row["start_time"], row["end_time"]).all()
        assert row["label"] == inside["label"].max()
        assert row["n_call_arrival"] == (inside["event_type"] == "call_arrival").sum()
    empty = windows[windows["events"] == 0]
    assert (empty["label"] == 0).all()


def test_sequences_cover_each_episode_and_negatives_hold_no_positive(scenario_file: Path):
    out = scenario_file.parent / "sequences"
    options = RareOptions(runs=3, unit="sequence", by="world", lead=300.0)
    build_training_set(load_scenario(scenario_file), out, options)
    sequences = pd.read_parquet(out / "sequences")
    events = pd.read_parquet(out / "events")
    episodes = pd.read_parquet(out / "episodes")
    positive = sequences[sequences["label"] == 1]
    for episode in episodes.itertuples():
        holding = positive[
            (positive["run_id"] == episode.run_id)
            & (positive["start_time"] <= max(episode.start_time - 300.0, 0.0))
            & (positive["end_time"] >= episode.end_time)
        ]
        has_events = (events["run_id"] == episode.run_id) & (
            events["episode_id"] == episode.episode_id
        )
        assert len(holding) >= 1 or not has_events.any()
    joined = events.merge(
        sequences[["run_id", "sequence_id", "label", "start_time", "end_time"]],
        on=["run_id", "sequence_id"],
        suffixes=("", "_sequence"),
    )
    assert len(joined) == len(events)
    assert joined["time"].between(joined["start_time"], joined["end_time"]).all()
    assert (joined.loc[joined["label_sequence"] == 0, "label"] == 0).all()


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--split", "0.5,0.5"], "--split"),
        (["--prevalence", "1.5"], "--prevalence"),
        (["--unit", "frame"], "--unit"),
        (["--window", "ten minutes"], "--window"),
        (["--gap", "1h"], "--gap needs --split-by time"),
    ],
)
def test_bad_options_exit_2_and_write_nothing(
    cli, scenario_file: Path, tmp_path: Path, arguments: list[str], message: str
):
    out = tmp_path / "set"
    result = cli("rare", scenario_file, "--out", out, *arguments)
    assert result.exit_code == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert not out.exists()


def test_a_scenario_without_incidents_needs_runs(cli, tmp_path: Path):
    path = tmp_path / "calm.yaml"
    path.write_text(yaml.safe_dump({**SMALL_CONTACT_CENTER, "incidents": []}))
    result = cli("rare", path, "--out", tmp_path / "set")
    assert result.exit_code == 2
    assert "--runs" in result.stderr
    assert not (tmp_path / "set").exists()


def test_the_command_prints_what_the_set_holds(cli, scenario_file: Path, tmp_path: Path):
    out = tmp_path / "set"
    result = cli("rare", scenario_file, "--out", out, "--runs", "3", "--prevalence", "0.6")
    assert result.exit_code == 0, result.stderr
    manifest = manifest_of(out)
    assert len(manifest["runs"]) == 3
    achieved = manifest["training_set"]["achieved_prevalence"]
    assert achieved == pytest.approx(0.6, abs=1.0 / manifest["training_set"]["samples"])
    assert f"→ {achieved:.2%}" in result.stdout


def test_twins_mark_the_normal_events_the_incidents_changed(scenario_file: Path):
    out = scenario_file.parent / "twins"
    build_training_set(load_scenario(scenario_file), out, RareOptions(runs=3, twins=True))
    check_dataset(out)
    events = pd.read_parquet(out / "events")
    episodes = pd.read_parquet(out / "episodes")
    role = events["role"].astype(str)
    assert set(role) <= {"normal", "affected", "involved"}
    assert ((role == "involved") == (events["label"] == 1)).all()
    affected = events[role == "affected"]
    assert len(affected) > 0, "an outage delays calls outside its window too"
    first = episodes.groupby("run_id", observed=True)["start_time"].min()
    starts = affected["run_id"].astype(int).map(first.rename(index=int))
    assert (affected["time"] >= starts).all(), "nothing changes before the first incident"
    footprint = manifest_of(out)["training_set"]["twins"]
    assert footprint["runs"] == 3
    assert footprint["affected_events"] == len(affected), "no sampling: every event is kept"
    assert (
        footprint["affected_entities"]
        == affected.groupby("run_id", observed=True)["entity_id"].nunique().sum()
    )


def test_an_interrupted_build_resumes_from_its_staged_runs(scenario_file: Path, event_set: Path):
    from simsynth.rare.collect import RunCollector
    from simsynth.sweep.staging import SweepStaging

    scenario = load_scenario(scenario_file)
    out = scenario_file.parent / "resumed"
    options = RareOptions(positives=POSITIVES, prevalence=PREVALENCE)
    staged = RunCollector(scenario, SweepStaging.for_target(out), options).collect()
    ran: list[object] = []
    build_training_set(scenario, out, options, resume=True, on_outcome=ran.append)
    assert ran == [], "every run came from the staging area"
    assert len(staged) == len(manifest_of(out)["runs"])
    assert manifest_of(out)["files"] == manifest_of(event_set)["files"]
    assert not SweepStaging.for_target(out).root.exists(), "staging is removed at the end"


def test_kinds_short_after_max_runs_are_named(cli, tmp_path: Path):
    rare_kind = {"kind": "call_surge", "rate": "0.001/d", "params": {"multiplier": 2}}
    path = tmp_path / "rarest.yaml"
    path.write_text(yaml.safe_dump({**SMALL_CONTACT_CENTER, "incidents": [rare_kind]}))
    result = cli(
        "rare",
        path,
        "--out",
        tmp_path / "set",
        "--positives",
        "2",
        "--max-runs",
        "3",
        "--workers",
        "1",
    )
    assert result.exit_code == 2
    assert "call_surge 0" in result.stderr and "--max-runs" in result.stderr
    assert not (tmp_path / "set").exists()


@pytest.mark.parametrize("unit", ["window", "sequence"])
def test_entity_samples_hold_one_entitys_events(scenario_file: Path, unit: str):
    out = scenario_file.parent / f"entity-{unit}s"
    options = RareOptions(runs=3, unit=unit, by="entity", window=900.0, lead=300.0)  # type: ignore[arg-type]
    build_training_set(load_scenario(scenario_file), out, options)
    check_dataset(out)
    samples = pd.read_parquet(out / f"{unit}s")
    events = pd.read_parquet(out / "events")
    key = ["run_id", f"{unit}_id"]
    joined = events.merge(
        samples[[*key, "entity_id", "start_time", "end_time", "label"]],
        on=key,
        suffixes=("", "_sample"),
    )
    assert len(joined) == len(events), "every event written names a sample"
    assert (joined["entity_id"] == joined["entity_id_sample"]).all()
    assert joined["time"].between(joined["start_time"], joined["end_time"]).all()
    positive_events = joined.groupby(key, observed=True)["label"].max()
    labelled = samples.set_index(key)["label"]
    assert (positive_events <= labelled.loc[positive_events.index]).all()
    if unit == "window":
        assert (positive_events == labelled.loc[positive_events.index]).all()
