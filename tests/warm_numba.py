"""Compile every model's numba kernels once, into numba's on-disk cache, before the tests run.

`make test` runs this first, so that the test processes (and the sweep workers they spawn
side by side) load compiled kernels instead of each compiling them again on a cold machine.
A short run of each registered model with its defaults reaches every kernel it has.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import yaml

import simsynth
from simsynth import registry


def warm(folder: Path) -> None:
    for key in registry.entries():
        scenario = {"name": "warm", "model": key, "seed": 1, "duration": "10min"}
        path = folder / f"{key}.yaml"
        path.write_text(yaml.safe_dump(scenario))
        simsynth.run(path, out=folder / key)


if __name__ == "__main__":
    with tempfile.TemporaryDirectory(prefix="simsynth-warm-") as folder:
        warm(Path(folder))
