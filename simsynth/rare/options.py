"""What a training set is built from and how: the options of `simsynth rare`."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

from simsynth.errors import SimsynthError
from simsynth.scenario.schema import MAX_RUNS
from simsynth.units import Seconds

Unit = Literal["event", "window", "sequence"]
Keying = Literal["entity", "world"]
SplitBy = Literal["run", "time"]
SPLITS = ("train", "validation", "test")
UNITS: tuple[Unit, ...] = ("event", "window", "sequence")
DEFAULT_POSITIVES = 100
DEFAULT_MAX_RUNS = 1000


class OptionError(SimsynthError):
    """An option value that is not allowed (the command exits 2)."""


@dataclass(frozen=True)
class RareOptions:
    """How to build a rare-event training set from a scenario.

    Attributes:
        positives: run until each incident kind of the scenario has this many episodes.
        runs: run exactly this many runs instead (`positives` is then ignored).
        prevalence: share of positive samples to reach by sampling negatives (None: natural).
        unit: what one sample is: an event, a fixed time window, or a sequence of events.
        by: whose windows or sequences: each entity's, or the whole world's.
        window: window length (unit `window`).
        lead: how long before an episode its positive sequence starts (unit `sequence`).
        split: train, validation and test fractions.
        split_by: `run` (whole runs per split) or `time` (cuts within each run, with `gap`).
        gap: time left out around each cut when splitting by time.
        twins: rerun each run with incidents removed and label what changed `affected`.
        max_runs: give up (with an error) when the positives are not reached by then.
    """

    positives: int = DEFAULT_POSITIVES
    runs: int | None = None
    prevalence: float | None = None
    unit: Unit = "event"
    by: Keying = "entity"
    window: Seconds = 600.0
    lead: Seconds = 600.0
    split: tuple[float, float, float] = (0.7, 0.15, 0.15)
    split_by: SplitBy = "run"
    gap: Seconds = 0.0
    twins: bool = False
    max_runs: int = DEFAULT_MAX_RUNS

    def __post_init__(self) -> None:
        if self.positives < 1:
            raise OptionError(f"--positives: {self.positives} is not a count of at least 1")
        for name, count in (("--runs", self.runs), ("--max-runs", self.max_runs)):
            if count is not None and not 1 <= count <= MAX_RUNS:
                raise OptionError(f"{name}: {count} is not a count of runs from 1 to {MAX_RUNS:,}")
        if self.prevalence is not None and not 0.0 < self.prevalence < 1.0:
            raise OptionError(f"--prevalence: {self.prevalence} is not a share in (0, 1)")
        if self.unit not in UNITS:
            raise OptionError(f"--unit: {self.unit!r} is not one of: {', '.join(UNITS)}")
        if self.by not in ("entity", "world"):
            raise OptionError(f"--by: {self.by!r} is not one of: entity, world")
        if self.split_by not in ("run", "time"):
            raise OptionError(f"--split-by: {self.split_by!r} is not one of: run, time")
        for name, value in (("--window", self.window), ("--lead", self.lead)):
            if value <= 0:
                raise OptionError(f"{name}: {value} s is not a positive duration")
        if self.gap < 0:
            raise OptionError(f"--gap: {self.gap} s is not a duration of at least 0")
        if self.gap > 0 and self.split_by != "time":
            raise OptionError("--gap needs --split-by time")

    @property
    def splits_needed(self) -> int:
        """How many runs splitting by run needs at least: one per non-empty split."""
        return sum(1 for share in self.split if share > 0) if self.split_by == "run" else 1

    def runs_note(self) -> str | None:
        """Why `--runs N` gives more runs than N (one per non-empty split), or None."""
        if self.runs is None or self.runs >= self.splits_needed:
            return None
        splits = ", ".join(name for name, share in zip(SPLITS, self.split, strict=True) if share)
        return (
            f"note: {self.splits_needed} runs instead of --runs {self.runs}: splitting by run "
            f"needs a whole run for each of {splits} (or give --split-by time)"
        )

    def describe(self) -> dict[str, Any]:
        """JSON-able form for the manifest."""
        described = asdict(self)
        described["split"] = dict(zip(SPLITS, self.split, strict=True))
        return described


def parse_split(text: str) -> tuple[float, float, float]:
    """`0.7,0.15,0.15` as train, validation, test fractions summing to 1."""
    parts = [part.strip() for part in text.split(",")]
    try:
        shares = [float(part) for part in parts]
    except ValueError:
        raise OptionError(f"--split: {text!r} is not three numbers like 0.7,0.15,0.15") from None
    if len(shares) != 3 or any(share < 0 for share in shares):
        raise OptionError(f"--split: {text!r} is not three shares >= 0 (train,validation,test)")
    if abs(sum(shares) - 1.0) > 1e-6 or shares[0] == 0:
        raise OptionError(f"--split: {text!r} must sum to 1 with a train share above 0")
    return shares[0], shares[1], shares[2]
