"""Wall-clock columns of a run whose scenario sets `start`: start + time, in microseconds.

Events carry one (`timestamp`), episodes two (`start_timestamp`, `end_timestamp`); all are
Arrow timestamps in microseconds, in UTC when `start` has a time zone, computed the same way so
that an episode's clock times equal those of events at the same times.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pyarrow as pa


def timestamp_type(start: datetime | None) -> pa.DataType:
    """The Arrow type of the clock columns of a run that starts at `start`."""
    return pa.timestamp("us", tz="UTC" if start is not None and start.tzinfo else None)


def epoch_microseconds(moment: datetime) -> int:
    """Microseconds since 1970-01-01 (UTC for aware datetimes, wall clock for naive ones)."""
    epoch = datetime(1970, 1, 1, tzinfo=UTC if moment.tzinfo else None)
    return (moment - epoch) // timedelta(microseconds=1)


def clock_micros(start_us: int, seconds: np.ndarray) -> np.ndarray:
    """The clock times of simulated `seconds`, in microseconds since the epoch."""
    return start_us + np.round(np.asarray(seconds, dtype=np.float64) * 1e6).astype(np.int64)
