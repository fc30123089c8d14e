"""Dataset directories (DESIGN §3): written into a temporary sibling, checked, then renamed.

A reader either sees no directory at the target path or a complete one whose `manifest.json`
says `complete` and lists the sha256 of every file. A run killed at any moment leaves only a
hidden temporary sibling, which the next writer into the same parent removes.

Nothing but a simsynth directory is ever replaced: `--overwrite` takes a directory whose
manifest lists every file in it (plus the figures `simsynth plot` adds), and nothing else; never
the working directory, a folder around it, or an input of the command.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from simsynth import integrity
from simsynth.errors import DatasetError, OutputExistsError, OutputRefusedError, shown
from simsynth.integrity import sha256_of

FORMAT = "simsynth-dataset/1"
MANIFEST = "manifest.json"
_TEMP_MARK = ".simsynth-tmp-"
FILES_SYNCED_ONE_BY_ONE = 64
"""Above this many files a dataset is made durable with one `os.sync` instead."""
FILES_SHOWN = 3
"""Unlisted files named when a directory cannot be replaced."""


def _temp_prefix(target: Path) -> str:
    return f".{target.name}{_TEMP_MARK}"


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def check_output(target: Path, *, overwrite: bool, inputs: Sequence[Path] = ()) -> None:
    """Raise unless a new directory may be put at `target`: nothing is there or (with
    `overwrite`) a directory simsynth wrote holding nothing else; never the working directory,
    a folder holding it, or a path holding one of the command's `inputs`."""
    place = target.resolve()
    here = Path.cwd().resolve()
    if place == here or place in here.parents:
        what = "the current directory" if place == here else "a folder holding the current one"
        message = f"{target}: is {what}; write to a directory of its own (e.g. --out out/NAME)"
        raise OutputRefusedError(message)
    for given in inputs:
        source = Path(given).resolve()
        if place == source or place in source.parents:
            what = "is" if place == source else "holds"
            raise OutputRefusedError(
                f"{target}: {what} {given}, an input of this command; choose another --out"
            )
    if not os.path.lexists(target):
        return
    if not overwrite:
        raise OutputExistsError(target)
    reason = _why_not_replaceable(target)
    if reason is not None:
        raise OutputRefusedError(
            f"{target}: {reason}; --overwrite replaces only what simsynth wrote, so that "
            "nothing else is lost (move it away or choose another --out)"
        )


def _why_not_replaceable(target: Path) -> str | None:
    """None if `target` is an empty directory or one simsynth wrote holding nothing else."""
    if target.is_symlink():
        return "is a symbolic link"
    if not target.is_dir():
        return "is a file"
    foreign = f"is a directory simsynth did not write (no simsynth {MANIFEST})"
    try:
        manifest = json.loads((target / MANIFEST).read_text())
    except FileNotFoundError:
        return None if not any(target.iterdir()) else foreign
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return foreign
    if not isinstance(manifest, dict) or not str(manifest.get("format")).startswith("simsynth-"):
        return foreign
    unlisted = integrity.unlisted_files(target, set(manifest.get("files") or {}) | {MANIFEST})
    if unlisted:
        names = ", ".join(unlisted[:FILES_SHOWN]) + (", ..." if len(unlisted) > FILES_SHOWN else "")
        return f"holds {len(unlisted)} file(s) its manifest does not list ({names})"
    return None


def remove_stale_temporaries(target: Path) -> None:
    """Delete temporary siblings of `target` left by writers that no longer run."""
    parent = target.parent
    if not parent.is_dir():
        return
    for candidate in parent.glob(_temp_prefix(target) + "*"):
        pid_text = candidate.name.removeprefix(_temp_prefix(target)).split("-", 1)[0]
        if not pid_text.isdigit() or not _pid_alive(int(pid_text)):
            shutil.rmtree(candidate, ignore_errors=True)


def temporary_sibling(target: Path) -> Path:
    """A new hidden directory beside `target` to write into, named so that
    `remove_stale_temporaries` deletes it once this process is gone."""
    prefix = f"{_temp_prefix(target)}{os.getpid()}-"
    return Path(tempfile.mkdtemp(prefix=prefix, dir=target.parent))


def move_into_place(root: Path, target: Path) -> None:
    """Rename the directory `root` to `target`; an existing `target` (one `check_output` allows
    to replace, checked again now) is first moved aside into a temporary sibling, then
    deleted."""
    check_output(target, overwrite=True)
    if os.path.lexists(target):
        trash = Path(tempfile.mkdtemp(prefix=_temp_prefix(target) + "old-", dir=target.parent))
        os.replace(target, trash / "old")
        os.replace(root, target)
        shutil.rmtree(trash, ignore_errors=True)
    else:
        os.replace(root, target)


def describe_files(root: Path) -> dict[str, dict[str, Any]]:
    """sha256, bytes and (for Parquet) rows of every file under `root`, by relative path."""
    files: dict[str, dict[str, Any]] = {}
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        relative = path.relative_to(root).as_posix()
        if relative == MANIFEST:
            continue
        entry: dict[str, Any] = {"sha256": sha256_of(path), "bytes": path.stat().st_size}
        if path.suffix == ".parquet":
            entry["rows"] = pq.ParquetFile(path).metadata.num_rows
        files[relative] = entry
    return files


