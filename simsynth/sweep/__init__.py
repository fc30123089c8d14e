"""Sweeps (DESIGN §6): many runs of one scenario, on a local process pool or a Dask cluster.

`plan` expands a scenario's `sweep:` section into runs, `staging` keeps finished runs where an
interrupted sweep can resume from, `executors` run them, and `sweep.run_sweep` puts it together.
"""
