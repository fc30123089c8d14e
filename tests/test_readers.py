"""Datasets are read by polars and duckdb too, without simsynth (DESIGN §3)."""

from __future__ import annotations

import duckdb
import polars as pl

import simsynth


def test_polars_and_duckdb_read_events_and_episodes(write_scenario, tmp_path):
    out = tmp_path / "out"
    manifest = simsynth.run(write_scenario(), out=out)
    counts = manifest["counts"]
    events = pl.read_parquet(out / "events" / "**" / "*.parquet", hive_partitioning=True)
    assert events.height == counts["events"]
    assert events["run_id"].unique().to_list() == [0]
    positives = events.filter(pl.col("label") == 1).group_by("label_kind").len()
    assert {row[0]: row[1] for row in positives.iter_rows()} == counts["positives"]

    glob = f"{out}/events/*/*.parquet"
    ((total, labeled, runs),) = duckdb.sql(
        f"select count(*), sum(label), count(distinct run_id) "
        f"from read_parquet('{glob}', hive_partitioning = true)"
    ).fetchall()
    assert (total, labeled, runs) == (counts["events"], sum(counts["positives"].values()), 1)
    episodes = duckdb.sql(
        f"select episode_id, len(entities) from read_parquet('{out}/episodes/*/*.parquet')"
    ).fetchall()
    assert len(episodes) == counts["episodes"]


def test_the_readmes_duckdb_query_counts_each_runs_events(write_scenario, tmp_path, capsys):
    """The README's duckdb block, run as written on a dataset in place of out/demo."""
    import re

    from tests.conftest import REPO

    readme = (REPO / "README.md").read_text()
    block = next(b for b in re.findall(r"```python\n(.*?)```", readme, re.DOTALL) if "duckdb" in b)
    out = tmp_path / "out"
    counts = simsynth.run(write_scenario(), out=out)["counts"]
    assert "'out/demo/events/*/*.parquet'" in block
    exec(block.replace("out/demo", str(out)), {})
    shown = capsys.readouterr().out
    normal = counts["events"] - sum(counts["positives"].values())
    assert re.search(rf"│\s+0 │ normal\s+│\s+{normal} │", shown), shown
    for kind, positives in counts["positives"].items():
        assert re.search(rf"│\s+0 │ {kind}\s+│\s+{positives} │", shown), shown
