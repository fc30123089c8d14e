"""`simsynth baseline` on datasets of known distributions and on a simulated one."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from simsynth.baseline.build import write_baseline
from simsynth.dataset import read_table
from tests.baseline.constructed import (
    GAP_SCALE,
    PROBABILITIES,
    RHO,
    STRATA,
    constructed_events,
    write_constructed,
)
from tests.conftest import SMALL_CONTACT_CENTER, run_model
from tests.contract import check_dataset

ROWS = {0: 4000, 1: 1000}
ALPHA = 0.01
"""Level of the KS tests (a sample rejected below it fails)."""
Z = 4.0
"""Half-width of the binomial intervals, in standard errors."""


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    rng = np.random.default_rng(21)
    runs = {run_id: constructed_events(rows, rng) for run_id, rows in ROWS.items()}
    return write_constructed(tmp_path_factory.mktemp("constructed") / "data", runs)


@pytest.fixture(scope="module")
def marginals(source: Path) -> Path:
    write_baseline(source, "marginals", seed=3)
    return source.with_name("data-marginals")


@pytest.fixture(scope="module")
def copula(source: Path) -> Path:
    write_baseline(source, "copula", seed=3)
    return source.with_name("data-copula")


def _within(found: float, p: float, n: int) -> bool:
    return abs(found - p) <= Z * (p * (1 - p) / n) ** 0.5


@pytest.mark.parametrize("method", ["marginals", "copula"])
def test_output_is_a_dataset_with_the_input_runs(method, request, source):
    out = request.getfixturevalue(method)
    manifest = check_dataset(out)
    events = read_table(out)
    assert events.groupby("run_id", observed=True).size().to_dict() == ROWS
    assert list(events.columns) == list(read_table(source).columns)
    baseline = manifest["baseline"]
    assert baseline["method"] == method and baseline["seed"] == 3
    assert baseline["source"] == {"path": str(source), "scenario": "constructed"}
    assert manifest["scenario"] == {"name": "constructed"}
    episodes = pd.read_parquet(out / "episodes")
    assert len(episodes) == (events["label"] == 1).sum()  # one episode per positive row
    assert (episodes["start_time"] == episodes["end_time"]).all()


def test_marginals_recover_each_column(source, marginals):
    real, fake = read_table(source), read_table(marginals)
    normal = fake[(fake["event_type"] == "pay") & (fake["label_kind"] == "normal")]
    fraud = fake[fake["label_kind"] == "fraud"]
    assert stats.kstest(normal["x"], stats.norm(10.0, 2.0).cdf).pvalue > ALPHA
    assert stats.kstest(fraud["x"], stats.norm(20.0, 2.0).cdf).pvalue > ALPHA
    assert stats.kstest(fake["amount"], stats.lognorm(0.5, scale=30.0).cdf).pvalue > ALPHA
    waits = fake["wait"].to_numpy()
    assert stats.kstest(waits[waits > 0], stats.expon(scale=5.0).cdf).pvalue > ALPHA
    assert _within((waits == 0).mean(), (real["wait"] == 0).mean(), len(fake))
    for category in PROBABILITIES:
        observed = (real["category"] == category).mean()
        assert _within((fake["category"] == category).mean(), observed, len(fake))
    assert fake["count"].dtype == np.int32


def test_inter_event_times_follow_the_source(marginals):
    fake = read_table(marginals)
    for _, run in fake.groupby("run_id", observed=True):
        gaps = np.diff(np.r_[0.0, run["time"].to_numpy()])
        assert stats.kstest(gaps, stats.expon(scale=GAP_SCALE).cdf).pvalue > ALPHA


def test_per_stratum_prevalence_is_recovered(source, marginals):
    real, fake = read_table(source), read_table(marginals)

    def shares(frame: pd.DataFrame) -> pd.Series:
        return frame.groupby(["event_type", "label_kind"], observed=True).size() / len(frame)

    found, expected = shares(fake), shares(real)
    assert set(found.index) == set(STRATA)
    for stratum in STRATA:
        assert _within(found[stratum], expected[stratum], len(fake)), stratum
    assert ((fake["label"] == 1) == (fake["label_kind"] == "fraud")).all()


def test_the_copula_keeps_a_correlation_the_marginals_lose(source, marginals, copula):
    def correlation(directory: Path) -> float:
        events = read_table(directory)
        rows = events[(events["event_type"] == "pay") & (events["label_kind"] == "normal")]
        return float(np.corrcoef(rows["x"], rows["z"])[0, 1])

    assert correlation(source) == pytest.approx(RHO, abs=0.03)
    assert correlation(copula) == pytest.approx(RHO, abs=0.05)
    assert abs(correlation(marginals)) < 0.05


def test_the_manifest_reports_the_winning_family_per_column(marginals):
    fits = json.loads((marginals / "manifest.json").read_text())["baseline"]["fits"]
    columns = fits["strata"]["pay/normal"]["columns"]
    assert columns["x"]["family"] == "norm"
    assert columns["amount"]["family"] == "lognorm"
    assert columns["amount"]["aic"] == min(columns["amount"]["candidates"].values())
    assert columns["wait"]["family"] == "expon" and "0.0" in columns["wait"]["point_masses"]
    assert fits["inter_event_time"]["family"] == "expon"


def test_same_seed_same_bytes_other_seed_other_rows(source, tmp_path):
    first = write_baseline(source, "copula", out=tmp_path / "a", seed=9)
    again = write_baseline(source, "copula", out=tmp_path / "b", seed=9)
    other = write_baseline(source, "copula", out=tmp_path / "c", seed=10)
    assert first["files"] == again["files"]
    for relative in first["files"]:
        assert (tmp_path / "a" / relative).read_bytes() == (tmp_path / "b" / relative).read_bytes()
    assert first["baseline"] == again["baseline"]
    assert first["files"] != other["files"]


def test_rows_sets_the_events_of_each_run(source, tmp_path):
    manifest = write_baseline(source, "marginals", out=tmp_path / "few", rows=50)
    assert [run["counts"]["events"] for run in manifest["runs"]] == [50, 50]
    check_dataset(tmp_path / "few")


def test_a_simulated_dataset_round_trips_through_plot(tmp_path, cli):
    data = run_model(tmp_path, "customers.contact_center", SMALL_CONTACT_CENTER, name="cc")
    result = cli("baseline", data, "--method", "copula", "--quiet")
    assert result.exit_code == 0, result.output
    out = tmp_path / "cc-copula"
    check_dataset(out)
    real, fake = read_table(data), read_table(out)
    assert dict(fake.dtypes) == dict(real.dtypes)
    result = cli("plot", out)
    assert result.exit_code == 0, result.output
    drawn = {"timeline-run0.png", "wait_distribution-run0.png", "queue_length-run0.png"}
    assert {p.name for p in (out / "plots").glob("*.png")} == drawn


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--method", "bootstrap"], "--method: 'bootstrap' is not one of: marginals, copula"),
        (["--rows", "0"], "--rows: 0 is not allowed"),
    ],
)
def test_bad_options_exit_2_without_output(source, tmp_path, cli, args, message):
    result = cli("baseline", source, "--out", tmp_path / "out", *args)
    assert result.exit_code == 2
    assert message in result.stderr
    assert not (tmp_path / "out").exists()


def test_not_a_dataset_exits_2_without_output(tmp_path, cli):
    (tmp_path / "empty").mkdir()
    result = cli("baseline", tmp_path / "empty")
    assert result.exit_code == 2
    assert "not a simsynth dataset" in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty"]
