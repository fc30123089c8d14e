"""Privacy: do candidate rows sit closer to reference rows than fresh data from the same source?"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from simsynth.column_roles import ColumnRoles

from . import charts
from .encoding import standardised_matrices
from .inputs import copy_rate, sample_rows
from .section import Section

MAX_ROWS = 10_000
"""Rows at most of the reference's training half, of its holdout half and of the candidate."""
MIN_ROWS = 10
MAX_CATEGORIES = 50
"""Categories one-hot encoded per column (the reference-train's most frequent; the rest pooled)."""
LOW_QUANTILE = 5


def split_reference(reference: pd.DataFrame, seed: int) -> tuple[pd.DataFrame, pd.DataFrame, str]:
    """Train and holdout halves of the reference: whole runs if it has several (seeded), rows
    otherwise (seeded); and which of the two it split."""
    rng = np.random.default_rng(seed)
    runs = reference["run_id"].unique() if "run_id" in reference else []
    if len(runs) > 1:
        chosen = rng.permutation(np.asarray(runs, dtype=object))[: len(runs) // 2]
        in_train = reference["run_id"].isin(list(chosen)).to_numpy()
        return reference[in_train], reference[~in_train], "runs"
    in_train = np.zeros(len(reference), bool)
    in_train[rng.permutation(len(reference))[: len(reference) // 2]] = True
    return reference[in_train], reference[~in_train], "rows"


def distances_to_closest(train: np.ndarray, queries: list[np.ndarray]) -> list[np.ndarray]:
    """Euclidean distance from each row of each query matrix to its nearest row of `train`."""
    from sklearn.neighbors import NearestNeighbors
    from threadpoolctl import threadpool_limits

    index = NearestNeighbors(n_neighbors=1).fit(train)
    with threadpool_limits(1):  # see detectability: OpenMP threads crawl on a busy machine
        return [index.kneighbors(query)[0][:, 0] for query in queries]


def _ratio(numerator: float, denominator: float) -> float | None:
    return numerator / denominator if denominator > 0 else None


def section(
    reference: pd.DataFrame, candidate: pd.DataFrame, roles: ColumnRoles, *, seed: int = 0
) -> Section:
    """Distance to the closest record (DCR) of candidate rows and of held-out reference rows to
    the reference's training half, and exact-match rates."""
    train, holdout, split = split_reference(reference, seed)
    train, holdout, candidate = (
        sample_rows(frame, MAX_ROWS, seed + offset)
        for offset, frame in enumerate((train, holdout, candidate))
    )
    result = Section(name="privacy", title="Privacy", notes=_notes())
    if min(len(train), len(holdout), len(candidate)) < MIN_ROWS:
        result.summary = {"dcr_ratio": None, "exact_match_rate": None}
        result.warnings.append("too few rows to split the reference into train and holdout")
        return result
    train_x, holdout_x, candidate_x = standardised_matrices(
        train, [train, holdout, candidate], roles, max_categories=MAX_CATEGORIES
    )
    dcr_candidate, dcr_holdout = distances_to_closest(train_x, [candidate_x, holdout_x])
    medians = float(np.median(dcr_candidate)), float(np.median(dcr_holdout))
    lows = (
        float(np.percentile(dcr_candidate, LOW_QUANTILE)),
        float(np.percentile(dcr_holdout, LOW_QUANTILE)),
    )
    summary: dict[str, Any] = {
        "dcr_ratio": _ratio(*medians),
        f"dcr_p{LOW_QUANTILE}_ratio": _ratio(*lows),
        "exact_match_rate": copy_rate(candidate, train, roles),
        "holdout_exact_match_rate": copy_rate(holdout, train, roles),
    }
    result.summary = summary
    result.details = {
        "median_dcr": {"candidate": medians[0], "holdout": medians[1]},
        f"p{LOW_QUANTILE}_dcr": {"candidate": lows[0], "holdout": lows[1]},
        "rows": {"train": len(train), "holdout": len(holdout), "candidate": len(candidate)},
        "split": split,
    }
    if split == "rows":
        result.notes.append(
            "The reference has one run, split by rows: its holdout half shares the training "
            "half's entities and moments, so it sits closer to the training rows than data from "
            "another run would; a ratio somewhat above 1 is then expected of a fresh run."
        )
    if summary["dcr_ratio"] is None:
        result.warnings.append(
            "over half of the held-out reference rows equal a training row: the attributes are "
            "too coarse for distances to mean much; compare the exact-match rates instead"
        )
    elif summary["dcr_ratio"] < 0.5 or _more(summary):
        result.warnings.append(
            "candidate rows sit much closer to the reference's rows than fresh reference data "
            "does: they may copy (memorise) reference rows"
        )
    result.figures.append(
        (
            "dcr",
            lambda: charts.histogram_figure(
                {"candidate": dcr_candidate, "reference": dcr_holdout},
                xlabel="distance to the closest reference-train row (standardised attributes)",
                title="Distance to closest record (reference: its holdout half)",
            ),
        )
    )
    return result


def _more(summary: dict[str, Any]) -> bool:
    """Candidate rows copy reference rows clearly more often than fresh data repeats them."""
    excess = summary["exact_match_rate"] - summary["holdout_exact_match_rate"]
    return excess > 0.05 and not math.isnan(excess)


def _notes() -> list[str]:
    return [
        "The reference is split in halves (whole runs if it has several, rows otherwise; "
        f"seeded), at most {MAX_ROWS:,} rows each, and the candidate sampled to at most "
        f"{MAX_ROWS:,} rows. Attributes are standardised on the training half: numeric "
        "z-scores, categoricals one-hot so that a different category counts like one standard "
        "deviation.",
        "dcr_ratio = median distance from candidate rows to their closest reference-train row "
        "/ the same median for held-out reference rows. About 1: candidates are as far from "
        "the reference as fresh data is; well below 1: they sit closer to reference rows "
        f"(memorisation). dcr_p{LOW_QUANTILE}_ratio compares the {LOW_QUANTILE}th percentiles "
        "(0 when over 5% of the candidate copies training rows).",
        "exact_match_rate: share of candidate rows equal (all attributes) to a reference-train "
        "row; holdout_exact_match_rate: the same for held-out reference rows, the rate fresh "
        "data reaches by chance. A copy of the whole reference scores about 0.5 here (the rows it "
        "copies from the holdout half do not count) and 1 in fidelity's exact_copy_rate.",
    ]
