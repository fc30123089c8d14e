"""Figures comparing a reference sample with a candidate sample (matplotlib, Agg backend)."""

from __future__ import annotations

import math
from collections.abc import Sequence

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from .similarity import as_labels, finite

COLORS = {"reference": "#4c72b0", "candidate": "#dd8452"}
MAX_PANELS = 12
"""Columns drawn in a grid at most (the first ones in the table's order)."""
MAX_BARS = 10
"""Categories drawn per categorical column (the reference's most frequent; the rest as other)."""
BINS = 40


def _bins(samples: Sequence[np.ndarray], log: bool) -> np.ndarray:
    pooled = np.concatenate(samples)
    if log:
        pooled = pooled[pooled > 0]
    if not len(pooled):
        return np.linspace(0.0, 1.0, BINS + 1)
    low, high = np.percentile(pooled, [0.5, 99.5])
    if log:
        return np.geomspace(low, max(high, low * 1.01), BINS + 1)
    return np.linspace(low, high if high > low else low + 1.0, BINS + 1)


def draw_histograms(axis: Axes, samples: dict[str, np.ndarray], *, log: bool = False) -> None:
    """Step histograms of each named sample's shares on shared bins (log-spaced if `log`, which
    leaves out values <= 0); values beyond the 0.5-99.5 % quantiles fall in the end bins."""
    cleaned = {name: finite(values) for name, values in samples.items()}
    if log:
        cleaned = {name: values[values > 0] for name, values in cleaned.items()}
    edges = _bins([v for v in cleaned.values() if len(v)] or [np.zeros(0)], log)
    for name, values in cleaned.items():
        if len(values):
            counts, _ = np.histogram(np.clip(values, edges[0], edges[-1]), edges)
            density = counts / max(counts.sum(), 1)
            axis.stairs(density, edges, color=COLORS.get(name), label=name, lw=1.4)
    if log:
        axis.set_xscale("log")
    axis.set_ylabel("share")


def draw_bars(
    axis: Axes, reference: pd.Series, candidate: pd.Series, *, by_value: bool = False
) -> None:
    """Side-by-side bars of category shares: the reference's most frequent categories (in
    value order if `by_value`, for small sets of numbers), then the others as one bar."""
    shares = {
        name: values.value_counts(normalize=True)
        for name, values in (("reference", reference), ("candidate", candidate))
    }
    top = list(shares["reference"].index[:MAX_BARS])
    if by_value:
        top.sort()
    labels = [*top, "other"] if len(shares["reference"]) > MAX_BARS else top
    x = np.arange(len(labels))
    for offset, (name, share) in zip((-0.2, 0.2), shares.items(), strict=True):
        heights = [share.get(label, 0.0) for label in top]
        if len(labels) > len(top):
            heights.append(1.0 - sum(heights))
        axis.bar(x + offset, heights, width=0.4, color=COLORS[name], label=name)
    names = [f"{label:g}" if isinstance(label, float) else str(label)[:12] for label in labels]
    axis.set_xticks(x, names, rotation=45, ha="right", fontsize=7)
    axis.set_ylabel("share")


def draw_numbers(
    axis: Axes,
    reference: pd.Series | np.ndarray,
    candidate: pd.Series | np.ndarray,
    *,
    log: bool = False,
) -> None:
    """Bars for a few distinct values (counts, codes), else histograms."""
    ref, cand = pd.Series(finite(reference)), pd.Series(finite(candidate))
    if ref.nunique() <= MAX_BARS:
        draw_bars(axis, ref, cand, by_value=True)
    else:
        draw_histograms(axis, {"reference": ref, "candidate": cand}, log=log)


def column_grid(
    reference: pd.DataFrame, candidate: pd.DataFrame, numeric: Sequence[str], columns: Sequence[str]
) -> Figure:
    """One panel per column (at most `MAX_PANELS`): histograms for the numeric ones, bars for
    the others."""
    shown = list(columns)[:MAX_PANELS]
    across = min(3, max(len(shown), 1))
    down = max(math.ceil(len(shown) / across), 1)
    figure, axes = plt.subplots(down, across, figsize=(4 * across, 3 * down), squeeze=False)
    figure.subplots_adjust(left=0.08, right=0.98, top=0.94, bottom=0.12, wspace=0.3, hspace=0.6)
    for axis, name in zip(axes.flat, shown, strict=False):
        ref, cand = reference[name], candidate[name]
        if name in numeric:
            draw_numbers(axis, ref, cand)
        else:
            draw_bars(axis, as_labels(ref), as_labels(cand))
        axis.set_title(name, fontsize=9)
    for axis in list(axes.flat)[len(shown) :]:
        axis.set_visible(False)
    axes.flat[0].legend(fontsize=7)
    return figure


def _single() -> tuple[Figure, Axes]:
    # fixed margins: tight_layout costs more than drawing these small figures
    figure, axis = plt.subplots(figsize=(6, 3.5))
    figure.subplots_adjust(left=0.12, right=0.97, top=0.9, bottom=0.15)
    return figure, axis


def histogram_figure(
    samples: dict[str, np.ndarray], *, xlabel: str, title: str, log: bool = False
) -> Figure:
    """A single panel of overlaid histograms of shares; with `log`, the title gives the share
    of values <= 0 that a log axis cannot show."""
    figure, axis = _single()
    draw_histograms(axis, samples, log=log)
    if log:
        zero = {name: float(np.mean(finite(v) <= 0)) for name, v in samples.items() if len(v)}
        if any(zero.values()):
            title += (
                " (at 0, not shown: " + ", ".join(f"{n} {z:.0%}" for n, z in zero.items()) + ")"
            )
    axis.set_xlabel(xlabel)
    axis.set_title(title, fontsize=10)
    axis.legend(fontsize=8)
    return figure


def numbers_figure(
    reference: np.ndarray, candidate: np.ndarray, *, xlabel: str, title: str
) -> Figure:
    """A single panel comparing two numeric samples (bars for few distinct values)."""
    figure, axis = _single()
    draw_numbers(axis, reference, candidate, log=True)
    axis.set_xlabel(xlabel)
    axis.set_title(title, fontsize=10)
    axis.legend(fontsize=8)
    return figure


def lines_figure(
    x: np.ndarray, series: dict[str, np.ndarray], *, xlabel: str, ylabel: str, title: str
) -> Figure:
    """Overlaid line plots with markers (e.g. autocorrelation by lag)."""
    figure, axis = _single()
    for name, values in series.items():
        axis.plot(x, values, marker="o", color=COLORS.get(name), label=name)
    axis.axhline(0.0, color="#999", lw=0.8)
    axis.set_xlabel(xlabel)
    axis.set_ylabel(ylabel)
    axis.set_title(title, fontsize=10)
    axis.legend(fontsize=8)
    return figure
