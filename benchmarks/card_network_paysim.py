"""Wall time and peak memory of a PaySim-sized `customers.card_network` run, and a 2x longer one.

PaySim's public data set has about 6 million transactions over 30 days. Each run here is a
fresh `simsynth run` process (so its peak RSS is its own, imports included), on one core when
`taskset` is available. Memory should depend on the world and the flush size, not on the
run's length: the 60-day run writes twice the rows with about the same peak.

    python benchmarks/card_network_paysim.py           # 100,000 holders: ~6M and ~12M rows
    python benchmarks/card_network_paysim.py --quick   # 2,000 holders, a few seconds
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import SIMSYNTH, parse_options, run_in_own_process


def scenario(holders: int, merchants: int, days: int) -> str:
    return (
        f"name: paysim-size\nmodel: customers.card_network\nseed: 1\nduration: {days}d\n"
        f"params: {{card_holders: {holders}, merchants: {merchants}}}\n"
    )


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
            events, seconds, peak_mb = run_in_own_process(path, root / f"out-{days}d")
            print(
                f"{days:>2} days    {events:>11,}  {seconds:>8.2f}  {events / seconds:>11,.0f}"
                f"  {peak_mb:>11,.0f}"
            )
            shutil.rmtree(root / f"out-{days}d")


if __name__ == "__main__":
    main()
