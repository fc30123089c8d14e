"""Each model's overview figures: written as PNGs by `output.plots`, and showing the run's data
(and the theory, where one applies) rather than something merely plausible."""

from __future__ import annotations

import json
import math
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from simsynth.figures import RunData
from tests.conftest import run_model
from tests.test_plots import PNG_SIGNATURE


def overview_of_run(tmp_path: Path, model: str, scenario: dict, names: list[str], name="run"):
    """Run `scenario` with plots on, check the PNGs, return its RunData and overview figures."""
    out = run_model(tmp_path, model, {**scenario, "output": {"plots": True}}, name)
    for figure_name in ["timeline", *names]:
        png = out / "plots" / f"{figure_name}-run0.png"
        assert png.read_bytes().startswith(PNG_SIGNATURE), png
    manifest = json.loads((out / "manifest.json").read_text())
    assert {f"plots/{n}-run0.png" for n in names} <= set(manifest["files"])
    run = RunData(out, 0, manifest["scenario"])
    from simsynth.figures import overview_of

    figures = overview_of(model)(run)
    assert sorted(figures) == sorted(names)
    return run, figures


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def test_road_network_fundamental_diagram_has_one_point_per_detector_row(tmp_path):
    site = {"duration": "4min", "link": "m1->m2", "position": 0.9, "lanes": 1}
    accident = {"kind": "accident", "at": "4min", "params": site}
    scenario = {
        "seed": 5,
        "duration": "10min",
        "params": {
            "network": {"kind": "corridor", "length": 3000, "ramp_spacing": 1000, "lanes": 1},
            "demand": {"rate": "600/h", "origins": ["m0"], "destinations": ["m3"]},
            "detectors": {"interval": "1min"},
            "trajectory_every": 0,
        },
        "incidents": [accident],
    }
    names = ["fundamental_diagram", "detector_speed"]
    run, figures = overview_of_run(tmp_path, "traffic.road_network", scenario, names)
    events = run.events()
    detectors = events[events["event_type"] == "detector"]
    axis = figures["fundamental_diagram"].axes[0]
    points = axis.collections[0].get_offsets()
    assert len(points) == len(detectors) > 0
    assert np.allclose(np.sort(points[:, 0]), np.sort(detectors["occupancy"] * 100))
    # single-lane links: flow per lane is the detector's flow
    assert np.allclose(np.sort(points[:, 1]), np.sort(detectors["flow_vph"]))
    assert "occupancy" in axis.get_xlabel() and "flow" in axis.get_ylabel()
    # the deterministic NaSch reference of the 108 km/h main line (4 cells/s)
    reference = [line for line in axis.lines if "4ρ" in line.get_label()]
    assert reference
    rho, flow = reference[0].get_xdata() / 100, reference[0].get_ydata()
    assert np.allclose(flow, 3600 * np.minimum(4 * rho, 1 - rho))
    speed_axis = figures["detector_speed"].axes[0]
    assert "km/h" in speed_axis.get_ylabel() and "min" in speed_axis.get_xlabel()
    legend = [text.get_text() for text in speed_axis.get_legend().get_texts()]
    assert "accident" in legend


SMALL_CALL_CENTRE = {
    "seed": 5,
    "duration": "2h",
    "params": {"agents": 4, "arrival_rate": "60/h", "service_time": "3min"},
    "incidents": [{"kind": "outage", "at": "30min", "params": {"duration": "20min", "share": 0.5}}],
}


def test_contact_center_waits_are_drawn_against_erlang_c(tmp_path):
    names = ["wait_distribution", "queue_length"]
    run, figures = overview_of_run(tmp_path, "customers.contact_center", SMALL_CALL_CENTRE, names)
    axis = figures["wait_distribution"].axes[0]
    theory = [line for line in axis.lines if line.get_label().startswith("Erlang C")]
    assert len(theory) == 1
    # M/M/4, λ = 1/min, μ = 1/3 per min: load a = 3; P(wait) by the textbook formula
    servers, load, rate, mu = 4, 3.0, 1 / 60, 1 / 180
    last = load**servers / math.factorial(servers) * servers / (servers - load)
    p_wait = last / (sum(load**k / math.factorial(k) for k in range(servers)) + last)
    t = theory[0].get_xdata()
    assert np.allclose(theory[0].get_ydata(), 1 - p_wait * np.exp(-(servers * mu - rate) * t))
    # the empirical ECDFs end at 1 and count every answered call
    answered = run.events(["event_type", "wait_s"]).query("event_type == 'call_answered'")
    counts = [int(line.get_label().split("n = ")[1].rstrip(")")) for line in axis.lines[:-1]]
    assert sum(counts) == len(answered)
    assert "Erlang C" in axis.get_title() and "(s)" in axis.get_xlabel()
    queue_axis = figures["queue_length"].axes[0]
    events = run.events(["queue_len"])
    assert queue_axis.lines[0].get_ydata().max() == events["queue_len"].max()


