"""Seed streams follow DESIGN §5: run k is the k-th spawned child of the scenario's sequence."""

from __future__ import annotations

import numpy as np

from simsynth.seeding import RunSeeds


def test_run_k_uses_the_kth_spawned_child():
    children = np.random.SeedSequence(7).spawn(4)
    for run_id, child in enumerate(children):
        mine = RunSeeds(7, run_id).sequence
        assert (mine.generate_state(4) == child.generate_state(4)).all()


def test_components_get_independent_stable_streams():
    seeds = RunSeeds(7, 0)
    a = seeds.rng("arrivals").random(3)
    assert (a == RunSeeds(7, 0).rng("arrivals").random(3)).all()
    assert not (a == seeds.rng("service").random(3)).any()
    assert not (a == RunSeeds(7, 1).rng("arrivals").random(3)).any()
