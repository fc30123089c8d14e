"""Checking a dataset against its manifest before it is read: the manifest's shape, the size
and sha256 of every file it lists, and no data file it does not list.

A file changed after simsynth wrote it (a truncated copy, a bit flip, an edit that is still
valid Parquet) would otherwise be read as if it were the simulation's output.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Iterable, Mapping
from pathlib import Path, PurePosixPath
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from simsynth.errors import DatasetError

SHA256 = r"^[0-9a-f]{64}$"
HINT = "re-create the dataset, or pass --no-verify to read it anyway"


class _Listed(BaseModel):
    model_config = ConfigDict(extra="allow")

    sha256: str = Field(pattern=SHA256)
    bytes: int = Field(ge=0)


class _Run(BaseModel):
    model_config = ConfigDict(extra="allow")

    run_id: int = Field(ge=0)


class _Manifest(BaseModel):
    """What every reader relies on in a dataset's manifest."""

    model_config = ConfigDict(extra="allow")

    files: dict[str, _Listed]
    runs: list[_Run]
    counts: dict[str, Any]


def check_shape(directory: Path, manifest: Mapping[str, Any]) -> None:
    """`DatasetError` (one line) unless the manifest has the files, runs and counts readers
    use, each file a relative path inside the dataset."""
    try:
        shape = _Manifest.model_validate(manifest)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(map(str, first["loc"]))
        raise DatasetError(
            f"{directory}: damaged manifest.json ({where}: {first['msg']}); {HINT}"
        ) from None
    for name in shape.files:
        path = PurePosixPath(name)
        if path.is_absolute() or ".." in path.parts or not path.parts:
            raise DatasetError(f"{directory}: damaged manifest.json (lists {name!r}); {HINT}")


def verify_files(directory: Path, manifest: Mapping[str, Any], manifest_name: str) -> None:
    """`DatasetError` (one line) unless every listed file has its recorded size and sha256 and
    the folders holding data have no file the manifest does not list."""
    listed: dict[str, Any] = manifest["files"]
    for name, entry in listed.items():
        path = directory / name
        if not path.is_file():
            raise DatasetError(f"{directory}: damaged: {name} is missing; {HINT}")
        if path.stat().st_size != entry["bytes"] or sha256_of(path) != entry["sha256"]:
            raise DatasetError(
                f"{directory}: damaged: {name} is not the file simsynth wrote (its size or "
                f"sha256 differs from {manifest_name}); {HINT}"
            )
    folders = sorted({PurePosixPath(name).parts[0] for name in listed if "/" in name})
    unlisted = unlisted_files(directory, listed, folders)
    if unlisted:
        raise DatasetError(
            f"{directory}: damaged: {unlisted[0]} is not listed in {manifest_name} (a reader "
            f"would take it for data); {HINT}"
        )


def unlisted_files(
    directory: Path, listed: Collection[str], folders: Iterable[str] = ("",)
) -> list[str]:
    """The files (and links) under `directory`'s `folders` that `listed` does not name, as
    relative paths; figures `simsynth plot` adds to a dataset are not counted."""
    found = []
    for folder in folders:
        for path in sorted((directory / folder).rglob("*")):
            relative = PurePosixPath(path.relative_to(directory).as_posix())
            entry = path.is_symlink() or not path.is_dir()
            if entry and str(relative) not in listed and not added_figure(relative):
                found.append(str(relative))
    return found


def added_figure(relative: PurePosixPath) -> bool:
    """A figure `simsynth plot` wrote into a dataset (its default `DATASET/plots/`)."""
    return len(relative.parts) == 2 and relative.parts[0] == "plots" and relative.suffix == ".png"


def sha256_of(path: Path) -> str:
    """Hex sha256 of a file's bytes."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
