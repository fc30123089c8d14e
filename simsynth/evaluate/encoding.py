"""Attributes as numeric matrices for the learners of the evaluator (detector, nearest rows)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from simsynth.column_roles import ColumnRoles

from .similarity import as_labels, numbers


def top_categories(values: pd.Series, limit: int) -> pd.Index:
    """The `limit` most frequent categories of a text column (ties in order of appearance)."""
    return values.value_counts(sort=True).index[:limit]


def ordinal_matrix(
    frame: pd.DataFrame, roles: ColumnRoles, *, max_categories: int
) -> tuple[np.ndarray, np.ndarray]:
    """Attributes as float columns: each categorical as codes of its `max_categories` most
    frequent categories (the rest one more code), numerics as they are (missing as `nan`).
    Returns the matrix and a mask of its categorical columns."""
    columns = []
    for name in roles.categorical:
        labels = as_labels(frame[name])
        kept = top_categories(labels, max_categories)
        codes = kept.get_indexer(labels)
        columns.append(np.where(codes < 0, len(kept), codes).astype(np.float64))
    columns += [numbers(frame[name]) for name in roles.numeric]
    mask = np.array([True] * len(roles.categorical) + [False] * len(roles.numeric))
    return np.column_stack(columns), mask


def standardised_matrices(
    fit: pd.DataFrame, frames: list[pd.DataFrame], roles: ColumnRoles, *, max_categories: int
) -> list[np.ndarray]:
    """`frames`' attributes scaled on `fit`: numerics as z-scores (missing at the mean),
    categoricals one-hot over `fit`'s `max_categories` most frequent categories plus one for
    the rest, scaled by 1/√2 so that two different categories are at distance 1, like one
    standard deviation of a numeric."""
    blocks: list[list[np.ndarray]] = [[] for _ in frames]
    for name in roles.numeric:
        values = numbers(fit[name])
        mean, std = np.nanmean(values), np.nanstd(values)
        for block, frame in zip(blocks, frames, strict=True):
            z = (numbers(frame[name]) - mean) / (std if std > 0 else 1.0)
            block.append(np.nan_to_num(z, nan=0.0)[:, None])
    for name in roles.categorical:
        kept = top_categories(as_labels(fit[name]), max_categories)
        for block, frame in zip(blocks, frames, strict=True):
            codes = kept.get_indexer(as_labels(frame[name]))
            codes = np.where(codes < 0, len(kept), codes)
            block.append(np.eye(len(kept) + 1)[codes] / np.sqrt(2.0))
    return [np.hstack(block) for block in blocks]
