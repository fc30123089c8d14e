"""The traffic models' panels show what a run recorded up to `now`: the vehicles of the latest
trajectory sample where they are and coloured by speed, incidents on their link, the detector
series and the intersection's queues and delays, each equal to a computation from the events;
on finished datasets and on live runs."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from matplotlib import colormaps
from matplotlib.collections import PathCollection
from matplotlib.colors import Normalize, to_rgba
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle

from simsynth.figures import kind_colors
from simsynth.models.traffic.road_network.graphs import build_graph
from simsynth.view.live import start_live
from simsynth.view.panels import TIMELINE, Panel, model_panels
from simsynth.view.source import ReplaySource, RunSource
from tests.view.runs import REPO, events_until, replay, scenario

TRAFFIC = sorted(path.stem for path in (REPO / "scenarios").glob("traffic_*.yaml"))
INTERSECTION = "intersection_signal_failure"
MINUTE = 60.0


@pytest.fixture(scope="module")
def grid(tmp_path_factory) -> ReplaySource:
    """The rush-hour grid to 35 min: an accident on 4,4->4,3 (cell 12 of 20) from 30 min."""
    return replay(tmp_path_factory.mktemp("grid"), "traffic_grid_rush_hour_accident", 35 * MINUTE)


@pytest.fixture(scope="module")
def crossing(tmp_path_factory) -> ReplaySource:
    """The intersection to 80 min: its signal fails from 70 min."""
    return replay(tmp_path_factory.mktemp("crossing"), INTERSECTION, 80 * MINUTE)


def panel(source: RunSource, title: str) -> Panel:
    return next(p for p in model_panels(source) if p.title == title)


def by_gid(figure: Figure, gid: str) -> list:
    return [artist for artist in figure.findobj() if artist.get_gid() == gid]


def positions(source: RunSource) -> tuple[list, dict[str, np.ndarray]]:
    """The run's links (edge order = link_id) and junction positions, from its graph."""
    graph = build_graph(source.params.network)
    return list(graph.edges), {str(n): np.array(graph.nodes[n]["pos"]) for n in graph.nodes}


