"""Wall time and peak memory of a grid city with 50,000 trips in one simulated hour.

A 30 x 30 grid of signalised junctions (150 m blocks, two lanes, 54 km/h) and 50,000 trips
an hour between its boundary junctions, one `simsynth run` process on one core (taskset),
with every event, detector row and trajectory sample written. The issue's bar: minutes.

    python benchmarks/road_network_city.py           # 30 x 30, 50,000 trips
    python benchmarks/road_network_city.py --quick   # 6 x 6, 1,000 trips, a few seconds
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import SIMSYNTH, parse_options, run_in_own_process


def scenario(side: int, trips: int) -> str:
    return (
        f"name: city\nmodel: traffic.road_network\nseed: 1\nduration: 1h\nparams:\n"
        f"  network: {{kind: grid, rows: {side}, columns: {side}, block: 150, lanes: 2}}\n"
        f"  demand: {{rate: {trips}/h}}\n"
    )


def main() -> None:
    options = parse_options(__doc__.splitlines()[0])
    side, trips = (6, 1_000) if options.quick else (30, 50_000)
    with tempfile.TemporaryDirectory(prefix="simsynth-bench-") as tmp:
        root = Path(tmp)
        warm = root / "warm.yaml"
        warm.write_text(scenario(3, 100))
        subprocess.run([*SIMSYNTH, "run", str(warm), "--out", str(root / "warm"), "-q"], check=True)
        path = root / "city.yaml"
        path.write_text(scenario(side, trips))
        events, seconds, peak_mb = run_in_own_process(path, root / "out")
        kinds = pd.read_parquet(root / "out" / "events", columns=["event_type"])["event_type"]
        counts = kinds.value_counts()
        samples = pd.read_parquet(root / "out" / "trajectories", columns=["time"]).shape[0]
    print(f"grid city {side} x {side}, {trips:,} trips requested in 1 simulated hour, one core")
    print(
        f"trips started {counts.get('trip_start', 0):,}, ended {counts.get('trip_end', 0):,};"
        f" events {events:,}; trajectory samples {samples:,}"
    )
    print(f"wall {seconds:.1f} s, peak RSS {peak_mb:,.0f} MB, {events / seconds:,.0f} events/s")


if __name__ == "__main__":
    main()
