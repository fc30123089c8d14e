"""Who runs a sweep's runs: this process, a local process pool, or a Dask cluster.

Each executor takes the same tasks (`task.execute_run` and its JSON-able arguments) and yields
outcomes as runs finish, in whatever order; a run that raises is an outcome too, so that the
others go on. What a run writes does not depend on which executor ran it.
"""

from __future__ import annotations

import itertools
import multiprocessing
import os
import signal
import threading
import time
import traceback
from collections.abc import Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass
from typing import Any, Literal

from simsynth.sweep.plan import PlannedRun
from simsynth.sweep.staging import RunRecord
from simsynth.sweep.task import execute_run

ExecutorName = Literal["local", "dask"]
IN_FLIGHT_PER_WORKER = 2
"""Runs handed to an executor at a time, per worker: a sweep of many runs holds a few in
memory (each a future and its arguments), not all of them."""


@dataclass(frozen=True)
class Outcome:
    """A run's end: its record, or the error it raised."""

    run: PlannedRun
    record: RunRecord | None = None
    error: str | None = None


def run_all(
    runs: Sequence[PlannedRun],
    scenario_json: dict[str, Any],
    staging_root: str,
    *,
    workers: int,
    executor: ExecutorName = "local",
    address: str | None = None,
) -> Iterator[Outcome]:
    """Run `runs` on the chosen executor, yielding each outcome as it comes."""
    arguments = [(scenario_json, run.run_id, run.values, staging_root) for run in runs]
    if executor == "dask":
        yield from _on_dask(runs, arguments, workers, address)
    elif workers <= 1:
        yield from _in_process(runs, arguments)
    else:
        yield from _on_process_pool(runs, arguments, workers)


def _in_process(runs: Sequence[PlannedRun], arguments: list[tuple]) -> Iterator[Outcome]:
    for run, args in zip(runs, arguments, strict=True):
        try:
            yield Outcome(run, record=execute_run(*args))
        except Exception as error:
            yield Outcome(run, error=_describe(error))


def _on_process_pool(
    runs: Sequence[PlannedRun], arguments: list[tuple], workers: int
) -> Iterator[Outcome]:
    context = multiprocessing.get_context("spawn")  # no forked copies of threads or numba state
    pool = ProcessPoolExecutor(
        workers, mp_context=context, initializer=_worker_setup, initargs=(os.getpid(),)
    )
    try:
        tasks = iter(zip(runs, arguments, strict=True))
        pending: dict[Future[RunRecord], PlannedRun] = {}
        while True:
            for run, args in itertools.islice(tasks, IN_FLIGHT_PER_WORKER * workers - len(pending)):
                pending[pool.submit(execute_described, *args)] = run
            if not pending:
                break
            finished, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in finished:
                yield _outcome(pending.pop(future), future)
    except BaseException:  # Ctrl+C, or the caller stopped: the runs in flight are abandoned
        _stop_now(pool)
        raise
    pool.shutdown()


def _stop_now(pool: ProcessPoolExecutor) -> None:
    """Stop a pool without waiting for its running tasks (a shutdown that waits can hang
    forever when Ctrl+C reached the workers as they started)."""
    # ProcessPoolExecutor.terminate_workers() arrives in Python 3.14; until then its processes
    # (which shutdown forgets)
    processes = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        process.terminate()


def _on_dask(
    runs: Sequence[PlannedRun], arguments: list[tuple], workers: int, address: str | None
) -> Iterator[Outcome]:
    from distributed import Client, LocalCluster
    from distributed import as_completed as dask_completed

    cluster = None
    if address is None:
        cluster = LocalCluster(
            n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None
        )
    try:
        with Client(address or cluster) as client:
            threads = sum(w["nthreads"] for w in client.scheduler_info()["workers"].values())
            tasks = iter(zip(runs, arguments, strict=True))
            pending: dict[Any, PlannedRun] = {}
            finished = dask_completed([])

            def submit(count: int) -> None:
                for run, args in itertools.islice(tasks, count):
                    key = f"simsynth-run-{run.run_id}"
                    future = client.submit(execute_described, *args, key=key, pure=False)
                    pending[future] = run
                    finished.add(future)

            submit(IN_FLIGHT_PER_WORKER * max(threads, workers))
            for future in finished:
                yield _outcome(pending.pop(future), future)
                submit(1)
    finally:
        if cluster is not None:
            cluster.close()


class RunFailed(Exception):
    """A run's error as text: what a worker sends back, since the error itself may not
    survive pickling (and one that does not would break the whole pool)."""


def execute_described(*args: Any) -> RunRecord:
    """`execute_run` in a worker, its error (if any) raised as a `RunFailed`."""
    try:
        return execute_run(*args)
    except Exception as error:
        raise RunFailed(_describe(error)) from None


def _outcome(run: PlannedRun, future: Any) -> Outcome:
    try:
        return Outcome(run, record=future.result())
    except RunFailed as error:
        return Outcome(run, error=str(error))
    except Exception as error:
        return Outcome(run, error=_describe(error))


def _describe(error: BaseException) -> str:
    last = traceback.extract_tb(error.__traceback__)[-1:] if error.__traceback__ else []
    where = f" (at {last[0].filename}:{last[0].lineno})" if last else ""
    return f"{type(error).__name__}: {error}{where}"


def _worker_setup(parent: int) -> None:
    """In a pool worker: Ctrl+C is the sweep's to handle (it stops the workers), and the
    worker exits as soon as the sweep that started it is gone (e.g. killed with -9), so that
    no orphan goes on writing while a resumed sweep redoes its run."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.2)
        os._exit(1)

    threading.Thread(target=watch, daemon=True, name="simsynth-parent-watch").start()
