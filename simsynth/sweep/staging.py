"""Where a sweep keeps its finished runs until the last one is done, so that a sweep killed
midway can resume.

Next to the target directory, `.NAME.simsynth-sweep/` holds `data/` (the dataset being built,
one partition per run), `runs/run_id=K.json` (a finished run's seed, grid values, counts and
the sha256 of each of its files, written only after the files) and `sweep.json` (what sweep this
is). At the end `data/` is renamed into place and the rest removed.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

import pyarrow as pa

from simsynth.dataset import describe_files
from simsynth.errors import SimsynthError

RunRecord = dict[str, Any]
"""A finished run: run_id, seed, values, counts and files (relative path -> sha256/bytes/rows)."""


class StagingError(SimsynthError):
    """An interrupted sweep is in the way, or belongs to another scenario."""


def run_files(root: Path, run_id: int) -> dict[str, dict[str, Any]]:
    """sha256, bytes and rows of each file of one run's partitions under a dataset root."""
    described: dict[str, dict[str, Any]] = {}
    for partition in sorted(root.glob(f"*/run_id={run_id}")):
        prefix = partition.relative_to(root).as_posix()
        for relative, entry in describe_files(partition).items():
            described[f"{prefix}/{relative}"] = entry
    return described


def clear_run(root: Path, run_id: int) -> None:
    """Delete whatever a run had written (e.g. by a run that was killed)."""
    for partition in root.glob(f"*/run_id={run_id}"):
        shutil.rmtree(partition)


def write_json(path: Path, data: Any) -> None:
    """Write JSON atomically: into a temporary file, then renamed over `path`."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.write_text(json.dumps(data, indent=1, sort_keys=True))
    os.replace(temporary, path)


def _read_json(path: Path) -> Any:
    """A staged JSON file's content, None if it does not parse (a damaged file)."""
    try:
        return json.loads(path.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return None


def _intact(data: Path, record: Any) -> bool:
    """Whether a run's record is whole and its files still have the recorded checksums."""
    if not isinstance(record, dict) or not isinstance(record.get("run_id"), int):
        return False
    try:
        return run_files(data, record["run_id"]) == record.get("files")
    except (pa.ArrowException, OSError):  # a file that no longer parses
        return False


class SweepStaging:
    """A sweep's staging area at `root` (workers get it by its root)."""

    def __init__(self, root: Path):
        self.root = root
        self.data = root / "data"
        self.runs = root / "runs"

    @classmethod
    def for_target(cls, target: Path) -> SweepStaging:
        """The staging area of the sweep writing `target`."""
        return cls(target.parent / f".{target.name}.simsynth-sweep")

    def open(self, identity: dict[str, Any], *, resume: bool) -> None:
        """Create the area, or (with `resume`) reopen the one of the same sweep."""
        stamp = self.root / "sweep.json"
        if stamp.exists():
            if not resume:
                raise StagingError(
                    f"{self.root}: an interrupted sweep is there (--resume continues it; "
                    "delete the directory to start again)"
                )
            found = _read_json(stamp)
            if found != identity:
                why = (
                    "is damaged"
                    if found is None
                    else "is not this one (another scenario, seed or grid)"
                )
                raise StagingError(
                    f"{self.root}: the interrupted sweep there {why}; delete it to start again"
                )
        self.runs.mkdir(parents=True, exist_ok=True)
        self.data.mkdir(exist_ok=True)
        write_json(stamp, identity)

    def record_path(self, run_id: int) -> Path:
        return self.runs / f"run_id={run_id}.json"

    def finished(self) -> dict[int, RunRecord]:
        """The runs whose records exist and whose files still have the recorded checksums;
        the partitions of any other run are deleted."""
        verified: dict[int, RunRecord] = {}
        for path in sorted(self.runs.glob("run_id=*.json")):
            record = _read_json(path)
            if _intact(self.data, record):
                verified[int(record["run_id"])] = record
            else:
                path.unlink()  # damaged or half written: the run is done again
        kept = {f"run_id={run_id}" for run_id in verified}
        for partition in self.data.glob("*/run_id=*"):
            if partition.name not in kept:
                shutil.rmtree(partition)
        return verified

    def remove(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)
