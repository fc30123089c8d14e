"""Seed streams (DESIGN §5): one SeedSequence per scenario, one child per run, one per component.

Run *k* uses the *k*-th spawned child of the scenario's sequence whatever executor runs it;
inside a run each named component gets its own stream, keyed by a stable hash of its name, so
adding a component never shifts the numbers another one draws.
"""

from __future__ import annotations

import zlib

import numpy as np

RunId = int


class RunSeeds:
    """The random streams of one run."""

    def __init__(self, scenario_seed: int, run_id: RunId):
        self.sequence = np.random.SeedSequence(scenario_seed, spawn_key=(run_id,))

    def stream(self, component: str) -> np.random.SeedSequence:
        """The seed sequence of one named component (e.g. `"arrivals"`, `"incidents"`)."""
        key = zlib.crc32(component.encode("utf-8"))
        return np.random.SeedSequence(
            self.sequence.entropy, spawn_key=(*self.sequence.spawn_key, key)
        )

    def rng(self, component: str) -> np.random.Generator:
        """A numpy Generator for one named component."""
        return np.random.default_rng(self.stream(component))

    def describe(self) -> dict[str, object]:
        """JSON-able description for the manifest: entropy and spawn key."""
        return {"entropy": int(self.sequence.entropy), "spawn_key": list(self.sequence.spawn_key)}


def scenario_rng(scenario_seed: int, component: str) -> np.random.Generator:
    """A stream of the scenario as a whole (not of one run), e.g. for dealing runs into
    training splits; keyed by a hash of its name, far from the run ids' children."""
    key = zlib.crc32(component.encode("utf-8")) + (1 << 32)
    return np.random.default_rng(np.random.SeedSequence(scenario_seed, spawn_key=(key,)))
