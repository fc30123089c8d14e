"""Wall time and peak memory of a PaySim-sized `customers.card_network` run, and a 2x longer one.

PaySim's public data set has about 6 million transactions over 30 days. Each run here is a
fresh `simsynth run` process (so its peak RSS is its own, imports included), on one core when
`taskset` is available. Memory should depend on the world and the flush size, not on the
run's length: the 60-day run writes twice the rows with about the same peak.

    python benchmarks/card_network_paysim.py           # 100,000 holders: ~6M and ~12M rows
    python benchmarks/card_network_paysim.py --quick   # 2,000 holders, a few seconds
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import parse_options

SIMSYNTH = [sys.executable, "-m", "simsynth"]


def scenario(holders: int, merchants: int, days: int) -> str:
    return (
        f"name: paysim-size\nmodel: customers.card_network\nseed: 1\nduration: {days}d\n"
        f"params: {{card_holders: {holders}, merchants: {merchants}}}\n"
    )


def run(path: Path, out: Path) -> tuple[int, float, float]:
    """(events, wall seconds, peak RSS MB) of one `simsynth run` in its own process."""
    pin = ["taskset", "-c", "0"] if shutil.which("taskset") else []
    started = time.perf_counter()
    child = subprocess.Popen([*pin, *SIMSYNTH, "run", str(path), "--out", str(out), "--quiet"])
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - started
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        raise RuntimeError(f"simsynth run failed with status {child.returncode}")
    peak_mb = usage.ru_maxrss / 1024
    events = json.loads((out / "manifest.json").read_text())["counts"]["events"]
    return events, seconds, peak_mb


def main() -> None:
    options = parse_options(__doc__.splitlines()[0])
    holders, merchants = (2_000, 200) if options.quick else (100_000, 5_000)
    print(
        f"card network, {holders:,} holders, {merchants:,} merchants, one process per run "
        "(numba cache warmed first); peak RSS of each run's process"
    )
    print(f"{'run':<8}  {'events':>11}  {'seconds':>8}  {'events/s':>11}  {'peak RSS MB':>11}")
    with tempfile.TemporaryDirectory(prefix="simsynth-bench-") as tmp:
        root = Path(tmp)
        warm = root / "warm.yaml"
        warm.write_text(scenario(100, 20, 1))
        subprocess.run([*SIMSYNTH, "run", str(warm), "--out", str(root / "warm"), "-q"], check=True)
        for days in (30, 60):
            path = root / f"{days}d.yaml"
            path.write_text(scenario(holders, merchants, days))
            events, seconds, peak_mb = run(path, root / f"out-{days}d")
            print(
                f"{days:>2} days    {events:>11,}  {seconds:>8.2f}  {events / seconds:>11,.0f}"
                f"  {peak_mb:>11,.0f}"
            )
            shutil.rmtree(root / f"out-{days}d")


if __name__ == "__main__":
    main()
