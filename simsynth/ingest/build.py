"""`simsynth import`: a user's event log (CSV or Parquet) and a mapping file in, a dataset of
the contract out, so that real data can be the reference of `simsynth evaluate`."""

from __future__ import annotations

import time as clock
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from simsynth.contract_tables import run_counts, total_counts, write_partition
from simsynth.dataset import DatasetWriter, check_output
from simsynth.ingest.convert import Imported, convert
from simsynth.ingest.mapping import Mapping, load_mapping
from simsynth.ingest.read import read_log
from simsynth.integrity import sha256_of
from simsynth.runner import package_versions


def import_log(
    file: Path, mapping_file: Path, out: Path, *, overwrite: bool = False
) -> dict[str, Any]:
    """Convert `file` by the mapping in `mapping_file` into a dataset at `out`; return its
    manifest. Every problem is reported (`MappingError`, `ImportDataError`) before anything
    is written."""
    started = clock.perf_counter()
    inputs = [Path(file), Path(mapping_file)]
    check_output(Path(out), overwrite=overwrite, inputs=inputs)
    mapping, source = load_mapping(mapping_file)
    data = read_log(Path(file), mapping.encoding)
    imported = convert(data, mapping, source, str(file))
    with DatasetWriter(Path(out), overwrite=overwrite, inputs=inputs) as writer:
        assert writer.root is not None
        runs = []
        for run in imported.runs:
            write_partition(writer.root, "events", run.run_id, run.events)
            write_partition(writer.root, "episodes", run.run_id, run.episodes)
            if run.entities is not None:
                write_partition(writer.root, "entities", run.run_id, run.entities)
            entry: dict[str, Any] = {"run_id": run.run_id}
            if run.source is not None:
                entry["source"] = run.source
            runs.append(entry | {"counts": run_counts(run.events, run.episodes)})
        manifest = _manifest(file, mapping_file, mapping, imported, runs)
        manifest["wall_time_s"] = round(clock.perf_counter() - started, 3)
        return writer.commit(manifest)


def _manifest(
    file: Path,
    mapping_file: Path,
    mapping: Mapping,
    imported: Imported,
    runs: list[dict[str, Any]],
) -> dict[str, Any]:
    episodes = (
        f"from column '{mapping.episode_id.column}'"
        if mapping.episode_id is not None
        else "one per positive row (the data has no episode column)"
    )
    return {
        "name": mapping.name or Path(file).name.split(".")[0],
        "runs": runs,
        "counts": total_counts(run["counts"] for run in runs),
        "import": {
            "file": str(file),
            "sha256": sha256_of(Path(file)),
            "mapping_file": str(mapping_file),
            "mapping": mapping.model_dump(mode="json", exclude_none=True),
            "time_origin": imported.time_origin,
            "columns": imported.kept,
            "ignored_columns": imported.ignored,
            "episodes": episodes,
            "notes": imported.notes,
        },
        "versions": package_versions(),
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
