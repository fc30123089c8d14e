"""Detectability: can a classifier tell candidate rows from reference rows?"""

from __future__ import annotations

import numpy as np
import pandas as pd

from simsynth.column_roles import ColumnRoles

from .encoding import ordinal_matrix
from .inputs import row_keys, sample_rows
from .section import Section

MAX_ROWS = 20_000
"""Rows drawn from each side at most (both sides get the same number)."""
MIN_ROWS = 50
MAX_TWINS = 10
FOLDS = 5
MAX_CATEGORIES = 250
"""Categories per column the classifier sees (the rest pooled; its limit is 255 bins)."""


def section(
    reference: pd.DataFrame, candidate: pd.DataFrame, roles: ColumnRoles, *, seed: int = 0
) -> Section:
    """ROC AUC of a seeded gradient-boosting classifier separating reference from candidate
    rows by their attributes, 5-fold cross-validated on a balanced sample."""
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.model_selection import PredefinedSplit, cross_validate
    from threadpoolctl import threadpool_limits

    rows = min(len(reference), len(candidate), MAX_ROWS)
    result = Section(name="detectability", title="Detectability", notes=_notes(rows))
    if rows < MIN_ROWS:
        result.summary = {"auc": None, "score": None}
        result.warnings.append(f"too few rows to train a detector ({rows} per side)")
        return result
    both = pd.concat(
        [sample_rows(reference, rows, seed), sample_rows(candidate, rows, seed + 1)],
        ignore_index=True,
    )
    features, categorical = ordinal_matrix(both, roles, max_categories=MAX_CATEGORIES)
    target = np.repeat([0, 1], rows)
    model = HistGradientBoostingClassifier(categorical_features=categorical, random_state=seed)
    folds = PredefinedSplit(fold_of_rows(twin_groups(row_keys(both, roles)), target, seed))
    # One OpenMP thread: on a busy machine its spinning threads make fits 10-50x slower, and at
    # MAX_ROWS a single-threaded fit still takes seconds.
    with threadpool_limits(1):
        scores = cross_validate(model, features, target, cv=folds, scoring="roc_auc")
    scores = scores["test_score"]
    auc = float(np.mean(scores))
    result.summary = {"auc": auc, "score": 1.0 - 2.0 * abs(auc - 0.5)}
    result.details = {
        "fold_auc": scores.tolist(),
        "auc_std": float(np.std(scores)),
        "rows_per_side": rows,
        "features": list(roles.attributes),
    }
    if auc > 0.9:
        result.warnings.append(
            f"a classifier tells candidate rows from reference rows almost perfectly (ROC AUC "
            f"{auc:.3f}): see the fidelity section for the columns that differ most"
        )
    return result


def twin_groups(keys: np.ndarray) -> np.ndarray:
    """Cross-validation groups: rows whose attributes recur at most `MAX_TWINS` times share a
    group (so a copied row is not classed by its twin's label in the training folds, which
    gives copies an AUC far below 0.5); rows of frequent values are groups of their own (so
    that coarse attributes are still learned from every fold)."""
    codes = pd.factorize(keys)[0]
    counts = np.bincount(codes)
    return np.where(counts[codes] <= MAX_TWINS, codes, len(counts) + np.arange(len(codes)))


def fold_of_rows(groups: np.ndarray, target: np.ndarray, seed: int) -> np.ndarray:
    """Each row's fold: its group's, groups dealt round-robin in random order (seeded) within
    each class (of their first row), so that folds are balanced. (scikit-learn's
    StratifiedGroupKFold does the same in a Python loop: seconds for 40,000 groups.)"""
    unique, first = np.unique(groups, return_index=True)
    shuffled = np.random.default_rng(seed).random(len(unique))
    order = np.lexsort((shuffled, target[first]))
    fold_of_group = np.empty(len(unique), np.int64)
    fold_of_group[order] = np.arange(len(unique)) % FOLDS
    return fold_of_group[np.searchsorted(unique, groups)]


def _notes(rows: int) -> list[str]:
    return [
        "A histogram gradient-boosting classifier (scikit-learn, seeded) learns to tell "
        f"reference rows from candidate rows on their attributes (no time, identifiers or "
        f"labels), on {rows:,} rows of each (at most {MAX_ROWS:,}, drawn at random), with "
        f"{FOLDS}-fold stratified cross-validation; rare rows with equal attributes (at most "
        f"{MAX_TWINS} alike) stay in one fold, so that copied rows cannot be told apart by "
        "their twins' labels.",
        "auc is the mean ROC AUC over the folds: 0.5 = indistinguishable (best), 1 = always "
        "told apart (an AUC below 0.5 is noise). score = 1 - 2|auc - 0.5|: 1 best, 0 worst.",
    ]
