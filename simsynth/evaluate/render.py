"""The evaluation report as a list of blocks, rendered to Markdown or to plain HTML + CSS."""

from __future__ import annotations

import html
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from .section import Section


@dataclass(frozen=True)
class Heading:
    level: int
    text: str


@dataclass(frozen=True)
class Paragraph:
    text: str


@dataclass(frozen=True)
class Alert:
    text: str


@dataclass(frozen=True)
class Table:
    columns: list[str]
    rows: list[list[str]]


@dataclass(frozen=True)
class Image:
    alt: str
    path: str
    """Relative to the report's directory."""


Block = Heading | Paragraph | Alert | Table | Image


def cell(value: Any) -> str:
    """A value as report text: floats to 4 significant digits, missing as –."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if isinstance(value, bool | str):
        return str(value)
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, list | tuple) and all(isinstance(v, str) for v in value):
        return ", ".join(value)
    if isinstance(value, dict | list | tuple):
        return json.dumps(value, default=str)
    return str(value)


def frame_table(frame: pd.DataFrame) -> Table:
    """A DataFrame as a table block (index dropped)."""
    rows = [
        [cell(v.item() if hasattr(v, "item") else v) for v in row]
        for row in frame.itertuples(index=False)
    ]
    return Table([str(c) for c in frame.columns], rows)


def flat_scores(summary: dict[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    """(key, value) of a summary's entries, nested dicts' keys joined by dots."""
    found: list[tuple[str, Any]] = []
    for key, value in summary.items():
        if isinstance(value, dict):
            found += flat_scores(value, f"{prefix}{key}.")
        else:
            found.append((f"{prefix}{key}", value))
    return found


def headline(summaries: Mapping[str, dict[str, Any]]) -> list[tuple[str, str, Any]]:
    """(section, score, value) of the scores (floats or missing; not counts, not text) of the
    sections' summaries, by section name."""
    return [
        (name, key, value)
        for name, summary in summaries.items()
        for key, value in flat_scores(summary)
        if value is None or isinstance(value, float)
    ]


def blocks(
    document: dict[str, Any],
    sections: Sequence[Section],
    figures: Mapping[str, list[tuple[str, str]]],
) -> list[Block]:
    """The report's content: inputs, headline scores, then each section (`figures`: section
    name -> (figure name, PNG path relative to the report) pairs)."""
    inputs = document["inputs"]
    scores = headline({section.name: section.summary for section in sections})
    ref, cand = inputs["reference"], inputs["candidate"]
    described = [
        ("dataset", "path"),
        ("rows", "rows"),
        ("runs", "runs"),
        ("entities", "entities"),
        ("event types", "event_types"),
    ]
    settings = " · ".join(f"{k}: {cell(v)}" for k, v in document.get("settings", {}).items())
    out: list[Block] = [
        Heading(1, "simsynth evaluation"),
        Table(
            ["", "reference", "candidate"],
            [[label, cell(ref.get(key)), cell(cand.get(key))] for label, key in described],
        ),
        Paragraph(f"Settings: {settings}."),
        *(Paragraph(note) for note in document.get("notes", [])),
        Heading(2, "Headline scores"),
        Paragraph(
            "Similarities and scores: 1 is best. Detectability auc: 0.5 is best. "
            "Wasserstein and rates: 0 is best; dcr_ratio: about 1 is best."
        ),
        Table(["section", "score", "value"], [[s, k, cell(v)] for s, k, v in scores]),
    ]
    for section in sections:
        out += [Heading(2, section.title), *(Alert(text) for text in section.warnings)]
        out += [Paragraph(note) for note in section.notes]
        out += [Table(["score", "value"], [[k, cell(v)] for k, v in flat_scores(section.summary)])]
        for title, frame in section.tables:
            out += [Heading(3, title), frame_table(frame)]
        drawn = figures.get(section.name, [])
        out += [Image(f"{section.name}: {name}", path) for name, path in drawn]
    return out


def _markdown_text(text: str) -> str:
    """Text as Markdown shows it: HTML in it (from the data: column names, values) escaped,
    as a Markdown renderer would otherwise pass `<script>` through."""
    return html.escape(text, quote=False).replace("\n", " ")


def _markdown_cell(text: str) -> str:
    return _markdown_text(text).replace("|", "\\|")


def to_markdown(content: Sequence[Block]) -> str:
    """The blocks as GitHub-flavoured Markdown."""
    parts = []
    for block in content:
        match block:
            case Heading(level, text):
                parts.append(f"{'#' * level} {_markdown_text(text)}")
            case Paragraph(text):
                parts.append(_markdown_text(text))
            case Alert(text):
                parts.append(f"> **Warning:** {_markdown_text(text)}")
            case Table(columns, rows):
                lines = [columns, ["---"] * len(columns), *rows]
                cells = (" | ".join(_markdown_cell(c) for c in line) for line in lines)
                parts.append("\n".join(f"| {line} |" for line in cells))
            case Image(alt, path):
                parts.append(f"![{_markdown_cell(alt)}]({path})")
    return "\n\n".join(parts) + "\n"


STYLE = """
body { font-family: system-ui, sans-serif; max-width: 1100px; margin: 2em auto; padding: 0 1em;
       color: #222; line-height: 1.45; }
table { border-collapse: collapse; margin: 0.8em 0; font-size: 0.9em; }
th, td { border: 1px solid #ccd; padding: 0.25em 0.6em; text-align: left; }
th { background: #eef1f6; }
td { font-variant-numeric: tabular-nums; }
.warning { background: #fff4e5; border-left: 4px solid #e69500; padding: 0.5em 0.8em; }
img { max-width: 100%; display: block; margin: 1em 0; }
h2 { border-bottom: 1px solid #ccd; padding-bottom: 0.2em; margin-top: 2em; }
"""


def to_html(content: Sequence[Block], title: str = "simsynth evaluation") -> str:
    """The blocks as one HTML page (inline CSS, no scripts; images by relative path)."""
    escape = html.escape
    body = []
    for block in content:
        match block:
            case Heading(level, text):
                body.append(f"<h{level}>{escape(text)}</h{level}>")
            case Paragraph(text):
                body.append(f"<p>{escape(text)}</p>")
            case Alert(text):
                body.append(f'<p class="warning"><strong>Warning:</strong> {escape(text)}</p>')
            case Table(columns, rows):
                head = "".join(f"<th>{escape(c)}</th>" for c in columns)
                cells = "".join(
                    "<tr>" + "".join(f"<td>{escape(c)}</td>" for c in row) + "</tr>" for row in rows
                )
                body.append(f"<table><thead><tr>{head}</tr></thead><tbody>{cells}</tbody></table>")
            case Image(alt, path):
                body.append(f'<img src="{escape(path)}" alt="{escape(alt)}">')
    return (
        f'<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{escape(title)}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n"
        + "\n".join(body)
        + "\n</body>\n</html>\n"
    )
