"""Wall-clock view of simulated time, for models with daily, weekly and monthly rhythms.

Simulated time is seconds since the scenario's `start`; without one, time 0 is taken to be
midnight of Monday 2026-01-05, so that hour-of-day and weekday profiles still mean something.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from simsynth.units import Seconds

DEFAULT_START = datetime(2026, 1, 5)
"""A Monday, midnight: the wall clock of time 0 when a scenario sets no `start`."""


class Calendar:
    """Maps simulated seconds to the wall-clock date and time."""

    def __init__(self, start: datetime | None = None):
        self.start = start if start is not None else DEFAULT_START

    def at(self, time: Seconds) -> datetime:
        """The wall-clock moment of simulated `time`."""
        return self.start + timedelta(seconds=time)

    def clock_offset(self) -> Seconds:
        """Seconds from the preceding midnight to time 0."""
        start = self.start
        return start.hour * 3600.0 + start.minute * 60.0 + start.second + start.microsecond / 1e6
