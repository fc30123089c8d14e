"""Writing an evaluation: `scores.json`, `report.md`, `report.html` and `figures/*.png`.

The directory is written into a temporary sibling and renamed into place, so a reader sees
either no report or a whole one; an existing directory is replaced only with `overwrite`, and
only if simsynth wrote it (its `manifest.json` lists every file, as a dataset's does).
"""

from __future__ import annotations

import json
import math
import os
import shutil
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import numpy as np

from simsynth.dataset import (
    MANIFEST,
    check_output,
    describe_files,
    move_into_place,
    remove_stale_temporaries,
    temporary_sibling,
)

from .render import blocks, to_html, to_markdown
from .section import Section

FORMAT = "simsynth-evaluation/1"
PACKAGES = ("simsynth", "numpy", "pandas", "scipy", "scikit-learn", "matplotlib", "pyarrow")


def jsonable(value: Any) -> Any:
    """`value` with numpy scalars and arrays as Python ones and non-finite floats as None."""
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | np.ndarray):
        return [jsonable(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def versions() -> dict[str, str | None]:
    """Installed versions of the packages the scores depend on."""
    found: dict[str, str | None] = {}
    for package in PACKAGES:
        try:
            found[package] = version(package)
        except PackageNotFoundError:
            found[package] = None
    return found


def scores_document(
    sections: Sequence[Section],
    *,
    reference: Mapping[str, Any],
    candidate: Mapping[str, Any],
    settings: Mapping[str, Any] | None = None,
    notes: Sequence[str] = (),
) -> dict[str, Any]:
    """The content of `scores.json`: inputs, settings, versions and every section's scores."""
    return jsonable(
        {
            "format": FORMAT,
            "inputs": {"reference": dict(reference), "candidate": dict(candidate)},
            "settings": dict(settings or {}),
            "notes": list(notes),
            "versions": versions(),
            "sections": {section.name: section.scores() for section in sections},
        }
    )


@contextmanager
def _staging(target: Path, overwrite: bool) -> Iterator[Path]:
    """A temporary sibling of `target`, renamed into place if the block finishes."""
    check_output(target, overwrite=overwrite)
    target.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_temporaries(target)
    root = temporary_sibling(target)
    try:
        yield root
        move_into_place(root, target)
    finally:
        shutil.rmtree(root, ignore_errors=True)


def _draw(sections: Sequence[Section], directory: Path) -> dict[str, list[tuple[str, str]]]:
    import matplotlib.pyplot as plt

    from simsynth.plots import PNG_METADATA

    directory.mkdir()
    drawn: dict[str, list[tuple[str, str]]] = {}
    for section in sections:
        for name, draw in section.figures:
            figure = draw()
            path = directory / f"{section.name}-{name}.png"
            figure.savefig(path, dpi=100, metadata=PNG_METADATA)
            plt.close(figure)
            drawn.setdefault(section.name, []).append((name, f"{directory.name}/{path.name}"))
    return drawn


def write_report(
    sections: Sequence[Section],
    out_dir: str | os.PathLike[str],
    *,
    reference: Mapping[str, Any],
    candidate: Mapping[str, Any],
    settings: Mapping[str, Any] | None = None,
    notes: Sequence[str] = (),
    overwrite: bool = False,
) -> dict[str, Any]:
    """Write the report of `sections` into `out_dir` (atomically); return `scores.json`'s content.

    `reference` and `candidate` describe the inputs (path, rows, runs, entities, event types);
    `notes` are sentences about the comparison as a whole (e.g. columns left out).
    """
    document = scores_document(
        sections, reference=reference, candidate=candidate, settings=settings, notes=notes
    )
    with _staging(Path(out_dir), overwrite) as root:
        figures = _draw(sections, root / "figures")
        content = blocks(document, sections, figures)
        (root / "scores.json").write_text(json.dumps(document, indent=2) + "\n")
        (root / "report.md").write_text(to_markdown(content))
        (root / "report.html").write_text(to_html(content))
        manifest = {"format": FORMAT, "status": "complete", "files": describe_files(root)}
        (root / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
    return document