class DatasetWriter:
    """Context manager owning a temporary dataset directory until `commit` renames it.

    Leaving the context without `commit` (an error, Ctrl-C) deletes the temporary directory,
    unless it is a `staging` directory the caller gave (a sweep keeps it to resume from). The
    target is checked (`check_output`) on entering, before any work, and again at `commit`.
    """

    def __init__(
        self,
        target: Path,
        *,
        overwrite: bool = False,
        staging: Path | None = None,
        inputs: Sequence[Path] = (),
    ):
        self.target = Path(target)
        self.overwrite = overwrite
        self.staging = staging
        self.inputs = tuple(inputs)
        self.root: Path | None = None

    def __enter__(self) -> DatasetWriter:
        check_output(self.target, overwrite=self.overwrite, inputs=self.inputs)
        self.target.parent.mkdir(parents=True, exist_ok=True)
        remove_stale_temporaries(self.target)
        if self.staging is not None:
            self.staging.mkdir(parents=True, exist_ok=True)
            self.root = self.staging
        else:
            self.root = temporary_sibling(self.target)
        return self

    def commit(
        self, manifest: dict[str, Any], files: dict[str, dict[str, Any]] | None = None
    ) -> dict[str, Any]:
        """Check every file (or take `files`, their description made as they were written),
        write the manifest with `status: complete`, rename into place."""
        assert self.root is not None, "commit() outside the context"
        files = describe_files(self.root) if files is None else dict(sorted(files.items()))
        manifest = {"format": FORMAT, "status": "complete", **manifest, "files": files}
        manifest_path = self.root / MANIFEST
        manifest_path.write_text(json.dumps(manifest, indent=2, sort_keys=False) + "\n")
        _fsync_tree(self.root)
        move_into_place(self.root, self.target)
        self.root = None
        return manifest

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self.root is not None and self.staging is None:
            shutil.rmtree(self.root, ignore_errors=True)
        self.root = None


def _fsync_tree(root: Path) -> None:
    """Make every file under `root` durable before the rename that publishes them: one by one,
    or (for many files, where that costs a disk flush each) with one `os.sync`."""
    files = [path for path in root.rglob("*") if path.is_file()]
    if len(files) > FILES_SYNCED_ONE_BY_ONE:
        os.sync()
    else:
        for path in files:
            with path.open("rb") as handle:
                os.fsync(handle.fileno())
    with contextlib.suppress(OSError):
        descriptor = os.open(root, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)


def read_manifest(directory: str | os.PathLike[str], *, verify: bool = True) -> dict[str, Any]:
    """The manifest of a complete dataset, every file checked against it (size and sha256;
    `simsynth.integrity`) unless `verify` is false; `DatasetError` for anything else."""
    root = Path(directory)
    path = root / MANIFEST
    try:
        manifest = json.loads(path.read_text())
    except FileNotFoundError:
        raise DatasetError(f"{directory}: not a simsynth dataset (no {MANIFEST})") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        reason = " ".join(str(error).split())
        raise DatasetError(f"{path}: unreadable manifest ({reason})") from None
    if not isinstance(manifest, dict):
        raise DatasetError(f"{path}: unreadable manifest (not a JSON object)")
    if manifest.get("status") != "complete":
        raise DatasetError(
            f"{directory}: dataset is not complete (status: {shown(manifest.get('status'))})"
        )
    if manifest.get("format") != FORMAT:
        raise DatasetError(
            f"{directory}: not a simsynth dataset of format {FORMAT} "
            f"(format: {shown(manifest.get('format'))})"
        )
    integrity.check_shape(root, manifest)
    if verify:
        integrity.verify_files(root, manifest, MANIFEST)
    return manifest


@contextlib.contextmanager
def reading(directory: str | os.PathLike[str]) -> Iterator[None]:
    """Report a dataset file that cannot be read (damaged Parquet) as one `DatasetError`."""
    try:
        yield
    except (pa.ArrowException, OSError) as error:
        reason = shown(" ".join(str(error).split()))
        raise DatasetError(f"{directory}: cannot be read, it may be damaged ({reason})") from None


def read_table(
    directory: str | os.PathLike[str], table: str = "events", *, verify: bool = True
) -> pd.DataFrame:
    """One table of a complete dataset as a DataFrame, sorted by run and row order (every file
    checked first unless `verify` is false)."""
    read_manifest(directory, verify=verify)
    with reading(directory):
        frame = pd.read_parquet(Path(directory) / table)
    order = "event_id" if table == "events" else frame.columns[0]
    return frame.sort_values(["run_id", order], kind="stable").reset_index(drop=True)


def read_events(directory: str | os.PathLike[str], *, verify: bool = True) -> pd.DataFrame:
    """All events of a complete dataset as a pandas DataFrame."""
    return read_table(directory, "events", verify=verify)
