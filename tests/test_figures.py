"""`simsynth plot`: figures of a finished dataset, the markets overview, and bad input."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from simsynth.dataset import read_manifest
from simsynth.figures import RunData
from simsynth.models.markets.figures import overview
from tests.conftest import run_model
from tests.test_plots import PNG_SIGNATURE


@pytest.fixture(scope="module")
def market(tmp_path_factory):
    """Forty minutes of order flow with a fat finger and a liquidity withdrawal."""
    return run_model(
        tmp_path_factory.mktemp("market"),
        "markets.order_flow",
        {
            "seed": 3,
            "duration": "40min",
            "incidents": [
                {"kind": "fat_finger", "at": "10min"},
                {"kind": "liquidity_withdrawal", "at": "25min"},
            ],
        },
    )


def test_plot_writes_the_timeline_and_the_models_overview_reproducibly(market, cli, tmp_path):
    first = cli("plot", market, "--out", tmp_path / "a")
    second = cli("plot", market, "--out", tmp_path / "b")
    assert first.exit_code == 0 and second.exit_code == 0, first.output
    names = {"timeline-run0.png", "price-run0.png", "liquidity-run0.png"}
    assert {p.name for p in (tmp_path / "a").iterdir()} == names
    for name in names:
        png = (tmp_path / "a" / name).read_bytes()
        assert png.startswith(PNG_SIGNATURE)
        assert png == (tmp_path / "b" / name).read_bytes()


def test_price_figure_draws_the_metrics_mid_and_every_labelled_trade(market):
    manifest = read_manifest(market)
    run = RunData(market, 0, manifest["scenario"])
    figures = overview(run)
    axis = figures["price"].axes[0]
    metrics = pd.read_parquet(market / "metrics")
    (mid,) = [line for line in axis.get_lines() if line.get_label().startswith("mid")]
    assert np.allclose(mid.get_ydata(), metrics["mid"], equal_nan=True)
    events = pd.read_parquet(market / "events")
    labelled = events[(events["event_type"] == "trade") & (events["label"] == 1)]
    (cloud,) = [c for c in axis.collections if c.get_label() == "labelled trades"]
    assert len(cloud.get_offsets()) == len(labelled) > 0
    shaded = {patch.get_label() for patch in axis.patches} - {""}
    assert {"fat_finger", "liquidity_withdrawal"} <= {label.lstrip("_") for label in shaded}
    assert axis.get_xlabel() == "simulated time (h)" and axis.get_ylabel() == "price"


def test_plot_of_a_directory_that_is_no_dataset_exits_2_without_traceback(cli, tmp_path):
    result = cli("plot", tmp_path)
    assert result.exit_code == 2
    assert "not a simsynth dataset" in result.output and "Traceback" not in result.output


def test_plot_refuses_an_incomplete_dataset(cli, tmp_path):
    (tmp_path / "manifest.json").write_text(json.dumps({"status": "running"}))
    result = cli("plot", tmp_path)
    assert result.exit_code == 2 and "not complete" in result.output


def test_a_dataset_without_the_models_tables_gets_its_timeline_alone(market, cli, tmp_path):
    """A training set (or a baseline sample) of a market has events and episodes but no
    `metrics`, which the market overview draws from."""
    from simsynth import registry
    from simsynth.rare.build import build_training_set
    from simsynth.rare.options import RareOptions
    from simsynth.scenario.schema import scenario_class

    manifest = read_manifest(market)
    schema = scenario_class(registry.load(manifest["scenario"]["model"]))
    scenario = schema.model_validate(manifest["scenario"])
    build_training_set(scenario, tmp_path / "set", RareOptions(runs=1, split=(1.0, 0.0, 0.0)))
    assert not (tmp_path / "set" / "metrics").exists()
    result = cli("plot", tmp_path / "set", "--out", tmp_path / "plots")
    assert result.exit_code == 0, result.output
    assert [p.name for p in (tmp_path / "plots").iterdir()] == ["timeline-run0.png"]