def distance_to_segment(points: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    share = np.clip((points - a) @ (b - a) / ((b - a) @ (b - a)), 0, 1)
    return np.hypot(*(points - (a + share[:, None] * (b - a))).T)


def test_vehicles_are_the_latest_trajectory_sample_where_they_are_coloured_by_speed(grid):
    now = 1234.5
    figure = panel(grid, "Road network").draw(grid, now)
    (points,) = by_gid(figure, "vehicles")
    trajectories = grid.table("trajectories")
    sample = trajectories[trajectories["time"] == 1230.0]
    assert len(sample) > 20 and len(points.get_offsets()) == len(sample)
    speed = sample["speed_kmh"].to_numpy()
    assert np.array_equal(points.get_array(), speed)
    colors = colormaps["RdYlGn"](Normalize(0, 54)(speed))  # 54 km/h: the grid's speed limit
    points.update_scalarmappable()  # the colours as drawn
    assert np.allclose(points.get_facecolors(), colors)
    assert speed.min() == 0 < speed.max()  # queues at the signals and moving vehicles
    edges, nodes = positions(grid)
    xy = np.asarray(points.get_offsets())
    for k, (link, metres) in enumerate(zip(sample["link_id"], sample["position_m"], strict=True)):
        a, b = nodes[edges[link][0]], nodes[edges[link][1]]
        assert distance_to_segment(xy[k : k + 1], a, b)[0] < 0.02 * 1050  # beside its link
        along = (xy[k] - a) @ (b - a) / 150**2  # blocks of 150 m
        assert along == pytest.approx(metres / 150, abs=1e-9)
    assert "t = 20.5 min" in figure.axes[0].get_title()


def test_no_vehicles_before_the_first_sample(grid):
    figure = panel(grid, "Road network").draw(grid, 5.0)
    (points,) = by_gid(figure, "vehicles")
    assert len(points.get_offsets()) == 0
    assert figure.axes[0].get_title() == "No trajectory sample yet"


def accident_gid(source: RunSource) -> str:
    """The gid of the artists of the accident on 4,4->4,3."""
    episodes = source.episodes()
    sites = episodes["params"].map(lambda text: json.loads(text).get("link"))
    [episode_id] = episodes.loc[sites == "4,4->4,3", "episode_id"]
    return f"episode {episode_id}"


def test_accident_drawn_on_its_link_while_it_lasts(grid):
    episodes = grid.episodes()
    gid = accident_gid(grid)
    color = to_rgba(kind_colors(episodes)["accident"])
    draw = panel(grid, "Road network").draw
    assert not by_gid(draw(grid, 29 * MINUTE), gid)
    figure = draw(grid, 32 * MINUTE)
    [link] = [a for a in by_gid(figure, gid) if isinstance(a, Line2D)]
    [site] = [a for a in by_gid(figure, gid) if isinstance(a, PathCollection)]
    _, nodes = positions(grid)
    a, b = nodes["4,4"], nodes["4,3"]
    ends = np.column_stack(link.get_data())
    assert np.allclose(np.hypot(*(ends - [a, b]).T), 10.5)  # moved 1 % of 1050 m to its right
    assert to_rgba(link.get_color(), link.get_alpha())[:3] == color[:3]
    assert np.allclose(site.get_facecolors()[0], color)
    blocked = a + (b - a) * (12 + 1) * 7.5 / 150  # the middle of its 2 blocked cells
    assert np.hypot(*(site.get_offsets()[0] - blocked)) == pytest.approx(10.5)
    legend = [text.get_text() for text in figure.legends[0].get_texts()]
    assert "accident" in legend


def test_detector_series_are_the_detector_rows_grouped_by_report(grid):
    now = 32.5 * MINUTE
    figure = panel(grid, "Loop detectors").draw(grid, now)
    events = events_until(grid, now)
    rows = events[events["event_type"] == "detector"]
    crossing = rows[rows["flow_vph"] > 0]
    weighted = crossing["flow_vph"] * crossing["mean_speed_kmh"]

    def speed(frame: pd.DataFrame) -> pd.Series:
        return (
            weighted[frame.index].groupby(frame["time"]).sum()
            / frame.groupby("time")["flow_vph"].sum()
        )

    expected = {
        0: lambda r: r.groupby("time")["flow_vph"].mean(),
        1: lambda r: r.groupby("time")["occupancy"].mean() * 100,
        2: lambda r: speed(r[r["flow_vph"] > 0]),
    }
    accident = rows[rows["label_kind"].astype(str) == "accident"]
    assert len(accident)
    for index, series_of in expected.items():
        lines = {line.get_label(): line for line in figure.axes[index].lines}
        for label, frame in (("all detectors", rows), ("detectors labelled accident", accident)):
            series = series_of(frame)
            assert np.allclose(lines[label].get_xdata() * MINUTE, series.index)
            assert np.allclose(lines[label].get_ydata(), series.to_numpy())
        assert max(lines["all detectors"].get_xdata()) <= now / MINUTE
    color = to_rgba(kind_colors(grid.episodes())["accident"], 0.25)
    spans = [p for p in figure.axes[0].patches if isinstance(p, Rectangle)]
    window = [(p.get_x(), p.get_x() + p.get_width()) for p in spans if p.get_facecolor() == color]
    assert (30.0, 32.5) in window  # shaded from its start up to now, not to its end


def test_without_trajectories_the_network_says_so_and_shows_the_closure(tmp_path):
    corridor = replay(tmp_path, "traffic_corridor_closure", 35 * MINUTE, trajectory_every=0)
    assert corridor.table("trajectories").empty
    figure = panel(corridor, "Road network").draw(corridor, 32 * MINUTE)
    assert "records no trajectories" in figure.axes[0].get_title()
    assert len(by_gid(figure, "vehicles")[0].get_offsets()) == 0
    [link] = by_gid(figure, "episode 0")
    _, nodes = positions(corridor)
    assert np.allclose(np.column_stack(link.get_data()), [nodes["m3"], nodes["m4"]])


def test_near_miss_marked_where_the_vehicle_braked(tmp_path):
    ring = replay(tmp_path, "traffic_ring_calm", 5 * MINUTE)
    episodes = ring.episodes()
    near = episodes[episodes["kind"] == "near_miss"].iloc[0]
    events = ring.events()
    brake = events[events["episode_id"] == near["episode_id"]].iloc[0]
    edges, nodes = positions(ring)
    a, b = nodes[edges[brake["link_id"]][0]], nodes[edges[brake["link_id"]][1]]
    draw = panel(ring, "Road network").draw
    [site] = by_gid(draw(ring, near["start_time"] + 1), f"episode {near['episode_id']}")
    assert np.allclose(site.get_offsets()[0], a + (b - a) * brake["position_m"] / 750)
    assert not by_gid(draw(ring, near["start_time"] + 61), f"episode {near['episode_id']}")
    detectors = panel(ring, "Loop detectors").draw(ring, ring.duration)
    ticks = [line for line in detectors.axes[0].lines if line.get_label().startswith("near_miss")]
    assert len(ticks[0].get_xdata()) == (episodes["kind"] == "near_miss").sum()


def test_queues_are_the_events_queue_lengths_per_approach(crossing):
    now = 75 * MINUTE
    figure = panel(crossing, "Queues per approach").draw(crossing, now)
    axis = figure.axes[0]
    events = events_until(crossing, now)
    lines = {line.get_label(): line for line in axis.lines if not line.get_label().startswith("_")}
    assert sorted(lines) == ["east", "north", "south", "west"]
    for name, line in lines.items():
        rows = events[events["approach"].astype(str) == name]
        assert np.allclose(line.get_xdata() * MINUTE, rows["time"])
        assert np.array_equal(line.get_ydata(), rows["queue_len"])
    color = to_rgba(kind_colors(crossing.episodes())["signal_failure"], 0.25)
    spans = [
        (p.get_x(), p.get_x() + p.get_width())
        for p in axis.patches
        if isinstance(p, Rectangle) and p.get_facecolor() == color
    ]
    assert spans == [(70.0, 75.0)]
    early = panel(crossing, "Queues per approach").draw(crossing, 10 * MINUTE).axes[0]
    queues = [line for line in early.lines if line.get_label() in lines]
    assert len(queues) == 4 and max(max(line.get_xdata()) for line in queues) <= 10


def test_delays_are_each_departure_with_means_and_webster(crossing):
    now = 75 * MINUTE
    figure = panel(crossing, "Delays").draw(crossing, now)
    events = events_until(crossing, now)
    departs = events[events["event_type"] == "depart"]
    bin_of = np.floor(departs["time"] / (crossing.duration / 120)).astype(int)
    for name in ("north", "south", "east", "west"):
        mine = departs["approach"].astype(str) == name
        [dots] = by_gid(figure, f"{name} delays")
        expected = np.column_stack([departs["time"][mine] / MINUTE, departs["delay_s"][mine]])
        assert np.allclose(dots.get_offsets(), expected)
        [mean] = by_gid(figure, f"{name} mean")
        expected = departs["delay_s"][mine].groupby(bin_of[mine]).mean()
        assert np.allclose(mean.get_ydata()[expected.index], expected)
        assert np.isnan(np.delete(mean.get_ydata(), expected.index)).all()
        # Webster's formula holds for Poisson arrivals: not for the platooned north and south
        assert bool(by_gid(figure, f"{name} webster")) == (name in ("east", "west"))


@pytest.mark.parametrize("name", [*TRAFFIC, INTERSECTION])
def test_every_panel_draws_at_the_start_and_the_end(tmp_path, name):
    source = replay(tmp_path, name, 5 * MINUTE)
    panels = model_panels(source)
    assert len(panels) == 2
    for now in (0.0, source.duration):
        for each in [TIMELINE, *panels]:
            assert isinstance(each.draw(source, now), Figure)


def test_live_runs_draw_what_they_recorded_so_far():
    model = start_live(scenario("traffic_grid_rush_hour_accident", 35 * MINUTE), steps=20)
    source = model.live.source
    panels = [TIMELINE, *model_panels(source)]
    for each in panels:
        assert isinstance(each.draw(source, 0.0), Figure)
    for _ in range(19):
        model.step()
    now = model.live.time
    assert 30 * MINUTE < now < 35 * MINUTE
    figure = panels[1].draw(source, now)
    trajectories = source.table("trajectories", now)
    latest = trajectories[trajectories["time"] == trajectories["time"].max()]
    assert np.array_equal(by_gid(figure, "vehicles")[0].get_array(), latest["speed_kmh"])
    assert by_gid(figure, accident_gid(source))  # still going on: its end is not yet known
    assert isinstance(panels[2].draw(source, now), Figure)


def test_live_intersection_queues_are_its_events_so_far():
    model = start_live(scenario(INTERSECTION, 80 * MINUTE), steps=10)
    panels = model_panels(model.live.source)
    for _ in range(3):
        model.step()
    source, now = model.live.source, model.live.time
    axis = panels[0].draw(source, now).axes[0]
    north = next(line for line in axis.lines if line.get_label() == "north")
    events = source.events(now)
    assert np.array_equal(north.get_ydata(), events.loc[events["approach"] == "north", "queue_len"])
    assert isinstance(panels[1].draw(source, now), Figure)