def test_contact_center_with_patience_says_it_shows_the_empirical_waits_only(tmp_path):
    scenario = {**SMALL_CALL_CENTRE, "duration": "1h"}
    scenario["params"] = {**scenario["params"], "patience": "4min"}
    _, figures = overview_of_run(
        tmp_path, "customers.contact_center", scenario, ["wait_distribution", "queue_length"]
    )
    axis = figures["wait_distribution"].axes[0]
    assert "empirical only" in axis.get_title() and "patience" in axis.get_title()
    assert not [line for line in axis.lines if line.get_label().startswith("Erlang C")]


def test_card_network_hourly_bars_count_every_transaction(tmp_path):
    scenario = {
        "seed": 4,
        "duration": "2d",
        "params": {"card_holders": 300, "merchants": 60},
        "incidents": [{"kind": "card_testing", "at": "12h"}, {"kind": "bust_out", "at": "1d"}],
    }
    names = ["hourly_volume", "amounts"]
    run, figures = overview_of_run(tmp_path, "customers.card_network", scenario, names)
    events = run.events(["time", "label", "role", "amount"])
    axis, share_axis = figures["hourly_volume"].axes
    heights = np.array([bar.get_height() for bar in axis.patches if bar.get_width() == 1.0])
    assert len(heights) == 48 and heights.sum() == len(events)
    share = share_axis.lines[0].get_ydata()
    labelled = np.histogram(events.loc[events["label"] == 1, "time"] / 3600, np.arange(49))[0]
    with np.errstate(invalid="ignore"):
        assert np.allclose(share, labelled / heights * 100, equal_nan=True)
    assert "per hour" in axis.get_ylabel() and "(%)" in share_axis.get_ylabel()
    amounts_axis = figures["amounts"].axes[0]
    assert amounts_axis.get_xscale() == "log"
    fraud = (events["role"] == "fraudster").sum()
    assert any(f"n = {fraud}," in text.get_text() for text in amounts_axis.get_legend().get_texts())


def test_intersection_queues_and_mean_delays_per_approach(tmp_path):
    scenario = {
        "seed": 7,
        "duration": "1h",
        "incidents": [
            {"kind": "signal_failure", "at": "20min", "params": {"duration": "15min"}},
        ],
    }
    run, figures = overview_of_run(tmp_path, "traffic.intersection", scenario, ["queues", "delays"])
    events = run.events(["event_type", "approach", "delay_s", "queue_len", "label"])
    queue_axis = figures["queues"].axes[0]
    names = [line.get_label() for line in queue_axis.lines]
    assert names == ["north", "south", "east", "west"]
    for line in queue_axis.lines:
        rows = events[events["approach"].astype(str) == line.get_label()]
        assert len(line.get_ydata()) == len(rows)
        assert line.get_ydata().max() == rows["queue_len"].max()
    delay_axis = figures["delays"].axes[0]
    assert delay_axis.get_ylabel() == "mean delay per vehicle (s)"
    departs = events[events["event_type"] == "depart"]
    expected = pd.concat(
        [
            departs[departs["label"] == label]
            .groupby(departs["approach"].astype(str))["delay_s"]
            .mean()
            .reindex(names)
            for label in (0, 1)
        ]
    ).to_numpy()
    heights = np.array([bar.get_height() for bar in delay_axis.patches])
    assert np.allclose(heights, expected)
    # Webster's delay for each approach, from the formula written out here independently
    params = run.params
    (webster,) = [c for c in delay_axis.collections if c.get_label().startswith("Webster")]
    cycle, lost = params["cycle"], params["lost_time"]
    splits = {name: phase["split"] for phase in params["phases"] for name in phase["approaches"]}
    total = sum(phase["split"] for phase in params["phases"])
    expected_webster = []
    for name in names:
        approach = params["approaches"][name]
        g = (cycle - len(params["phases"]) * lost) * splits[name] / total / cycle
        q, s = approach["arrival_rate"], approach["saturation_flow"] * approach["lanes"]
        x = q / (g * s)
        expected_webster.append(
            cycle * (1 - g) ** 2 / (2 * (1 - g * x))
            + x * x / (2 * q * (1 - x))
            - 0.65 * (cycle / q**2) ** (1 / 3) * x ** (2 + 5 * g)
        )
    assert np.allclose(webster.get_offsets()[:, 1], expected_webster)
