"""Fidelity: do the candidate's rows look like the reference's, column by column and in pairs?"""

from __future__ import annotations

import math
from itertools import combinations
from typing import Any

import pandas as pd

from simsynth.column_roles import ColumnRoles

from . import charts
from .inputs import copy_rate
from .section import Section
from .similarity import (
    as_labels,
    category_tv_complement,
    correlation_similarity,
    frequencies,
    ks_complement,
    mean_of,
    pearson,
    scaled_wasserstein,
    tv_complement,
)

MAX_PAIR_COLUMNS = 15
"""Columns per kind (numeric, categorical) paired at most: the first ones in table order."""
MAX_PAIR_CATEGORIES = 20
"""Categories kept per column in contingency tables: the reference's most frequent ones; the
rest (and categories the reference lacks) count as one `<other>` category."""
WORST_PAIRS = 15
OTHER = "<other>"


def section(
    reference: pd.DataFrame, candidate: pd.DataFrame, roles: ColumnRoles, *, seed: int = 0
) -> Section:
    """Per-column shapes, pairwise trends and exact copies of reference rows (attributes only;
    identifiers, labels and `time` are left out). Deterministic: `seed` is unused."""
    columns = _column_scores(reference, candidate, roles)
    correlations = _correlations(reference, candidate, roles.numeric[:MAX_PAIR_COLUMNS])
    contingency = _contingency(reference, candidate, roles.categorical[:MAX_PAIR_COLUMNS])
    shapes = [c.get("ks_complement", c.get("tv_complement", math.nan)) for c in columns.values()]
    pairs = [p["similarity"] for p in (*correlations.values(), *contingency.values())]
    summary: dict[str, Any] = {
        "column_shapes": mean_of(shapes),
        "column_pair_trends": mean_of(pairs),
        "correlation_similarity": mean_of([p["similarity"] for p in correlations.values()]),
        "contingency_similarity": mean_of([p["similarity"] for p in contingency.values()]),
        "wasserstein_mean": mean_of([c.get("wasserstein", math.nan) for c in columns.values()]),
        "exact_copy_rate": copy_rate(candidate, reference, roles),
    }
    if "label_kind" in roles.labels:
        summary["label_kind_tv_complement"] = category_tv_complement(
            reference["label_kind"], candidate["label_kind"]
        )
    column_table = pd.DataFrame.from_dict(columns, orient="index").rename_axis("column")
    worst = column_table.assign(_score=shapes).sort_values("_score", kind="stable").index
    result = Section(
        name="fidelity",
        title="Fidelity: columns and pairs of columns",
        summary=summary,
        details={"columns": columns, "correlations": correlations, "contingency": contingency},
        tables=[("Per column", column_table.reset_index())],
        notes=_notes(roles),
    )
    if pairs:
        result.tables.append(("Least similar column pairs", _pair_table(correlations, contingency)))
    result.figures.append(
        ("columns", lambda: charts.column_grid(reference, candidate, roles.numeric, list(worst)))
    )
    return result


def _column_scores(
    reference: pd.DataFrame, candidate: pd.DataFrame, roles: ColumnRoles
) -> dict[str, dict[str, Any]]:
    scores: dict[str, dict[str, Any]] = {}
    for name in roles.categorical:
        scores[name] = {
            "kind": "categorical",
            "tv_complement": category_tv_complement(reference[name], candidate[name]),
        }
    for name in roles.numeric:
        distance, scale = scaled_wasserstein(reference[name], candidate[name])
        scores[name] = {
            "kind": "numeric",
            "ks_complement": ks_complement(reference[name], candidate[name]),
            "wasserstein": distance,
            "wasserstein_scale": scale,
        }
    return scores


def _correlations(
    reference: pd.DataFrame, candidate: pd.DataFrame, numeric: tuple[str, ...]
) -> dict[str, dict[str, float]]:
    pairs = {}
    for x, y in combinations(numeric, 2):
        rho_r, rho_c = pearson(reference[x], reference[y]), pearson(candidate[x], candidate[y])
        if not (math.isnan(rho_r) or math.isnan(rho_c)):
            similarity = correlation_similarity(rho_r, rho_c)
            pairs[f"{x} | {y}"] = {"reference": rho_r, "candidate": rho_c, "similarity": similarity}
    return pairs


def _capped_labels(reference: pd.Series, candidate: pd.Series) -> tuple[pd.Series, pd.Series]:
    ref, cand = as_labels(reference), as_labels(candidate)
    kept = ref.value_counts().index[:MAX_PAIR_CATEGORIES]
    return ref.where(ref.isin(kept), OTHER), cand.where(cand.isin(kept), OTHER)


def _contingency(
    reference: pd.DataFrame, candidate: pd.DataFrame, categorical: tuple[str, ...]
) -> dict[str, dict[str, float]]:
    capped = {name: _capped_labels(reference[name], candidate[name]) for name in categorical}
    pairs = {}
    for x, y in combinations(categorical, 2):
        joint_r = frequencies(pd.DataFrame({"x": capped[x][0], "y": capped[y][0]}))
        joint_c = frequencies(pd.DataFrame({"x": capped[x][1], "y": capped[y][1]}))
        pairs[f"{x} | {y}"] = {"similarity": tv_complement(joint_r, joint_c)}
    return pairs


def _pair_table(
    correlations: dict[str, dict[str, float]], contingency: dict[str, dict[str, float]]
) -> pd.DataFrame:
    rows = [
        {"pair": pair, "metric": "correlation", **scores} for pair, scores in correlations.items()
    ] + [{"pair": pair, "metric": "contingency", **scores} for pair, scores in contingency.items()]
    table = pd.DataFrame(rows).sort_values("similarity", kind="stable").head(WORST_PAIRS)
    return table.reset_index(drop=True)


def _notes(roles: ColumnRoles) -> list[str]:
    notes = [
        "Column shapes: KS complement (1 - KS statistic) of numeric columns, TV complement "
        "(1 - total variation distance) of categorical ones; 1 = same distribution.",
        "Wasserstein distance of numeric columns divided by the reference's interquartile range "
        "(its std if the IQR is 0): 0 = same distribution, 1 = shifted by one IQR.",
        "Pair trends: correlation similarity 1 - |ρ_r - ρ_c|/2 (Pearson) of numeric pairs and "
        "contingency similarity (TV complement of joint frequencies) of categorical pairs, over "
        f"the first {MAX_PAIR_COLUMNS} columns of each kind, with each column's "
        f"{MAX_PAIR_CATEGORIES} most frequent reference categories (the rest pooled); pairs "
        "with a constant column have no correlation and are skipped.",
        "Exact copies: share of candidate rows whose attributes (categorical and numeric "
        "columns; not time, identifiers or labels) equal those of some reference row. With "
        "few, coarse attributes fresh data repeats rows too: compare with the privacy section's "
        "holdout rate.",
        f"Attributes compared: {', '.join(roles.attributes)}.",
    ]
    if len(roles.attributes) > charts.MAX_PANELS:
        notes.append(f"The figure shows the {charts.MAX_PANELS} least similar columns.")
    return notes
