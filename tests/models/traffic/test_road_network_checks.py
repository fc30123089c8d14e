"""What `validate` and `run` say about a road network scenario: link names as `describe`
documents them, unknown sites with the closest name, and speeds rounded to whole cells."""

from __future__ import annotations

from pathlib import Path

import networkx as nx
import pandas as pd
import pytest
import yaml

from simsynth.models.traffic.road_network.graphs import build_graph
from simsynth.models.traffic.road_network.params import Corridor, GridCity, RingRoad
from simsynth.models.traffic.road_network.roads import link_name

MODEL = "traffic.road_network"
ROUNDING = "(the model moves whole 7.5 m cells per second: 27 km/h steps)"


def write(tmp_path: Path, params: dict, incidents: list | None = None, **more: object) -> Path:
    scenario = {"name": "roads", "model": MODEL, "seed": 1, "duration": "1min", "params": params}
    path = tmp_path / "roads.yaml"
    path.write_text(yaml.safe_dump({**scenario, "incidents": incidents or [], **more}))
    return path


def line_of(path: Path, text: str) -> int:
    return next(n for n, line in enumerate(path.read_text().splitlines(), 1) if text in line)


def ring(**network: object) -> dict:
    return {"network": {"kind": "ring", "links": 8, "length": 750, **network}}


def test_describe_names_links_as_the_graphs_name_them(cli, monkeypatch):
    monkeypatch.setenv("COLUMNS", "100")
    text = " ".join(cli("describe", MODEL).stdout.split())
    for named in ("'r0->r1'", "'0,0->0,1'", "'0,1->0,0'", "'m0->m1'", "'l0->l1'", "'mk->lk'"):
        assert named in text, named
    links = {
        kind: {link_name(u, v) for u, v in build_graph(spec).edges}
        for kind, spec in (("ring", RingRoad()), ("grid", GridCity()), ("corridor", Corridor()))
    }
    assert {"r0->r1", "r1->r2", "r3->r0"} <= links["ring"]  # 4 links, the last back to r0
    assert {"0,0->0,1", "0,1->0,0", "0,0->1,0"} <= links["grid"]
    assert {"m0->m1", "l0->l1", "m1->l1", "l1->m1"} <= links["corridor"]
    grid = build_graph(GridCity())
    (x0, y0), (x1, y1), (x2, y2) = (grid.nodes[n]["pos"] for n in ("0,0", "0,1", "1,0"))
    assert x1 > x0 and y1 == y0  # '0,1' is east of '0,0'
    assert y2 < y0 and x2 == x0  # '1,0' is south of it


def test_a_link_written_with_a_dash_is_an_error_suggesting_the_arrow(cli, tmp_path):
    accident = {"kind": "accident", "at": "10s", "params": {"link": "r3-r4"}}
    path = write(tmp_path, ring(), [accident])
    result = cli("validate", path)
    assert result.exit_code == 2
    (line,) = result.stderr.splitlines()
    assert line.startswith(f"{path}:{line_of(path, 'r3-r4')}: incidents.0.params.link: ")
    assert "'r3-r4' is not a link name; did you mean 'r3->r4'?" in line
    assert "a link 'FROM->TO' after its junctions" in line


def test_an_unknown_link_suggests_the_closest_and_every_choice_is_checked(cli, tmp_path):
    incidents = [
        {"kind": "closure", "at": "10s", "params": {"link": "r3->r9"}},
        {"kind": "accident", "at": "10s", "params": {"link": {"choice": ["r1->r2", "r5->r8"]}}},
    ]
    result = cli("validate", write(tmp_path, ring(), incidents))
    assert result.exit_code == 2
    first, second = result.stderr.splitlines()
    assert "incidents.0.params.link: no link 'r3->r9' in the road graph; did you mean " in first
    assert "did you mean 'r3->r4'? " in first
    assert first.endswith("(e.g. 'r0->r1', 'r1->r2', 'r2->r3')")
    assert "incidents.1.params.link: no link 'r5->r8' in the road graph" in second


def test_a_speed_limit_off_whole_cells_per_second_is_a_warning_at_its_line(cli, tmp_path):
    path = write(tmp_path, ring(speed_limit=50))
    result = cli("validate", path)
    assert result.exit_code == 0
    assert result.stderr.splitlines() == [
        f"{path}:{line_of(path, 'speed_limit')}: params.network.speed_limit: warning: "
        f"50 km/h runs as 54 km/h {ROUNDING}"
    ]


@pytest.mark.parametrize("network", [ring(speed_limit=54), ring(), {"network": {"kind": "grid"}}])
def test_whole_cells_per_second_and_defaults_get_no_warning(cli, tmp_path, network):
    result = cli("validate", write(tmp_path, network))
    assert result.exit_code == 0 and result.stderr == ""


def test_run_warns_and_runs_the_rounded_speed(cli, tmp_path):
    path = write(tmp_path, {**ring(speed_limit=50), "slowdown": 0, "trajectory_every": 1})
    result = cli("run", path, "--out", tmp_path / "out")
    assert result.exit_code == 0, result.output
    assert f"50 km/h runs as 54 km/h {ROUNDING}" in result.stderr
    tracks = pd.read_parquet(tmp_path / "out" / "trajectories", columns=["speed_kmh"])
    assert tracks["speed_kmh"].max() == pytest.approx(54.0)


def test_corridor_ramps_and_the_near_miss_speed_are_checked_too(cli, tmp_path):
    network = {"kind": "corridor", "speed_limit": 108, "ramp_speed_limit": 60}
    path = write(tmp_path, {"network": network, "near_miss_speed": 100})
    assert cli("validate", path).stderr.splitlines() == [
        f"{path}:{line_of(path, 'ramp_speed_limit')}: params.network.ramp_speed_limit: warning: "
        f"60 km/h runs as 54 km/h {ROUNDING}",
        f"{path}:{line_of(path, 'near_miss_speed')}: params.near_miss_speed: warning: "
        f"100 km/h runs as 108 km/h {ROUNDING}",
    ]


def test_a_graph_files_speed_limits_are_one_warning(cli, tmp_path):
    graph = nx.DiGraph()
    graph.add_edge("a", "b", length=300.0)  # no speed_limit: 50 km/h
    graph.add_edge("b", "c", length=300.0)
    graph.add_edge("c", "d", length=300.0, speed_limit=80.0)
    graph.add_edge("d", "e", length=300.0, speed_limit=81.0)
    nx.write_graphml(graph, tmp_path / "roads.graphml")
    path = write(tmp_path, {"network": {"kind": "file", "path": "roads.graphml"}})
    assert cli("validate", path).stderr.splitlines() == [
        f"{path}:{line_of(path, 'path:')}: params.network.path: warning: speed limits: "
        f"50 km/h runs as 54 km/h (2 links); 80 km/h runs as 81 km/h (1 link) {ROUNDING}"
    ]


def test_grid_speed_limits_are_warned_about_at_the_grid_key(cli, tmp_path):
    grid = {"params.network.speed_limit": [40, 54, 80]}
    path = write(tmp_path, ring(), sweep={"runs": 1, "grid": grid})
    result = cli("validate", path)
    assert result.exit_code == 0
    at = f"{path}:{line_of(path, 'params.network.speed_limit:')}: "
    key = "sweep.grid.params.network.speed_limit: warning:"
    assert result.stderr.splitlines() == [
        f"{at}{key} 40 km/h runs as 27 km/h {ROUNDING} (with params.network.speed_limit=40)",
        f"{at}{key} 80 km/h runs as 81 km/h {ROUNDING} (with params.network.speed_limit=80)",
    ]
